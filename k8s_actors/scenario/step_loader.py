"""Checking `steps:`: apply, sleep, delete, kubectl, expect, fault and repeat, each with `at`.

Role: build the typed steps of a scenario from YAML nodes, reporting every problem at its node:
manifests through the object model's loader, kubectl command lines through kubectl's own parser,
expectations through `selection` (or `invariant_loader` for named invariants), faults through
`fault_loader`. A step is a mapping with one kind key, plus the modifiers `at` (any top-level
step), `expectFailure` (kubectl and apply steps) and `expectOutput` (kubectl steps).
Neighbours: `loader` (calls `load_steps`), `model`, `yamlnodes`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from k8s_actors.api.manifest import ManifestError, load_manifests
from k8s_actors.api.registry import REGISTRY, UnknownKindError
from k8s_actors.scenario.components import kubectl_parser, kubectl_usage_error
from k8s_actors.scenario.fault_loader import FaultContext, load_fault
from k8s_actors.scenario.invariant_loader import invariant_expect_step
from k8s_actors.scenario.load import unknown_loads
from k8s_actors.scenario.load_loader import load_step, traffic_expect_step
from k8s_actors.scenario.model import (
    ApplyStep,
    DeleteStep,
    ExpectStep,
    KubectlStep,
    OutputCheck,
    RepeatStep,
    SleepStep,
    Step,
)
from k8s_actors.scenario.selection import SelectionError, parse_condition, parse_selection
from k8s_actors.scenario.yamlnodes import (
    Problems,
    boolean_of,
    duration_of,
    expect_mode,
    fields_of,
    integer_of,
    mapping,
    text_of,
)

STEP_KINDS = ("apply", "sleep", "delete", "kubectl", "expect", "fault", "repeat", "load")
MODIFIERS = ("at", "expectFailure", "expectOutput")
CAN_FAIL = ("kubectl", "apply")
OUTPUT_KEYS = ("contains", "matches")
EXPECT_KEYS = ("resource", "namespace", "for", "within", "always", "never", "during")


class StepContext:
    """What building a step needs: the problems, the scenario's folder, its cluster's faults and
    the invariant names the caller knows (None: any name)."""

    def __init__(
        self,
        problems: Problems,
        base: Path,
        faults: FaultContext,
        invariants: Sequence[str] | None = None,
    ) -> None:
        self.problems = problems
        self.base = base
        self.faults = faults
        self.invariants = invariants


def load_steps(
    node: yaml.Node, context: StepContext, where: str, index: int | None = None
) -> list[Step]:
    """The steps of a list node; `index` is the top-level step a nested list belongs to."""
    if not isinstance(node, yaml.SequenceNode):
        context.problems.add(node, where, "must be a list of steps")
        return []
    steps: list[Step] = []
    for position, step_node in enumerate(node.value):
        top = position if index is None else index
        step = _step(top, step_node, context, f"{where}[{position}]", nested=index is not None)
        if step is not None:
            steps.append(step)
    if index is None:
        context.problems.items.extend(unknown_loads(steps))
    return steps


def _step(
    index: int, node: yaml.Node, context: StepContext, where: str, *, nested: bool
) -> Step | None:
    problems = context.problems
    kinds = ", ".join(STEP_KINDS)
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, where, f"a step is a mapping with one key of: {kinds}")
        return None
    fields = mapping(node)
    found = [key for key in fields if key not in MODIFIERS]
    if len(found) != 1:
        if not found:
            problems.add(node, where, f"a step is a mapping with one key of: {kinds}")
        for key in found[1:]:
            problems.add(fields[key][0], where, f'one step per list item, "{key}" is a second')
        return None
    kind = found[0]
    key_node, value = fields[kind]
    build = _BUILDERS.get(kind)
    if build is None:
        problems.add(key_node, where, f'unknown step "{kind}" (expected one of {kinds})')
        return None
    base: dict[str, Any] = {"index": index, "line": node.start_mark.line + 1, "where": where}
    if not _modifiers(fields, kind, base, problems, where, nested=nested):
        return None
    return build(base, value, context, f"{where}.{kind}")


def _modifiers(
    fields: dict[str, tuple[yaml.Node, yaml.Node]],
    kind: str,
    base: dict[str, Any],
    problems: Problems,
    where: str,
    *,
    nested: bool,
) -> bool:
    ok = True
    if "at" in fields:
        key_node, value = fields["at"]
        if nested:
            problems.add(key_node, f"{where}.at", "only top-level steps can have a start time")
            ok = False
        else:
            base["at"] = duration_of(value, problems, f"{where}.at")
            ok = ok and base["at"] is not None
    if "expectFailure" in fields:
        key_node, value = fields["expectFailure"]
        if kind not in CAN_FAIL:
            message = "only kubectl steps can fail, or apply steps (refused or lost)"
            problems.add(key_node, f"{where}.expectFailure", message)
            return False
        expect_failure = boolean_of(value, problems, f"{where}.expectFailure")
        base["expect_failure"] = bool(expect_failure)
        ok = ok and expect_failure is not None
    if "expectOutput" in fields:
        key_node, value = fields["expectOutput"]
        if kind != "kubectl":
            problems.add(key_node, f"{where}.expectOutput", "only kubectl steps have an output")
            return False
        check = _output_check(value, problems, f"{where}.expectOutput")
        base["expect_output"] = check
        ok = ok and check is not None
    return ok


def _output_check(value: yaml.Node, problems: Problems, where: str) -> OutputCheck | None:
    """`{contains: TEXT}` or `{matches: REGEX}` (Python syntax, searched line by line)."""
    fields = fields_of(value, OUTPUT_KEYS, (), problems, where)
    if fields is None:
        return None
    if len(fields) != 1:
        problems.add(value, where, "give exactly one of: contains, matches")
        return None
    ((key, node),) = fields.items()
    text = text_of(node, problems, f"{where}.{key}")
    if text is None:
        return None
    if key == "contains":
        return OutputCheck(contains=text)
    try:
        re.compile(text)
    except re.error as error:
        problems.add(node, f"{where}.{key}", f"invalid regular expression: {error}")
        return None
    return OutputCheck(matches=text)


# -- the step kinds --------------------------------------------------------------------------


def _apply(base: dict[str, Any], value: yaml.Node, context: StepContext, where: str) -> Step | None:
    problems = context.problems
    if isinstance(value, yaml.ScalarNode):
        # Inline manifests: their lines are counted from the line after `apply: |`.
        offset = value.start_mark.line + (1 if value.style in ("|", ">") else 0)
        indent = _block_indent(value) if value.style in ("|", ">") else 0
        manifest_text, source = str(value.value), problems.source
    elif isinstance(value, yaml.MappingNode) and set(mapping(value)) == {"file"}:
        file_node = mapping(value)["file"][1]
        target = context.base / str(file_node.value)
        try:
            manifest_text = target.read_text(encoding="utf-8")
        except OSError:
            problems.add(file_node, f"{where}.file", f'manifest file "{file_node.value}" not found')
            return None
        offset, indent, source = 0, 0, str(target)
    else:
        problems.add(value, where, "must be inline YAML (a string) or {file: PATH}")
        return None
    try:
        objects = load_manifests(manifest_text, source)
    except ManifestError as error:
        for problem in error.problems:
            problems.items.append(
                f"{source}:{problem.line + offset}:{problem.column + indent}: "
                + (f"{problem.field}: " if problem.field else "")
                + problem.message
            )
        return None
    text = f"apply {len(objects)} object(s)"
    return ApplyStep(**base, text=text, objects=tuple(objects), source=source)


def _block_indent(value: yaml.ScalarNode) -> int:
    """Columns a block scalar's content is indented by in the file (its lines are dedented)."""
    lines = str(value.start_mark.buffer or "").split("\n")
    for line in lines[value.start_mark.line + 1 :]:
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return 0


