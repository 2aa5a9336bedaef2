"""The test kit's watch faults: drawn by `faults()`, written as scenario steps, played alike.

WatchDelayFault, WatchDropFault and StaleReadsFault each write the `fault:` step that the
scenario loader reads back into the very step `inject_fault` plays, so that a replay injects what
the machine injected; generated node names are mapped onto the cluster's own nodes.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from hypothesis import find

from k8s_actors.scenario.loader import load_scenario
from k8s_actors.scenario.model import FaultStep
from k8s_actors.testing import operations
from k8s_actors.testing.operations import (
    Fault,
    StaleReadsFault,
    WatchDelayFault,
    WatchDropFault,
    fault_seconds,
    inject_fault,
    retarget,
)
from k8s_actors.testing.reproduce import scenario_from_steps
from k8s_actors.testing.strategies import faults
from k8s_actors.testing.topology import Topology

TOPOLOGY = Topology()
WATCH_FAULTS: list[Fault] = [
    WatchDelayFault(component="kube-controller-manager", add=2.0, seconds=30.0),
    WatchDropFault(component="node-2"),
    StaleReadsFault(lag=0.5, seconds=5.0),
]


def _played(fault: Fault, monkeypatch: pytest.MonkeyPatch) -> FaultStep:
    """The step `inject_fault` hands to the scenario layer for `fault`."""
    seen: list[FaultStep] = []

    async def record(cluster: Any, step: FaultStep, spawn: Any) -> None:
        seen.append(step)

    monkeypatch.setattr(operations, "inject", record)
    asyncio.run(inject_fault(None, fault, lambda work: None))  # type: ignore[arg-type]
    return seen[0]


@pytest.mark.parametrize("fault", WATCH_FAULTS, ids=lambda fault: type(fault).__name__)
def test_a_watch_fault_replays_as_the_step_the_machine_injected(
    fault: Fault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The written `fault:` step loads into the kind, settings and duration played."""
    played = _played(fault, monkeypatch)
    path = scenario_from_steps([fault], TOPOLOGY, 0, tmp_path / "case.yaml")
    (loaded,) = load_scenario(path).steps
    assert isinstance(loaded, FaultStep)
    assert (loaded.kind, loaded.args, loaded.duration) == (
        played.kind,
        played.args,
        played.duration,
    )
    assert loaded.duration == fault_seconds(fault)


def test_watch_faults_on_generated_nodes_are_mapped_onto_the_cluster() -> None:
    """A watcher drawn as node-3 on a two-node cluster becomes node-1; components stay."""
    nodes = ("node-1", "node-2")
    delay = WatchDelayFault(component="node-3", add=1.0, seconds=1.0)
    assert retarget(delay, nodes) == WatchDelayFault(component="node-1", add=1.0, seconds=1.0)
    drop = WatchDropFault(component="kube-scheduler")
    assert retarget(drop, nodes) == drop


@pytest.mark.parametrize("kind", [WatchDelayFault, WatchDropFault, StaleReadsFault])
def test_the_fault_strategy_draws_each_watch_fault(kind: type) -> None:
    """`faults()` can draw every watch fault (among the others)."""
    drawn = find(faults(("node-1", "node-2")), lambda fault: isinstance(fault, kind))
    assert isinstance(drawn, kind)
