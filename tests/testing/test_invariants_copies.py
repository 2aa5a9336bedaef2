"""A pod runs only on the node it is bound to, and nowhere once its deletion completed."""

from __future__ import annotations

from typing import Any

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.objects.machinery import DeleteOptions
from k8s_actors.components.kubelet import NodeRuntime
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.store import Store
from k8s_actors.testing import invariants
from k8s_actors.testing.fixtures import open_cluster


def _pod(name: str, uid: str, node: str) -> Any:
    text = f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, uid: {uid}}}
spec: {{nodeName: "{node}", containers: [{{name: app, image: nginx:1.24}}]}}
"""
    return load_manifests(text)[0]


def _store(*pods: Any) -> Store:
    store = Store()
    for pod in pods:
        store.put(f"/registry/pods/default/{pod.metadata.name}", pod)
    return store


def _runtimes(**sandboxes: tuple[str, ...]) -> dict[str, NodeRuntime]:
    runtimes = {}
    for node, uids in sandboxes.items():
        runtime = NodeRuntime(node.replace("_", "-"))
        for uid in uids:
            runtime.run_pod_sandbox(uid, "default", f"pod-{uid}", 0.0)
        runtimes[runtime.node] = runtime
    return runtimes


def test_sandboxes_on_the_nodes_their_pods_are_bound_to_violate_nothing() -> None:
    store = _store(_pod("a", "p-1", "node-1"), _pod("b", "p-2", "node-2"))
    runtimes = _runtimes(node_1=("p-1",), node_2=("p-2",))
    assert invariants.runs_only_on_its_node(store, runtimes) == []
    assert invariants.no_copy_after_deletion(store, runtimes) == []
    assert invariants.at_most_one_running_copy(runtimes) == []


def test_a_sandbox_on_a_node_the_pod_is_not_bound_to_is_reported() -> None:
    store = _store(_pod("a", "p-1", "node-1"), _pod("b", "p-2", ""))
    runtimes = _runtimes(node_1=("p-1",), node_2=("p-1", "p-2"))
    assert invariants.runs_only_on_its_node(store, runtimes) == [
        "runs_only_on_its_node: Pod default/a (p-1) runs on node-2, bound to node-1",
        "runs_only_on_its_node: Pod default/b (p-2) runs on node-2, bound to no node",
    ]
    assert invariants.at_most_one_running_copy(runtimes) == [
        "at_most_one_running_copy: pod p-1 runs on node-1 and node-2"
    ]


def test_a_sandbox_left_after_the_pod_is_gone_is_reported_where_a_kubelet_runs() -> None:
    store = _store(_pod("a", "p-1", "node-1"))
    runtimes = _runtimes(node_1=("p-1", "p-9"), node_2=("p-8",))
    assert invariants.no_copy_after_deletion(store, runtimes, lambda node: node == "node-1") == [
        "no_copy_after_deletion: pod default/pod-p-9 (p-9) still has a sandbox on node-1 "
        "after its deletion completed"
    ]


def test_a_kubelet_back_from_downtime_removes_the_pod_force_deleted_meanwhile() -> None:
    """The pod's object is removed at once (grace 0) while its node is down; the node's
    kubelet, once back, stops what the API no longer lists."""

    async def scenario(cluster: Cluster) -> list[list[str]]:
        await cluster.kubectl("create deployment web --image=nginx:1.24 --replicas=1")
        await cluster.advance(10)
        (pod,) = await cluster.list("pods", "default")
        node = pod.spec.node_name
        await cluster.stop_node(node)
        force = DeleteOptions(grace_period_seconds=0)
        await cluster.delete("pods", "default", pod.metadata.name, force)
        down = invariants.no_copy_after_deletion(cluster)  # its kubelet cannot act yet
        everywhere = invariants.no_copy_after_deletion(cluster, kubelet_running=lambda n: True)
        await cluster.start_node(node)
        await cluster.advance(30)
        after = invariants.no_copy_after_deletion(cluster)
        return [down, everywhere, after, invariants.runs_only_on_its_node(cluster)]

    with open_cluster() as driver:
        down, everywhere, after, placement = driver.call(scenario)
    assert down == [] and len(everywhere) == 1
    assert "still has a sandbox" in everywhere[0]
    assert after == [] and placement == []
