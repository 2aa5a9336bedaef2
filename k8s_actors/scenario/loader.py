"""Loading and checking scenario files: every problem reported as FILE:LINE:COL: field: message.

Role: turn a scenario YAML file into a `Scenario`, or a `ScenarioError` listing all that is wrong
(unknown keys, bad durations, unknown kubectl verbs or flags, missing files, malformed manifests,
unknown kinds, bad cluster settings, unknown invariant names when the caller gives the known ones)
before anything runs. The YAML is composed into nodes so that
each problem points at its line and column. Neighbours: `model` (the result), `cluster_loader`
(the `cluster:` section), `step_loader` (the `steps:`), `invariant_loader` (`invariants:`),
`yamlnodes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from k8s_actors.scenario.cluster_loader import load_cluster
from k8s_actors.scenario.fault_loader import FaultContext
from k8s_actors.scenario.invariant_loader import load_invariant_list
from k8s_actors.scenario.model import Scenario, Step
from k8s_actors.scenario.step_loader import STEP_KINDS, StepContext, load_steps
from k8s_actors.scenario.yamlnodes import Problems, mapping

TOP_KEYS = ("name", "description", "seed", "cluster", "invariants", "steps")

__all__ = ["STEP_KINDS", "TOP_KEYS", "ScenarioError", "load_scenario", "scenario_summary"]


class ScenarioError(ValueError):
    """Everything wrong with a scenario; str() is one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_scenario(path: str | Path, *, invariants: Sequence[str] | None = None) -> Scenario:
    """Read and check a scenario file; raises ScenarioError with every problem found.

    `invariants`: the invariant names the caller can check (None: accept any name).
    """
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
    if not isinstance(root, yaml.MappingNode):
        raise ScenarioError([f"{source}:1:1: scenario must be a mapping with name and steps"])
    problems = Problems(source)
    scenario = _scenario(root, file, problems, invariants)
    if problems.items:
        raise ScenarioError(problems.items)
    return scenario


def _scenario(
    root: yaml.MappingNode, file: Path, problems: Problems, known: Sequence[str] | None
) -> Scenario:
    fields = mapping(root)
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
    cluster = load_cluster(fields["cluster"][1] if "cluster" in fields else None, problems)
    refs = (
        load_invariant_list(fields["invariants"][1], problems, known)
        if "invariants" in fields
        else ()
    )
    steps: list[Step] = []
    if "steps" not in fields:
        problems.add(root, "steps", "required field is missing")
    else:
        context = StepContext(problems, file.parent, FaultContext(problems, cluster), known)
        steps = load_steps(fields["steps"][1], context, "steps")
    return Scenario(
        name=name,
        description=description,
        seed=seed,
        path=problems.source,
        steps=tuple(steps),
        cluster=cluster,
        invariants=refs,
    )


def _scalar(
    fields: dict[str, tuple[yaml.Node, yaml.Node]],
    key: str,
    problems: Problems,
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


def scenario_summary(scenario: Scenario) -> dict[str, Any]:
    return {"name": scenario.name, "seed": scenario.seed, "steps": len(scenario.steps)}
