"""The subset of kubectl's JSONPath templates that `get -o jsonpath` and `wait` use.

Role: pure. A template is literal text with `{...}` expressions; an expression is a path of
`.field`, `['quoted.key']`, `[n]`, `[*]` and `[?(@.field=="value")]` steps, and `{range}` is
not supported. Results print as kubectl prints them: strings bare, several matches joined by a
space, maps and lists as JSON. Neighbours: `printer` (output), `wait` (conditions).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["JsonPathError", "evaluate", "render", "text_of"]

_STEP = re.compile(
    r"""\.(?P<field>[A-Za-z0-9_\-/]+)
      |\[(?P<index>-?\d+)\]
      |\[(?P<star>\*)\]|\.(?P<dotstar>\*)
      |\[['"](?P<quoted>[^'"]+)['"]\]
      |\[\?\(@\.(?P<ffield>[A-Za-z0-9_\-.]+)\s*==\s*['"](?P<fvalue>[^'"]*)['"]\)\]""",
    re.VERBOSE,
)


class JsonPathError(ValueError):
    """The template is outside the supported subset."""


def _steps(expression: str) -> list[re.Match[str]]:
    text = expression.strip()
    if text.startswith("$"):
        text = text[1:]
    if text and not text.startswith((".", "[")):
        text = "." + text
    steps: list[re.Match[str]] = []
    position = 0
    while position < len(text):
        match = _STEP.match(text, position)
        if match is None:
            raise JsonPathError(f"unrecognized character in action: {text[position:]!r}")
        steps.append(match)
        position = match.end()
    return steps


def evaluate(expression: str, data: Any) -> list[Any]:
    """Every value the path reaches in `data` (missing keys give no value, as kubectl's)."""
    values = [data]
    for step in _steps(expression):
        following: list[Any] = []
        for value in values:
            following.extend(_apply(step, value))
        values = following
    return values


def _apply(step: re.Match[str], value: Any) -> list[Any]:
    key = step.group("field") or step.group("quoted")
    if key is not None:
        return [value[key]] if isinstance(value, dict) and key in value else []
    if step.group("index") is not None:
        index = int(step.group("index"))
        # Objects hold their lists as tuples (frozen); both index alike.
        if isinstance(value, list | tuple) and -len(value) <= index < len(value):
            return [value[index]]
        return []
    if step.group("star") or step.group("dotstar"):
        if isinstance(value, list | tuple):
            return list(value)
        return list(value.values()) if isinstance(value, dict) else []
    field, wanted = step.group("ffield"), step.group("fvalue")
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if _text_at(item, field) == wanted]


def _text_at(item: Any, dotted: str) -> str | None:
    for part in dotted.split("."):
        if not isinstance(item, dict) or part not in item:
            return None
        item = item[part]
    return text_of(item)


def text_of(value: Any) -> str:
    """How kubectl prints one value: strings bare, booleans lowercase, others as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def render(template: str, data: Any) -> str:
    """Fill each `{expression}` of the template (kubectl's relaxed `.a.b` form is accepted)."""
    if "{" not in template:
        template = "{" + template + "}"
    out: list[str] = []
    position = 0
    for match in re.finditer(r"\{([^{}]*)\}", template):
        out.append(template[position : match.start()])
        out.append(" ".join(text_of(v) for v in evaluate(match.group(1), data)))
        position = match.end()
    out.append(template[position:])
    return "".join(out)
