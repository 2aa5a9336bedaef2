"""Tests for `k8s_actors.kernel.mutants` and how a scenario switches mutants on.

A scenario's `cluster: mutants:` is validated against the known names, reaches the components'
settings and the kubelet's NodeConfig, and is announced in the trace; none is on by default.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from k8s_actors.kernel import run
from k8s_actors.kernel.mutants import MUTANTS, unknown_mutants
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.loader import ScenarioError, load_scenario
from k8s_actors.scenario.spec import ClusterSpec
from k8s_actors.testing.topology import Topology, cluster_spec

NAMES = (
    "maxSurgeRoundedDown",
    "replicaSetWithoutExpectations",
    "gcIgnoresBlockOwnerDeletion",
    "kubeletKeepsPodsOfDeletedNode",
    "endpointsIncludeNotReady",
    "schedulerIgnoresTaints",
)


def _scenario(tmp_path: Path, mutants: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(
        f"name: s\ncluster:\n  nodes: [{{count: 1}}]\n  mutants: {mutants}\nsteps: []\n"
    )
    return path


def test_every_mutant_is_named_and_described_with_its_kubernetes_source() -> None:
    """The six mutants exist, each described with the Kubernetes file it departs from."""
    assert tuple(MUTANTS) == NAMES
    assert all(".go" in description for description in MUTANTS.values())
    assert unknown_mutants(["maxSurgeRoundedDown", "nope"]) == ["nope"]


def test_a_scenario_lists_mutants_in_its_cluster_section(tmp_path: Path) -> None:
    """`cluster: mutants:` gives ClusterSpec.mutants, in order, each once."""
    path = _scenario(tmp_path, "[schedulerIgnoresTaints, maxSurgeRoundedDown, maxSurgeRoundedDown]")
    spec = load_scenario(path).cluster
    assert spec.mutants == ("schedulerIgnoresTaints", "maxSurgeRoundedDown")
    assert ClusterSpec().mutants == ()


def test_an_unknown_mutant_is_a_positioned_problem_listing_the_known_names(tmp_path: Path) -> None:
    """An unknown name is reported at FILE:LINE:COL with every known name."""
    path = _scenario(tmp_path, "[maxSurgeRoundUp]")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert f"{path}:4:13: cluster.mutants[0]: unknown mutant" in message
    assert all(name in message for name in NAMES)


def test_topology_mutants_reach_the_cluster_section() -> None:
    """A state machine's topology carries its mutants into the scenarios it writes."""
    topology = Topology(mutants=("endpointsIncludeNotReady",))
    assert topology.cluster_section()["mutants"] == ["endpointsIncludeNotReady"]
    assert "mutants" not in Topology().cluster_section()
    assert cluster_spec(topology.cluster_section()).mutants == ("endpointsIncludeNotReady",)


def test_a_run_with_mutants_hands_them_to_components_and_says_so() -> None:
    """Controller manager and scheduler settings and the kubelet's NodeConfig hold the mutants;
    the trace's first user record names them."""
    spec = cluster_spec(Topology(mutants=("schedulerIgnoresTaints",)).cluster_section())
    lines: list[bytes] = []

    async def main() -> dict[str, Any]:
        async with Cluster(seed=1, spec=spec, trace=lines) as cluster:
            actors = {
                name: cluster.supervisor.actor(name)
                for name in ("kube-controller-manager", "kube-scheduler", "kubelet/node-1")
            }
            return {
                "manager": actors["kube-controller-manager"].settings["mutants"],  # type: ignore[union-attr]
                "scheduler": actors["kube-scheduler"].settings["mutants"],  # type: ignore[union-attr]
                "kubelet": actors["kubelet/node-1"].config.mutants,  # type: ignore[union-attr]
            }

    seen = run(main)
    assert seen == {key: ("schedulerIgnoresTaints",) for key in ("manager", "scheduler", "kubelet")}
    records = [json.loads(line) for line in lines]
    announced = [r for r in records if r["event"] == "mutants_enabled"]
    assert [r["mutants"] for r in announced] == [["schedulerIgnoresTaints"]]
