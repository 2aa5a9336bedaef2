"""ClusterMachine plays generated operations and faults with its invariants holding."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, settings

from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing import (
    ClusterMachine,
    Cordon,
    NetworkPartition,
    PropertyFailed,
    Scale,
    invariants,
)
from k8s_actors.testing.driver import ClusterDriver
from k8s_actors.testing.operations import retarget


class SmallMachine(ClusterMachine):
    settle_seconds: ClassVar[float] = 300.0


SmallMachine.TestCase.settings = settings(
    max_examples=2,
    derandomize=True,  # the same examples on every run: a tier-1 test must not be flaky
    stateful_step_count=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestSmallMachine = SmallMachine.TestCase


class AlwaysBroken(ClusterMachine):
    """A subclass whose liveness check always fails, to see the failure path."""

    def liveness_violations(self, cluster: Cluster) -> list[str]:
        return ["broken: on purpose"]


def test_a_failed_property_writes_a_scenario_and_names_it(tmp_path: Path) -> None:
    AlwaysBroken.scenario_dir = tmp_path
    AlwaysBroken.settle_seconds = 1.0
    machine = AlwaysBroken()
    machine.apply_operation(Scale(name="web", replicas=1))
    with pytest.raises(PropertyFailed, match=r"reproduce: k8s-actors run .*alwaysbroken-0\.yaml"):
        machine.teardown()
    written = (tmp_path / "alwaysbroken-0.yaml").read_text()
    assert "failed: broken: on purpose" in written
    assert "scale deployment web --replicas=1" in written


def test_the_fixture_cluster_runs_a_deployment_to_stability(
    simulated_cluster: ClusterDriver,
) -> None:
    async def deploy(cluster: Cluster) -> list[str]:
        await cluster.kubectl("create deployment web --image=nginx:1.24 --replicas=2")
        await cluster.advance(20)
        return invariants.eventually_stable(cluster)

    assert simulated_cluster.call(deploy) == []


def test_generated_node_names_are_mapped_onto_the_topology() -> None:
    nodes = ("node-1", "node-2")
    assert retarget(Cordon(node="node-3"), nodes) == Cordon(node="node-1")
    partition = NetworkPartition(between=("node-4", "control-plane"), seconds=1.0)
    assert retarget(partition, nodes) == NetworkPartition(
        between=("node-2", "control-plane"), seconds=1.0
    )
