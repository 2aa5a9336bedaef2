"""What an expectation looks at (a selection of objects) and what it tests (a condition).

Role: parse `resource:` (`KIND/NAME`, or `KIND -l SEL --field-selector=SEL -n NS` as kubectl get
takes them) and the conditions of kubectl wait (`condition=Available`, `condition=Ready=False`,
`jsonpath={.path}=value`, `delete`) plus `count OP N`; then decide, purely, whether a condition
holds over the selected objects and describe what was seen. Neighbours: `loader` (parses),
`expectations` (evaluates on every change), `jsonpath`.
"""

from __future__ import annotations

import operator
import re
import shlex
from collections.abc import Callable, Sequence
from typing import Any, Literal

import msgspec

from k8s_actors.api.fields import FieldSelector, FieldSelectorError, check_supported
from k8s_actors.api.labels import Selector as LabelSelectorParser
from k8s_actors.api.labels import SelectorError
from k8s_actors.api.registry import REGISTRY, UnknownKindError
from k8s_actors.scenario.jsonpath import JsonPathError, compile_path, evaluate, render

ConditionForm = Literal["condition", "jsonpath", "delete", "count"]
COMPARISONS: dict[str, Callable[[int, int], bool]] = {
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
CONDITION_FORMS = 'condition=NAME[=VALUE], jsonpath={.path}=VALUE, delete or "count OP N"'
_JSONPATH = re.compile(r"^jsonpath=(?P<path>\{[^}]*\}|[^=!<>]+)(?P<op>==|=|!=)(?P<value>.*)$")
_CONDITION = re.compile(r"^condition=(?P<name>[^=]+)(?:=(?P<value>.*))?$")
_COUNT = re.compile(r"^count\s*(?P<op><=|>=|==|!=|=|<|>)\s*(?P<value>\d+)$")


class SelectionError(ValueError):
    """A resource selection or condition that does not parse; the message says why."""


class Selection(msgspec.Struct, frozen=True, kw_only=True):
    """One named object (`name`), or every object of `resource` the selectors match."""

    resource: str
    kind: str
    namespaced: bool
    name: str = ""
    namespace: str = "default"
    label_selector: str = ""
    field_selector: str = ""
    text: str = ""

    def key_range(self) -> str:
        """The etcd key (named) or key prefix (selection) of the objects looked at."""
        info = REGISTRY.for_name(self.resource)
        if self.name:
            return info.storage_key(self.namespace, self.name)
        if self.namespaced:
            return f"{info.key_prefix()}{self.namespace}/"
        return info.key_prefix()


class Condition(msgspec.Struct, frozen=True, kw_only=True):
    form: ConditionForm
    path: str = ""
    operator: str = "="
    expected: str = ""
    text: str = ""


def parse_selection(text: str, namespace: str = "default") -> Selection:
    """`deployment/web`, or `pods -l app=web --field-selector=status.phase=Running -n shop`."""
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise SelectionError(str(error)) from None
    if not words:
        raise SelectionError("must name a resource such as deployment/web or 'pods -l app=web'")
    head, options = words[0], _options(words[1:])
    kind_text, slash, name = head.partition("/")
    if slash and not name:
        raise SelectionError(f'must be KIND/NAME such as deployment/web, got "{text}"')
    try:
        info = REGISTRY.for_name(kind_text)
    except UnknownKindError as error:
        raise SelectionError(str(error)) from None
    labels, fields = options.get("-l", ""), options.get("--field-selector", "")
    try:
        LabelSelectorParser.parse(labels)
        check_supported(info.kind, FieldSelector.parse(fields))
    except (SelectorError, FieldSelectorError) as error:
        raise SelectionError(str(error)) from None
    if name and (labels or fields):
        raise SelectionError("a name and a selector cannot both be given")
    return Selection(
        resource=info.resource,
        kind=info.kind,
        namespaced=info.namespaced,
        name=name,
        namespace=options.get("-n", namespace) if info.namespaced else "",
        label_selector=labels,
        field_selector=fields,
        text=text,
    )


_FLAG_NAMES = {
    "-l": "-l",
    "--selector": "-l",
    "--field-selector": "--field-selector",
    "-n": "-n",
    "--namespace": "-n",
}


def _options(words: Sequence[str]) -> dict[str, str]:
    """Flags as kubectl spells them: `-l X`, `-l=X`, `--selector X`, `--field-selector=X`."""
    found: dict[str, str] = {}
    position = 0
    while position < len(words):
        word = words[position]
        flag, equals, value = word.partition("=")
        canonical = _FLAG_NAMES.get(flag)
        if canonical is None:
            raise SelectionError(f'unknown flag "{word}" (expected -l, --field-selector or -n)')
        if not equals:
            position += 1
            if position >= len(words):
                raise SelectionError(f"flag needs an argument: {flag}")
            value = words[position]
        found[canonical] = value
        position += 1
    return found


def parse_condition(text: str) -> Condition:
    if text == "delete":
        return Condition(form="delete", text=text)
    if (match := _COUNT.match(text)) is not None:
        return Condition(form="count", operator=match["op"], expected=match["value"], text=text)
    if (match := _CONDITION.match(text)) is not None:
        value = match["value"] if match["value"] is not None else "True"
        return Condition(form="condition", path=match["name"], expected=value, text=text)
    if (match := _JSONPATH.match(text)) is not None:
        try:
            compile_path(match["path"])
        except JsonPathError as error:
            raise SelectionError(str(error)) from None
        op = "!=" if match["op"] == "!=" else "="
        return Condition(
            form="jsonpath", path=match["path"], operator=op, expected=match["value"], text=text
        )
    raise SelectionError(f'must be {CONDITION_FORMS}, got "{text}"')


def judge(condition: Condition, selection: Selection, objects: Sequence[Any]) -> tuple[bool, str]:
    """Whether `condition` holds over `objects` (plain JSON-like data) and what was seen.

    As kubectl wait does for a selection, a condition or jsonpath must hold for every selected
    object, and holds for none when nothing is selected.
    """
    count = len(objects)
    if condition.form == "count":
        holds = COMPARISONS[condition.operator](count, int(condition.expected))
        return holds, f"count={count}"
    if condition.form == "delete":
        return count == 0, "not found" if count == 0 else _exists(selection, count)
    if count == 0:
        return False, "not found" if selection.name else "no matching resources found"
    values = [_value_of(condition, obj) for obj in objects]
    holds = all(_matches(condition, value) for value in values)
    if selection.name:
        return holds, values[0]
    seen = ", ".join(f"{_name(obj)}={value}" for obj, value in zip(objects, values, strict=True))
    return holds, seen


def _exists(selection: Selection, count: int) -> str:
    return "exists" if selection.name else f"count={count}"


def _name(obj: Any) -> str:
    return str(obj.get("metadata", {}).get("name", "")) if isinstance(obj, dict) else ""


def _value_of(condition: Condition, obj: Any) -> str:
    if condition.form == "jsonpath":
        return render(evaluate(condition.path, obj))
    conditions = (obj.get("status") or {}).get("conditions") or []
    for entry in conditions:
        if isinstance(entry, dict) and entry.get("type") == condition.path:
            return str(entry.get("status", ""))
    return "<none>"


def _matches(condition: Condition, value: str) -> bool:
    if condition.form == "condition":
        # kubectl wait compares condition statuses case-insensitively (strings.EqualFold).
        return value.lower() == condition.expected.lower()
    equal = value == condition.expected
    return equal if condition.operator == "=" else not equal
