"""Loading and checking scenario files: every problem reported as FILE:LINE:COL: field: message.

Role: turn a scenario YAML file into a `Scenario`, or a `ScenarioError` listing all that is wrong
(unknown keys, bad durations, missing files, malformed manifests, unknown kinds) before anything
runs. The YAML is composed into nodes so that each problem points at its line and column.
Neighbours: `model` (the result), `durations`, `jsonpath`, `k8s_actors.api.manifest`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from k8s_actors.api.manifest import ManifestError, load_manifests
from k8s_actors.api.registry import REGISTRY, UnknownKindError
from k8s_actors.scenario.durations import DurationError, parse_duration
from k8s_actors.scenario.jsonpath import JsonPathError, compile_path
from k8s_actors.scenario.model import (
    ApplyStep,
    DeleteStep,
    ExpectStep,
    Scenario,
    SleepStep,
    Step,
)

TOP_KEYS = ("name", "description", "seed", "steps")
STEP_KINDS = ("apply", "sleep", "delete", "expect")
_EXPECT = re.compile(r"^jsonpath=(?P<path>\{[^}]*\}|[^=!<>]+)(?P<op>==|=|!=)(?P<value>.*)$")


class ScenarioError(ValueError):
    """Everything wrong with a scenario; str() is one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Problems:
    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, node: yaml.Node, field: str, message: str) -> None:
        mark = node.start_mark
        self.items.append(f"{self.source}:{mark.line + 1}:{mark.column + 1}: {field}: {message}")


def _mapping(node: yaml.Node) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    assert isinstance(node, yaml.MappingNode)
    return {str(key.value): (key, value) for key, value in node.value}


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file; raises ScenarioError with every problem found."""
    file = Path(path)
    source = str(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError([f"{source}: cannot read scenario: {error.strerror}"]) from None
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise ScenarioError([f"{where}: yaml: {getattr(error, 'problem', error)}"]) from None
    problems = _Problems(source)
    if not isinstance(root, yaml.MappingNode):
        raise ScenarioError([f"{source}:1:1: scenario must be a mapping with name and steps"])
    fields = _mapping(root)
    for key, (key_node, _) in fields.items():
        if key not in TOP_KEYS:
            problems.add(key_node, key, f"unknown field (expected one of {', '.join(TOP_KEYS)})")
    name = _scalar(fields, "name", problems, root, required=True)
    if "name" in fields and not name.strip():
        problems.add(fields["name"][1], "name", "must not be empty")
    description = _scalar(fields, "description", problems, root)
    seed_text = _scalar(fields, "seed", problems, root) or "0"
    seed = 0
    try:
        seed = int(seed_text)
    except ValueError:
        problems.add(fields["seed"][1], "seed", f'must be an integer, got "{seed_text}"')
    steps: list[Step] = []
    if "steps" not in fields:
        problems.add(root, "steps", "required field is missing")
    else:
        steps_node = fields["steps"][1]
        if not isinstance(steps_node, yaml.SequenceNode):
            problems.add(steps_node, "steps", "must be a list of steps")
        else:
            for index, step_node in enumerate(steps_node.value):
                step = _step(index, step_node, file.parent, problems)
                if step is not None:
                    steps.append(step)
    if problems.items:
        raise ScenarioError(problems.items)
    return Scenario(name=name, description=description, seed=seed, path=source, steps=tuple(steps))


def _scalar(
    fields: dict[str, tuple[yaml.Node, yaml.Node]],
    key: str,
    problems: _Problems,
    parent: yaml.Node,
    *,
    required: bool = False,
) -> str:
    if key not in fields:
        if required:
            problems.add(parent, key, "required field is missing")
        return ""
    node = fields[key][1]
    if not isinstance(node, yaml.ScalarNode):
        problems.add(node, key, "must be a single value")
        return ""
    return str(node.value)


def _step(index: int, node: yaml.Node, base: Path, problems: _Problems) -> Step | None:
    where = f"steps[{index}]"
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        problems.add(node, where, f"a step is a mapping with one key of: {', '.join(STEP_KINDS)}")
        return None
    key_node, value = node.value[0]
    kind = str(key_node.value)
    line = node.start_mark.line + 1
    text = f"{kind}"
    builders: dict[str, Callable[..., Step | None]] = {
        "apply": _apply,
        "sleep": _sleep,
        "delete": _delete,
        "expect": _expect,
    }
    build = builders.get(kind)
    if build is None:
        problems.add(
            key_node, where, f'unknown step "{kind}" (expected one of {", ".join(STEP_KINDS)})'
        )
        return None
    return build(index, line, text, value, base, problems, f"{where}.{kind}")


def _apply(
    index: int, line: int, text: str, value: yaml.Node, base: Path, problems: _Problems, where: str
) -> Step | None:
    if isinstance(value, yaml.ScalarNode):
        # Inline manifests: their lines are counted from the line after `apply: |`.
        offset = value.start_mark.line + (1 if value.style in ("|", ">") else 0)
        indent = _block_indent(value) if value.style in ("|", ">") else 0
        manifest_text = str(value.value)
        source = problems.source
    elif isinstance(value, yaml.MappingNode) and set(_mapping(value)) == {"file"}:
        file_node = _mapping(value)["file"][1]
        target = base / str(file_node.value)
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
    return ApplyStep(
        index=index,
        line=line,
        text=f"apply {len(objects)} object(s)",
        objects=tuple(objects),
        source=source,
    )


def _block_indent(value: yaml.ScalarNode) -> int:
    """Columns a block scalar's content is indented by in the file (its lines are dedented)."""
    lines = str(value.start_mark.buffer or "").split("\n")
    for line in lines[value.start_mark.line + 1 :]:
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return 0


