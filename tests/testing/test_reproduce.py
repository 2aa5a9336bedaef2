"""A played sequence becomes a scenario that `validate` accepts and `run` replays."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from k8s_actors.cli import main
from k8s_actors.scenario.loader import load_scenario
from k8s_actors.scenario.runner import run_scenario
from k8s_actors.testing import (
    Apply,
    KubeletCrash,
    MessageLossFault,
    Scale,
    Topology,
    scenario_from_steps,
)
from k8s_actors.testing.reproduce import Played
from k8s_actors.testing.strategies import faults, operations

TOPOLOGY = Topology()
NODES = TOPOLOGY.node_names()


@settings(max_examples=15, deadline=None)
@given(
    items=st.lists(
        st.one_of(operations(NODES), faults(NODES), st.sampled_from((1.0, 0.5))), max_size=6
    )
)
def test_every_generated_sequence_writes_a_valid_scenario(items: list[Played]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = scenario_from_steps(items, TOPOLOGY, 3, Path(folder) / "case.yaml", violation="x")
        scenario = load_scenario(path)
    assert scenario.seed == 3
    assert len(scenario.steps) == max(1, len(items))


def test_a_small_case_round_trips_through_validate_and_run(tmp_path: Path) -> None:
    manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.24"}]},
            },
        },
    }
    steps: list[Played] = [
        Apply(manifest=manifest),
        5.0,
        KubeletCrash(node="node-1", seconds=1.0),
        MessageLossFault(rate=0.1, seconds=1.0),
        Scale(name="absent", replicas=1),
        30.0,
    ]
    path = scenario_from_steps(steps, TOPOLOGY, 4, tmp_path / "case.yaml", refused=[4])
    assert main(["validate", str(path)]) == 0
    result = run_scenario(load_scenario(path), trace_path=tmp_path / "trace.jsonl")
    assert result.passed, result.errors
    assert result.seed == 4
    assert result.objects.get("Deployment") == 1
