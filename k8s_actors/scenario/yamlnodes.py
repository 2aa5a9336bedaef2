"""Reading composed YAML nodes with positions: the shared tools of the scenario loaders.

Role: collect problems as `FILE:LINE:COL: field.path: message` lines and read mappings, scalars,
durations and integers out of `yaml.Node`s so that every problem points at its node.
Neighbours: `loader`, `cluster_loader`, `step_loader`, `durations`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import yaml

from k8s_actors.scenario.durations import DurationError, parse_duration

Fields = dict[str, yaml.Node]


class Problems:
    """Every problem found in one scenario, in the order found."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, node: yaml.Node, field: str, message: str) -> None:
        mark = node.start_mark
        self.items.append(f"{self.source}:{mark.line + 1}:{mark.column + 1}: {field}: {message}")


def mapping(node: yaml.Node) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """Key text -> (key node, value node) of a mapping node."""
    assert isinstance(node, yaml.MappingNode)
    return {str(key.value): (key, value) for key, value in node.value}


def fields_of(
    value: yaml.Node,
    allowed: Sequence[str],
    required: Sequence[str],
    problems: Problems,
    where: str,
) -> Fields | None:
    """A mapping's fields, or None (problems added) when some are unknown or missing."""
    if not isinstance(value, yaml.MappingNode):
        wanted = ", ".join(required) if required else ", ".join(allowed)
        problems.add(value, where, f"must be a mapping with {wanted}")
        return None
    fields = mapping(value)
    ok = True
    for key, (key_node, _) in fields.items():
        if key not in allowed:
            expected = ", ".join(allowed)
            problems.add(key_node, f"{where}.{key}", f"unknown field (expected one of {expected})")
            ok = False
    for key in required:
        if key not in fields:
            problems.add(value, f"{where}.{key}", "required field is missing")
            ok = False
    return {key: node for key, (_, node) in fields.items()} if ok else None


def text_of(node: yaml.Node, problems: Problems, where: str) -> str | None:
    """A scalar's text, or None (reported) for a list or mapping."""
    if not isinstance(node, yaml.ScalarNode):
        problems.add(node, where, "must be a single value")
        return None
    return str(node.value)


def duration_of(node: yaml.Node, problems: Problems, where: str) -> float | None:
    if not isinstance(node, yaml.ScalarNode):
        problems.add(node, where, "must be a duration such as 10s, 2m or 1h30m")
        return None
    try:
        seconds = parse_duration(str(node.value))
    except DurationError as error:
        problems.add(node, where, f"{error} (use e.g. 500ms, 10s, 2m, 1h30m)")
        return None
    if seconds < 0:
        problems.add(node, where, f'must not be negative, got "{node.value}"')
        return None
    return seconds


def integer_of(
    node: yaml.Node, problems: Problems, where: str, minimum: int | None = None
) -> int | None:
    text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
    try:
        value = int(text)
    except ValueError:
        problems.add(node, where, f'must be an integer, got "{text}"')
        return None
    if minimum is not None and value < minimum:
        problems.add(node, where, f"must be at least {minimum}, got {value}")
        return None
    return value


def number_of(node: yaml.Node, problems: Problems, where: str) -> float | None:
    text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
    try:
        return float(text)
    except ValueError:
        problems.add(node, where, f'must be a number, got "{text}"')
        return None


def boolean_of(node: yaml.Node, problems: Problems, where: str) -> bool | None:
    text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
    if text in ("true", "True", "false", "False"):
        return text.lower() == "true"
    problems.add(node, where, f'must be true or false, got "{text}"')
    return None


def string_map(node: yaml.Node, problems: Problems, where: str) -> dict[str, str] | None:
    """A mapping of scalar keys to scalar values, as labels are written."""
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, where, "must be a mapping of keys to values")
        return None
    result: dict[str, str] = {}
    for key, (_, value) in mapping(node).items():
        if not isinstance(value, yaml.ScalarNode):
            problems.add(value, f"{where}.{key}", "must be a single value")
            continue
        result[key] = str(value.value)
    return result


def string_list(node: yaml.Node, problems: Problems, where: str) -> list[str] | None:
    if not isinstance(node, yaml.SequenceNode) or not all(
        isinstance(item, yaml.ScalarNode) for item in node.value
    ):
        problems.add(node, where, "must be a list of names")
        return None
    return [str(item.value) for item in node.value]


def expect_mode(
    value: yaml.Node, fields: dict[str, yaml.Node], problems: Problems, where: str
) -> tuple[Literal["for", "always", "never"], float | None] | None:
    """The one of `for`, `always`, `never` an expectation has, and its window: `within` goes
    with `for`, `during` with the others (0 when absent; None when it does not parse, reported).
    None, reported, when the modes or the window key are wrong."""
    modes = [key for key in ("for", "always", "never") if key in fields]
    if len(modes) != 1:
        problems.add(value, where, "needs exactly one of for, always or never")
        return None
    mode: Literal["for", "always", "never"] = modes[0]
    window_key, other = ("within", "during") if mode == "for" else ("during", "within")
    if other in fields:
        problems.add(fields[other], f"{where}.{other}", f"goes with {window_key}, not {mode}")
        return None
    if window_key not in fields:
        return mode, 0.0
    return mode, duration_of(fields[window_key], problems, f"{where}.{window_key}")
