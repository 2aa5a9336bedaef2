"""Checking the invariant forms of a scenario: top-level `invariants:` and `expect: {invariant:}`.

Role: `invariants: [rollout_bounds, ...]` names properties checked after every step;
`expect: {invariant: eventually_stable, within: 10m}` (or a list of names) asks that they all hold
at one instant within the window. The scenario layer does not know the invariants themselves
(they live in the test kit, above it): the caller passes the names it knows, and each unknown
one is a problem at its FILE:LINE:COL with the known names; with no names given, any is accepted
and the runner reports a name it cannot resolve. Neighbours: `loader`, `step_loader`, `model`,
`invariants` (the run-time side).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from k8s_actors.scenario.durations import format_duration
from k8s_actors.scenario.model import InvariantExpectStep, InvariantRef
from k8s_actors.scenario.yamlnodes import Problems, duration_of, fields_of

INVARIANT_EXPECT_KEYS = ("invariant", "within")


def load_invariant_list(
    node: yaml.Node, problems: Problems, known: Sequence[str] | None
) -> tuple[InvariantRef, ...]:
    """The top-level `invariants:` list: names checked after every step."""
    if not isinstance(node, yaml.SequenceNode):
        problems.add(node, "invariants", "must be a list of invariant names")
        return ()
    refs: list[InvariantRef] = []
    for position, item in enumerate(node.value):
        where = f"invariants[{position}]"
        name = _known_name(item, problems, known, where)
        if name is not None and name not in [ref.name for ref in refs]:
            refs.append(InvariantRef(name=name, line=item.start_mark.line + 1, where=where))
    return tuple(refs)


def invariant_expect_step(
    base: dict[str, Any],
    value: yaml.Node,
    problems: Problems,
    known: Sequence[str] | None,
    where: str,
) -> InvariantExpectStep | None:
    """`{invariant: NAME or [NAME, ...], within: DURATION}`; without `within`, checked once."""
    fields = fields_of(value, INVARIANT_EXPECT_KEYS, ("invariant",), problems, where)
    if fields is None:
        return None
    names = _names(fields["invariant"], problems, known, f"{where}.invariant")
    window = 0.0
    if "within" in fields:
        parsed = duration_of(fields["within"], problems, f"{where}.within")
        if parsed is None:
            return None
        window = parsed
    if not names:
        return None
    plural = "s" if len(names) > 1 else ""
    text = f"expect invariant{plural} {', '.join(names)} within {format_duration(window)}"
    return InvariantExpectStep(**base, text=text, names=tuple(names), window=window)


def _names(
    node: yaml.Node, problems: Problems, known: Sequence[str] | None, where: str
) -> list[str]:
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    if isinstance(node, yaml.SequenceNode) and not items:
        problems.add(node, where, "must name at least one invariant")
        return []
    names: list[str] = []
    for position, item in enumerate(items):
        at = f"{where}[{position}]" if isinstance(node, yaml.SequenceNode) else where
        name = _known_name(item, problems, known, at)
        if name is None:
            return []
        if name not in names:
            names.append(name)
    return names


def _known_name(
    node: yaml.Node, problems: Problems, known: Sequence[str] | None, where: str
) -> str | None:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        problems.add(node, where, "must be an invariant name")
        return None
    name = str(node.value)
    if known is not None and name not in known:
        problems.add(node, where, f'unknown invariant "{name}" (known: {", ".join(known)})')
        return None
    return name
