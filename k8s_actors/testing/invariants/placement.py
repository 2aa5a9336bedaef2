"""Placement invariants: scheduling safety and at most one running copy of a pod.

Role: `scheduling_safety` (nodeName set once, to an existing node the pods fit, whose taints the
pod tolerates) and `at_most_one_running_copy` (no pod's sandbox on two nodes).
Neighbours: `common`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.quantity import Quantity
from k8s_actors.components.kubelet import NodeRuntime
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing.invariants.common import Source, describe, objects, store_of


def scheduling_safety(source: Source, bound: dict[str, str] | None = None) -> list[str]:
    """A pod's nodeName names an existing node, the requests on a node fit its allocatable,
    the pod tolerates the node's NoSchedule / NoExecute taints (`untolerated_taint`), and (given
    `bound`, uid -> node, updated by this call) a pod is never moved once bound. With `bound`,
    taints and the node's existence are judged when a binding is first seen, else for every
    pod."""
    nodes = {n.metadata.name: n for n in objects(source, "Node")}
    violations = []
    used: dict[str, dict[str, Quantity]] = {}
    for pod in objects(source, "Pod"):
        node = pod.spec.node_name
        if not node:
            continue
        first_seen = bound is None or pod.metadata.uid not in bound
        if first_seen and node in nodes:
            taint = untolerated_taint(nodes[node], pod)
            if taint:
                violations.append(
                    f"scheduling_safety: {describe(pod)} bound to {node} despite taint {taint}"
                )
        if bound is not None:
            before = bound.setdefault(pod.metadata.uid, node)
            if before != node:
                violations.append(
                    f"scheduling_safety: {describe(pod)} moved from {before} to {node}"
                )
        if node not in nodes:
            # Pods stay bound to a Node deleted after they were bound until the pod garbage
            # collector removes them (pkg/controller/podgc gcOrphaned), and a scheduler whose
            # cache has not seen a deletion yet may still bind to that node (the binding
            # subresource does not check that the node exists, pkg/registry/core/pod/storage):
            # only a first-seen binding to a node etcd never held is judged.
            if first_seen and not _ever_stored(source, node):
                violations.append(
                    f"scheduling_safety: {describe(pod)} bound to unknown node {node}"
                )
        elif pod.status.phase not in ("Succeeded", "Failed"):
            _add_requests(used.setdefault(node, {}), pod)
    for node, requests in sorted(used.items()):
        allocatable = nodes[node].status.allocatable
        for resource, amount in sorted(requests.items()):
            limit = allocatable.get(resource)
            if limit is not None and amount > Quantity.parse(limit):
                violations.append(
                    f"scheduling_safety: node {node} holds {resource} {amount}, "
                    f"more than allocatable {limit}"
                )
    return violations


# Taints the control plane adds and removes as nodes come and go (not-ready, unreachable,
# unschedulable, ...): the scheduler may act on a view from before one was added, a race
# Kubernetes accepts (taint eviction enforces the NoExecute ones). A node's own taints only
# change by a user's hand, so a pod bound despite one was let through by the scheduler's filter.
SYSTEM_TAINT_PREFIXES = ("node.kubernetes.io/", "node.cloudprovider.kubernetes.io/")


def _ever_stored(source: Source, node: str) -> bool:
    """Whether etcd's retained history holds any write of the Node `node`."""
    store = store_of(source)
    for event in store.events_since(store.compact_revision):
        for kv in (event.kv, event.prev_kv):
            value: Any = getattr(kv, "value", None)
            if getattr(value, "kind", None) == "Node" and value.metadata.name == node:
                return True
    return False


def untolerated_taint(node: Any, pod: Pod) -> str:
    """The first NoSchedule / NoExecute taint of `node` (not a system one) that `pod` does not
    tolerate, as key=value:Effect; "" when there is none."""
    for taint in node.spec.taints:
        if taint.effect not in ("NoSchedule", "NoExecute"):
            continue
        if taint.key.startswith(SYSTEM_TAINT_PREFIXES):
            continue
        if not any(t.tolerates(taint) for t in pod.spec.tolerations):
            return f"{taint.key}={taint.value}:{taint.effect}"
    return ""


def _add_requests(total: dict[str, Quantity], pod: Pod) -> None:
    for container in pod.spec.containers:
        resources = container.resources
        for resource, amount in sorted((resources.requests if resources else {}).items()):
            quantity = Quantity.parse(amount)
            total[resource] = total[resource] + quantity if resource in total else quantity


def at_most_one_running_copy(cluster: Cluster | Mapping[str, NodeRuntime]) -> list[str]:
    """No pod (by uid) has a sandbox on two nodes' container runtimes at once (given the
    cluster, or its node runtimes by node name)."""
    runtimes = cluster.node_runtimes if isinstance(cluster, Cluster) else cluster
    seen: dict[str, str] = {}
    violations = []
    for node, runtime in sorted(runtimes.items()):
        for uid in runtime.pod_uids():
            if uid in seen:
                violations.append(
                    f"at_most_one_running_copy: pod {uid} runs on {seen[uid]} and {node}"
                )
            seen.setdefault(uid, node)
    return violations