def _sleep(base: dict[str, Any], value: yaml.Node, context: StepContext, where: str) -> Step | None:
    seconds = duration_of(value, context.problems, where)
    if seconds is None:
        return None
    return SleepStep(**base, text=f"sleep {value.value}", seconds=seconds)


def _delete(
    base: dict[str, Any], value: yaml.Node, context: StepContext, where: str
) -> Step | None:
    problems = context.problems
    fields = fields_of(value, ("resource", "namespace", "cascade"), ("resource",), problems, where)
    if fields is None:
        return None
    resource = _named_resource(fields["resource"], problems, f"{where}.resource")
    cascade = str(fields["cascade"].value) if "cascade" in fields else "background"
    if cascade not in ("background", "foreground", "orphan"):
        problems.add(
            fields["cascade"],
            f"{where}.cascade",
            f'must be background, foreground or orphan, got "{cascade}"',
        )
        return None
    if resource is None:
        return None
    namespace = str(fields["namespace"].value) if "namespace" in fields else "default"
    return DeleteStep(
        **base,
        text=f"delete {resource[0]}/{resource[1]}",
        kind=resource[0],
        name=resource[1],
        namespace=namespace,
        propagation=cascade.capitalize(),
    )


def _named_resource(node: yaml.Node, problems: Problems, where: str) -> tuple[str, str] | None:
    text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
    kind, _, name = text.partition("/")
    if not kind or not name:
        problems.add(node, where, f'must be KIND/NAME such as deployment/web, got "{text}"')
        return None
    try:
        info = REGISTRY.for_name(kind)
    except UnknownKindError as error:
        problems.add(node, where, str(error))
        return None
    return info.resource, name


