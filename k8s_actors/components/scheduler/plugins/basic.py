"""The small filters and the queue sort: PrioritySort, NodeUnschedulable, NodeName, NodePorts.

Role: pkg/scheduler/framework/plugins queuesort, nodeunschedulable, nodename and nodeports.
Neighbours: `framework` (Plugin), `helpers` (tolerations).
"""

from __future__ import annotations

from k8s_actors.api.objects.scheduling import Taint
from k8s_actors.components.scheduler.framework import (
    SKIP,
    Code,
    CycleState,
    Plugin,
    Status,
)
from k8s_actors.components.scheduler.nodeinfo import NodeInfo
from k8s_actors.components.scheduler.podinfo import PodInfo

__all__ = ["NodeName", "NodePorts", "NodeUnschedulable", "PrioritySort"]

UNSCHEDULABLE_TAINT = Taint(key="node.kubernetes.io/unschedulable", effect="NoSchedule")


class PrioritySort(Plugin):
    """QueueSort: higher priority first, then the earlier queue timestamp."""

    name = "PrioritySort"

    @staticmethod
    def less(a: PodInfo, b: PodInfo) -> bool:
        if a.priority != b.priority:
            return a.priority > b.priority
        return a.timestamp < b.timestamp


class NodeUnschedulable(Plugin):
    name = "NodeUnschedulable"
    events = ("NodeAdd", "NodeUpdate")
    reason = "node(s) were unschedulable"

    def filter_nodes(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], failed: dict[str, Status]
    ) -> list[NodeInfo]:
        passed = [n for n in nodes if not n.unschedulable]
        if len(passed) == len(nodes):
            return passed
        tolerated = any(t.tolerates(UNSCHEDULABLE_TAINT) for t in pod.pod.spec.tolerations)
        if tolerated:
            return nodes
        for node in nodes:
            if node.unschedulable:
                failed[node.name] = Status(
                    Code.UNSCHEDULABLE_AND_UNRESOLVABLE, self.reason, plugin=self.name
                )
        return passed


class NodeName(Plugin):
    name = "NodeName"
    events = ("NodeAdd",)
    reason = "node(s) didn't match the requested node name"

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        return SKIP if not pod.pod.spec.node_name else None

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        if node.name == pod.pod.spec.node_name:
            return None
        return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, self.reason)


def ports_conflict(wanted: tuple[str, str, int], used: dict[tuple[str, str, int], int]) -> bool:
    """Same protocol and port, and the same address or either on 0.0.0.0 (HostPortInfo)."""
    ip, protocol, port = wanted
    for used_ip, used_protocol, used_port in used:
        same_address = ip == used_ip or "0.0.0.0" in (ip, used_ip)
        if used_port == port and used_protocol == protocol and same_address:
            return True
    return False


class NodePorts(Plugin):
    name = "NodePorts"
    events = ("NodeAdd", "AssignedPodDelete")
    reason = "node(s) didn't have free ports for the requested pod ports"

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        return SKIP if not pod.host_ports else None

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        used = node.used_ports
        if any(ports_conflict(port, used) for port in pod.host_ports):
            return Status(Code.UNSCHEDULABLE, self.reason)
        return None
