"""Deleting a Node and force-deleting a pod in the test kit: the operations, how the strategies
draw them, and a machine that deletes a Node still converging at teardown.

The machine's teardown restarts the kubelet of a Node deleted and not registered again since
(Kubernetes' kubelet registers its Node only when it starts); a crash of a component that is
still down is refused, not an error.
"""

from __future__ import annotations

from typing import Any, ClassVar

from hypothesis import HealthCheck, find, settings

from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing.invariants.common import objects
from k8s_actors.testing.invariants.placement import scheduling_safety
from k8s_actors.testing.machine import NODES, ClusterMachine
from k8s_actors.testing.operations import (
    Apply,
    ComponentCrash,
    DeleteNode,
    ForceDeletePod,
    KubeletCrash,
    Operation,
    chosen_pod,
    kubectl_command,
    retarget,
)
from k8s_actors.testing.reproduce import played_step
from k8s_actors.testing.strategies import operations
from tests.testing.test_invariants import healthy_store

FIND = settings(
    database=None, derandomize=True, max_examples=2000, suppress_health_check=[HealthCheck.too_slow]
)


def deployment(replicas: int) -> dict[str, Any]:
    container = {"name": "app", "image": "nginx:1.24"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [container]},
            },
        },
    }


class NodesBack(ClusterMachine):
    """Besides the usual liveness invariants, every node of the topology has its Node."""

    settle_seconds: ClassVar[float] = 300.0

    def liveness_violations(self, cluster: Cluster) -> list[str]:
        names = {node.metadata.name for node in objects(cluster, "Node")}
        missing = [f"node {n} has no Node" for n in self.topology.node_names() if n not in names]
        return [*super().liveness_violations(cluster), *missing]


def test_each_deletion_is_a_kubectl_command() -> None:
    assert kubectl_command(DeleteNode(node="node-2")) == "delete node node-2"
    chosen = ForceDeletePod(name="web", pod="web-5d8f-x2x9z")
    assert kubectl_command(chosen) == "delete pod web-5d8f-x2x9z --force --grace-period=0"
    # No pod of the application when played: the replay's selector finds none either.
    none = ForceDeletePod(name="web")
    assert kubectl_command(none) == "delete pods -l app=web --force --grace-period=0"
    assert played_step(DeleteNode(node="node-2"), refused=True) == {
        "kubectl": "delete node node-2",
        "expectFailure": True,
    }


def test_a_deleted_node_is_mapped_onto_the_topology() -> None:
    assert retarget(DeleteNode(node="node-3"), ("node-1", "node-2")) == DeleteNode(node="node-1")


def test_the_operations_strategy_draws_both_deletions() -> None:
    def drawn(kind: type) -> Operation:
        found: Operation = find(operations(NODES), lambda op: isinstance(op, kind), settings=FIND)
        return found

    assert drawn(DeleteNode).node in NODES  # type: ignore[union-attr]
    assert drawn(ForceDeletePod).pod == ""  # type: ignore[union-attr]


def test_the_pod_force_deleted_is_the_first_by_name_and_is_recorded() -> None:
    machine = NodesBack()
    try:
        machine.start_workload(deployment(3))
        machine.advance(10.0)

        async def names(cluster: Cluster) -> list[str]:
            return sorted(p.metadata.name for p in await cluster.list("pods", "default"))

        before = machine.driver.call(names)
        other = machine.driver.call(lambda c: _now(chosen_pod(c, ForceDeletePod(name="api"))))
        assert other == ForceDeletePod(name="api")  # no pod of that application
        machine.apply_operation(ForceDeletePod(name="web"))
        assert machine.played[-1] == ForceDeletePod(name="web", pod=before[0])
        assert before[0] not in machine.driver.call(names)
    finally:
        machine.driver.close()


async def _now(value: Any) -> Any:
    return value


def test_a_deleted_node_registers_again_when_teardown_restarts_its_kubelet() -> None:
    """node-1's Node is deleted while its kubelet runs: the kubelet keeps running without a
    Node; teardown restarts it, it registers its Node, and the liveness invariants hold."""
    machine = NodesBack()
    machine.start_workload(deployment(2))
    machine.advance(10.0)
    machine.apply_operation(DeleteNode(node="node-1"))
    machine.apply_operation(DeleteNode(node="node-1"))  # gone already: refused
    machine.advance(60.0)
    machine.teardown()
    assert 3 in machine.refused  # the second deletion (0: apply, 1: advance, 2: delete)
    assert KubeletCrash(node="node-1", seconds=1.0) in machine.played


def test_a_second_crash_of_a_component_still_down_is_refused() -> None:
    machine = NodesBack()
    machine.start_workload(deployment(1))
    machine.inject(ComponentCrash(component="kube-scheduler", seconds=30.0))
    machine.inject(ComponentCrash(component="kube-scheduler", seconds=30.0))
    machine.teardown()
    crashes = [step for step in machine.played if isinstance(step, ComponentCrash)]
    assert len(crashes) == 1
    assert isinstance(machine.played[0], Apply)


def test_pods_of_a_node_deleted_after_their_binding_are_no_scheduling_violation() -> None:
    """They stay bound to it until the pod garbage collector removes them, and a scheduler that
    has not seen the deletion yet may still bind to it; a binding to a node etcd never held is
    still one."""
    store = healthy_store()
    bound: dict[str, str] = {}
    assert scheduling_safety(store, bound) == []
    store.delete("/registry/Node//node-1")
    assert scheduling_safety(store, bound) == []
    assert scheduling_safety(store, {}) == []  # first seen after the deletion: a race
    store.compact(store.revision)  # history gone: node-1 is unknown now
    assert scheduling_safety(store, {}) == [
        "scheduling_safety: Pod default/web-h-a bound to unknown node node-1",
        "scheduling_safety: Pod default/web-h-b bound to unknown node node-1",
    ]
