"""Placement invariants: scheduling safety and at most one running copy of a pod.

Role: `scheduling_safety` (nodeName set once, to an existing node the pods fit) and
`at_most_one_running_copy` (no pod's sandbox on two nodes). Neighbours: `common`.
"""

from __future__ import annotations

from collections.abc import Mapping

from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.quantity import Quantity
from k8s_actors.components.kubelet import NodeRuntime
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing.invariants.common import Source, describe, objects


def scheduling_safety(source: Source, bound: dict[str, str] | None = None) -> list[str]:
    """A pod's nodeName names an existing node, the requests on a node fit its allocatable,
    and (given `bound`, uid -> node, updated by this call) a pod is never moved once bound."""
    nodes = {n.metadata.name: n for n in objects(source, "Node")}
    violations = []
    used: dict[str, dict[str, Quantity]] = {}
    for pod in objects(source, "Pod"):
        node = pod.spec.node_name
        if not node:
            continue
        if bound is not None:
            before = bound.setdefault(pod.metadata.uid, node)
            if before != node:
                violations.append(
                    f"scheduling_safety: {describe(pod)} moved from {before} to {node}"
                )
        if node not in nodes:
            violations.append(f"scheduling_safety: {describe(pod)} bound to unknown node {node}")
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