def _sleep(
    index: int, line: int, text: str, value: yaml.Node, base: Path, problems: _Problems, where: str
) -> Step | None:
    seconds = _duration(value, problems, where)
    if seconds is None:
        return None
    return SleepStep(index=index, line=line, text=f"sleep {value.value}", seconds=seconds)


def _duration(node: yaml.Node, problems: _Problems, where: str) -> float | None:
    if not isinstance(node, yaml.ScalarNode):
        problems.add(node, where, "must be a duration such as 10s, 2m or 1h30m")
        return None
    try:
        return parse_duration(str(node.value))
    except DurationError as error:
        problems.add(node, where, f"{error} (use e.g. 500ms, 10s, 2m, 1h30m)")
        return None


def _resource(node: yaml.Node, problems: _Problems, where: str) -> tuple[str, str] | None:
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


def _fields_of(
    value: yaml.Node,
    allowed: tuple[str, ...],
    required: tuple[str, ...],
    problems: _Problems,
    where: str,
) -> dict[str, yaml.Node] | None:
    if not isinstance(value, yaml.MappingNode):
        problems.add(value, where, f"must be a mapping with {', '.join(required)}")
        return None
    fields = _mapping(value)
    ok = True
    for key, (key_node, _) in fields.items():
        if key not in allowed:
            problems.add(
                key_node, f"{where}.{key}", f"unknown field (expected one of {', '.join(allowed)})"
            )
            ok = False
    for key in required:
        if key not in fields:
            problems.add(value, f"{where}.{key}", "required field is missing")
            ok = False
    return {key: node for key, (_, node) in fields.items()} if ok else None


def _delete(
    index: int, line: int, text: str, value: yaml.Node, base: Path, problems: _Problems, where: str
) -> Step | None:
    fields = _fields_of(value, ("resource", "namespace", "cascade"), ("resource",), problems, where)
    if fields is None:
        return None
    resource = _resource(fields["resource"], problems, f"{where}.resource")
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
        index=index,
        line=line,
        text=f"delete {resource[0]}/{resource[1]}",
        kind=resource[0],
        name=resource[1],
        namespace=namespace,
        propagation=cascade.capitalize(),
    )


def _expect(
    index: int, line: int, text: str, value: yaml.Node, base: Path, problems: _Problems, where: str
) -> Step | None:
    fields = _fields_of(
        value, ("resource", "namespace", "for", "within"), ("resource", "for"), problems, where
    )
    if fields is None:
        return None
    resource = _resource(fields["resource"], problems, f"{where}.resource")
    condition = str(fields["for"].value)
    match = _EXPECT.match(condition)
    if condition == "delete":
        match = _EXPECT.match("jsonpath={.metadata.name}=")
    if match is None:
        problems.add(
            fields["for"],
            f"{where}.for",
            f'must be "delete" or "jsonpath={{.path}}=value", got "{condition}"',
        )
        return None
    try:
        compile_path(match.group("path"))
    except JsonPathError as error:
        problems.add(fields["for"], f"{where}.for", str(error))
        return None
    within = 0.0
    if "within" in fields:
        parsed = _duration(fields["within"], problems, f"{where}.within")
        if parsed is None:
            return None
        within = parsed
    if resource is None:
        return None
    namespace = str(fields["namespace"].value) if "namespace" in fields else "default"
    operator = "!=" if match.group("op") == "!=" else "="
    if condition == "delete":
        operator = "deleted"
    return ExpectStep(
        index=index,
        line=line,
        text=f"expect {resource[0]}/{resource[1]} {condition}",
        kind=resource[0],
        name=resource[1],
        namespace=namespace,
        path=match.group("path"),
        operator=operator,
        expected=match.group("value"),
        within=within,
    )


def scenario_summary(scenario: Scenario) -> dict[str, Any]:
    return {"name": scenario.name, "seed": scenario.seed, "steps": len(scenario.steps)}
