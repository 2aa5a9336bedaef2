"""NodeResourcesFit (LeastAllocated) and NodeResourcesBalancedAllocation.

Role: plugins/noderesources fit.go, least_allocated.go, balanced_allocation.go. Fit's filter
checks the pod count against allocatable pods, then cpu, memory, ephemeral-storage and scalar
resources against what the node's pods already request (reasons `Too many pods`,
`Insufficient <resource>`, all of them listed). LeastAllocated scores the free share of cpu and
memory after placing the pod, with the non-zero requests (100m / 200Mi for a container without
requests), weights 1:1. BalancedAllocation scores how evenly the pod leaves cpu and memory used,
with the actual requests: `(1 - std(fractions)) * 100`, skipping best-effort pods.
Neighbours: `podinfo`/`nodeinfo` (the aggregates), `framework`.
"""

from __future__ import annotations

import math

from k8s_actors.components.scheduler.framework import (
    MAX_NODE_SCORE,
    SKIP,
    Code,
    CycleState,
    Plugin,
    Status,
)
from k8s_actors.components.scheduler.nodeinfo import NodeInfo
from k8s_actors.components.scheduler.podinfo import PodInfo

__all__ = ["BalancedAllocation", "NodeResourcesFit", "insufficient_resources"]


def insufficient_resources(pod: PodInfo, node: NodeInfo) -> list[str]:
    """fitsRequest: the reasons the pod does not fit on the node, in Kubernetes' order."""
    reasons: list[str] = []
    if len(node.pods) + 1 > node.alloc_pods:
        reasons.append("Too many pods")
    want = pod.requests
    if want.is_zero():
        return reasons
    alloc, used = node.allocatable, node.requested
    if want.cpu > 0 and want.cpu > alloc.cpu - used.cpu:
        reasons.append("Insufficient cpu")
    if want.memory > 0 and want.memory > alloc.memory - used.memory:
        reasons.append("Insufficient memory")
    if want.ephemeral > 0 and want.ephemeral > alloc.ephemeral - used.ephemeral:
        reasons.append("Insufficient ephemeral-storage")
    for name in sorted(want.scalar):
        amount = want.scalar[name]
        if amount > 0 and amount > alloc.scalar.get(name, 0) - used.scalar.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return reasons


class NodeResourcesFit(Plugin):
    name = "NodeResourcesFit"
    events = ("NodeAdd", "NodeUpdate", "AssignedPodDelete", "AssignedPodUpdate")

    def filter_nodes(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], failed: dict[str, Status]
    ) -> list[NodeInfo]:
        want = pod.requests
        cpu, memory = want.cpu, want.memory
        if want.ephemeral or want.scalar:
            passed = [n for n in nodes if not insufficient_resources(pod, n)]
        else:
            # The common case in one pass over the aggregates.
            passed = [
                n
                for n in nodes
                if len(n.pods) < n.alloc_pods
                and (cpu == 0 or cpu <= n.alloc_cpu - n.req_cpu)
                and (memory == 0 or memory <= n.alloc_mem - n.req_mem)
            ]
        if len(passed) < len(nodes):
            kept = {id(n) for n in passed}
            for node in nodes:
                if id(node) not in kept:
                    reasons = insufficient_resources(pod, node)
                    failed[node.name] = Status(Code.UNSCHEDULABLE, *reasons, plugin=self.name)
        return passed

    def score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        """LeastAllocated over cpu and memory (weight 1 each), with non-zero requests."""
        cpu, memory = pod.nonzero.cpu, pod.nonzero.memory
        # The formula of least_allocated() inlined for nodes with cpu and memory (all but
        # odd ones): the walrus names keep it one expression, with no call per node.
        return [
            (
                ((ac - rc) * MAX_NODE_SCORE // ac if rc <= ac else 0)
                + ((am - rm) * MAX_NODE_SCORE // am if rm <= am else 0)
            )
            // 2
            if (ac := n.alloc_cpu) > 0
            and (am := n.alloc_mem) > 0
            and (rc := n.nz_cpu + cpu) >= 0
            and (rm := n.nz_mem + memory) >= 0
            else least_allocated(n, cpu, memory)
            for n in nodes
        ]


def _free_share(requested: int, capacity: int) -> int:
    if requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def least_allocated(node: NodeInfo, cpu: int, memory: int) -> int:
    alloc = node.allocatable
    used = node.nonzero
    total = weights = 0
    if alloc.cpu:
        total += _free_share(used.cpu + cpu, alloc.cpu)
        weights += 1
    if alloc.memory:
        total += _free_share(used.memory + memory, alloc.memory)
        weights += 1
    return total // weights if weights else 0


class BalancedAllocation(Plugin):
    name = "NodeResourcesBalancedAllocation"

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        requests = pod.requests
        return SKIP if requests.cpu == 0 and requests.memory == 0 else None

    def score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        cpu, memory = pod.requests.cpu, pod.requests.memory
        # balanced() inlined for nodes with cpu and memory: |fc - fm| / 2 is the std-dev of
        # two fractions, each capped at 1.
        return [
            int((1 - (fc - fm if fc > fm else fm - fc) / 2) * MAX_NODE_SCORE)
            if (ac := n.alloc_cpu) > 0
            and (am := n.alloc_mem) > 0
            and (fc := min_one((n.req_cpu + cpu) / ac)) >= 0
            and (fm := min_one((n.req_mem + memory) / am)) >= 0
            else balanced(n, cpu, memory)
            for n in nodes
        ]


def min_one(fraction: float) -> float:
    return 1.0 if fraction > 1.0 else fraction


def balanced(node: NodeInfo, cpu: int, memory: int) -> int:
    alloc = node.allocatable
    used = node.requested
    fractions: list[float] = []
    if alloc.cpu:
        fractions.append(min(1.0, (used.cpu + cpu) / alloc.cpu))
    if alloc.memory:
        fractions.append(min(1.0, (used.memory + memory) / alloc.memory))
    if len(fractions) == 2:
        std = abs(fractions[0] - fractions[1]) / 2
    elif len(fractions) > 2:
        mean = sum(fractions) / len(fractions)
        std = math.sqrt(sum((f - mean) ** 2 for f in fractions) / len(fractions))
    else:
        std = 0.0
    return int((1 - std) * MAX_NODE_SCORE)
