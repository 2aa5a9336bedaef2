"""The subset of kubectl's JSONPath that expectations use: `{.status.availableReplicas}`.

Role: read a value out of an object for `expect` steps, as `kubectl get -o jsonpath=...` and
`kubectl wait --for=jsonpath=...` do: dotted fields, `['quoted.keys']`, list indices and the
filter `[?(@.type=="Ready")]`. Neighbours: `runner` (expectations).
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(
    r"""\.(?P<field>[A-Za-z0-9_\-]+)
      |\[(?P<index>-?\d+)\]
      |\[['"](?P<quoted>[^'"]+)['"]\]
      |\[\?\(@\.(?P<filter_field>[A-Za-z0-9_\-.]+)\s*==\s*['"](?P<filter_value>[^'"]*)['"]\)\]""",
    re.VERBOSE,
)


class JsonPathError(ValueError):
    """The expression is not in the supported subset."""


def compile_path(expression: str) -> list[tuple[str, str]]:
    text = expression.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    if not text.startswith((".", "[")):
        raise JsonPathError(f"unrecognized identifier {text!r}")
    steps: list[tuple[str, str]] = []
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() != position:
            break
        position = match.end()
        if match.group("field") is not None:
            steps.append(("field", match.group("field")))
        elif match.group("index") is not None:
            steps.append(("index", match.group("index")))
        elif match.group("quoted") is not None:
            steps.append(("field", match.group("quoted")))
        else:
            steps.append(("filter", f"{match.group('filter_field')}={match.group('filter_value')}"))
    if position != len(text):
        raise JsonPathError(f"unrecognized expression at {text[position:]!r}")
    return steps


def evaluate(expression: str, document: Any) -> Any:
    """The value at `expression`, or None when any step is missing."""
    value = document
    for kind, arg in compile_path(expression):
        if value is None:
            return None
        if kind == "field":
            value = value.get(arg) if isinstance(value, dict) else None
        elif kind == "index":
            index = int(arg)
            value = (
                value[index]
                if isinstance(value, list | tuple) and -len(value) <= index < len(value)
                else None
            )
        else:
            field, _, wanted = arg.partition("=")
            if not isinstance(value, list | tuple):
                return None
            matches = [item for item in value if str(_dig(item, field)) == wanted]
            value = matches[0] if matches else None
    return value


def _dig(item: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(item, dict):
            return None
        item = item.get(part)
    return item


def render(value: Any) -> str:
    """How kubectl prints a jsonpath result: strings bare, booleans lowercase."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
