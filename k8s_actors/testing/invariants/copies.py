"""Where a pod may run: only on the node it is bound to, and not once its deletion completed.

Role: the rest of "at most one running copy of a pod" (`placement.at_most_one_running_copy`
forbids two nodes at once). `runs_only_on_its_node` (safety): a sandbox on node X belongs to a
pod that etcd holds bound to X, or to a pod etcd no longer holds. `no_copy_after_deletion`
(liveness): once the cluster settled, no running kubelet's node keeps a sandbox of a pod etcd no
longer holds. The second cannot be a safety property: a pod is removed from etcd before its
kubelet can react when it is force-deleted (grace 0, or by the pod garbage collector for a node
that is gone), and a kubelet that is down or cut off from the API server learns of it only when
it is back (pkg/kubelet/kubelet_pods.go HandlePodCleanups kills what the API no longer lists).
Neighbours: `common`, `placement`, `k8s_actors.components.kubelet` (NodeRuntime).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from k8s_actors.components.kubelet import NodeRuntime, kubelet_address
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing.invariants.common import Source, describe, objects

Runtimes = Mapping[str, NodeRuntime]


def runs_only_on_its_node(source: Source, runtimes: Runtimes | None = None) -> list[str]:
    """No sandbox on a node for a pod that etcd holds bound to another node (or to none).

    `runtimes` (node name -> runtime) defaults to the cluster's."""
    pods = {pod.metadata.uid: pod for pod in objects(source, "Pod")}
    violations = []
    for node, runtime in sorted(_runtimes(source, runtimes).items()):
        for uid in runtime.pod_uids():
            pod = pods.get(uid)
            if pod is not None and pod.spec.node_name != node:
                bound = pod.spec.node_name or "no node"
                violations.append(
                    f"runs_only_on_its_node: {describe(pod)} ({uid}) runs on {node}, "
                    f"bound to {bound}"
                )
    return violations


def no_copy_after_deletion(
    source: Source,
    runtimes: Runtimes | None = None,
    kubelet_running: Callable[[str], bool] | None = None,
) -> list[str]:
    """No node whose kubelet runs keeps a sandbox of a pod that etcd no longer holds.

    Checked once settled. `kubelet_running(node)` defaults to asking the cluster's supervisor;
    a node whose kubelet is down cannot clean up, so its sandboxes are not judged."""
    running = kubelet_running or _kubelet_running_in(source)
    uids = {pod.metadata.uid for pod in objects(source, "Pod")}
    violations = []
    for node, runtime in sorted(_runtimes(source, runtimes).items()):
        if not running(node):
            continue
        for uid in runtime.pod_uids():
            if uid not in uids:
                sandbox = runtime.sandbox_of(uid)
                name = f"{sandbox.namespace}/{sandbox.name}" if sandbox else "?"
                violations.append(
                    f"no_copy_after_deletion: pod {name} ({uid}) still has a sandbox on "
                    f"{node} after its deletion completed"
                )
    return violations


def _runtimes(source: Source, runtimes: Runtimes | None) -> Runtimes:
    if runtimes is not None:
        return runtimes
    if isinstance(source, Cluster):
        return source.node_runtimes
    raise ValueError("runtimes are needed when the source is a bare Store")


def _kubelet_running_in(source: Source) -> Callable[[str], bool]:
    if not isinstance(source, Cluster):
        return lambda node: True
    supervisor = source.supervisor
    return lambda node: supervisor.actor(kubelet_address(node)) is not None