def _kubectl(
    base: dict[str, Any], value: yaml.Node, context: StepContext, where: str
) -> Step | None:
    command = text_of(value, context.problems, where)
    if command is None:
        return None
    if not command.strip():
        context.problems.add(value, where, "must be a kubectl command line")
        return None
    parse = kubectl_parser()
    if parse is not None:
        try:
            parse(command)
        except kubectl_usage_error() as error:
            context.problems.add(value, where, str(error).splitlines()[0])
            return None
    return KubectlStep(**base, text=f"kubectl {command}", command=command)


def _expect(
    base: dict[str, Any], value: yaml.Node, context: StepContext, where: str
) -> Step | None:
    problems = context.problems
    if isinstance(value, yaml.MappingNode) and "traffic" in mapping(value):
        return traffic_expect_step(base, value, problems, where)
    if isinstance(value, yaml.MappingNode) and "invariant" in mapping(value):
        return invariant_expect_step(base, value, problems, context.invariants, where)
    fields = fields_of(value, EXPECT_KEYS, ("resource",), problems, where)
    if fields is None:
        return None
    found = expect_mode(value, fields, problems, where)
    if found is None:
        return None
    mode, window = found
    if window is None:
        return None
    namespace = str(fields["namespace"].value) if "namespace" in fields else "default"
    resource_text = str(getattr(fields["resource"], "value", ""))
    try:
        selection = parse_selection(resource_text, namespace)
    except SelectionError as error:
        problems.add(fields["resource"], f"{where}.resource", str(error))
        selection = None
    condition_text = str(getattr(fields[mode], "value", ""))
    try:
        condition = parse_condition(condition_text)
    except SelectionError as error:
        problems.add(fields[mode], f"{where}.{mode}", str(error))
        return None
    if selection is None:
        return None
    text = f"expect {selection.text} {mode} {condition.text}"
    if selection.name:
        text = f"expect {selection.resource}/{selection.name} {condition.text}"
        if mode != "for":
            text = f"expect {selection.resource}/{selection.name} {mode} {condition.text}"
    return ExpectStep(
        **base, text=text, selection=selection, mode=mode, condition=condition, window=window
    )


def _fault(base: dict[str, Any], value: yaml.Node, context: StepContext, where: str) -> Step | None:
    return load_fault(base, value, context.faults, where)


def _load(base: dict[str, Any], value: yaml.Node, context: StepContext, where: str) -> Step | None:
    return load_step(base, value, context.problems, where)


def _repeat(
    base: dict[str, Any], value: yaml.Node, context: StepContext, where: str
) -> Step | None:
    fields = fields_of(value, ("times", "steps"), ("times", "steps"), context.problems, where)
    if fields is None:
        return None
    times = integer_of(fields["times"], context.problems, f"{where}.times", minimum=1)
    steps = load_steps(fields["steps"], context, f"{where}.steps", index=base["index"])
    if times is None or len(steps) != len(getattr(fields["steps"], "value", ())):
        return None
    return RepeatStep(**base, text=f"repeat {times} times", times=times, steps=tuple(steps))


_BUILDERS: dict[str, Callable[[dict[str, Any], yaml.Node, StepContext, str], Step | None]] = {
    "apply": _apply,
    "sleep": _sleep,
    "delete": _delete,
    "kubectl": _kubectl,
    "expect": _expect,
    "fault": _fault,
    "repeat": _repeat,
    "load": _load,
}
