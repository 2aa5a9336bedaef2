"""TaintToleration: NoSchedule/NoExecute taints must be tolerated; PreferNoSchedule ones count.

Role: plugins/tainttoleration. Filter fails on the first hard taint the pod does not tolerate,
`node(s) had untolerated taint {key: value}` (UnschedulableAndUnresolvable). Score counts the
PreferNoSchedule taints not tolerated by the pod's tolerations with effect "" or
PreferNoSchedule, normalised in reverse (fewer taints, higher score). Neighbours: `helpers`.
"""

from __future__ import annotations

from k8s_actors.components.scheduler.framework import (
    Code,
    CycleState,
    Plugin,
    Status,
    default_normalize,
)
from k8s_actors.components.scheduler.nodeinfo import NodeInfo
from k8s_actors.components.scheduler.plugins.helpers import find_untolerated_taint
from k8s_actors.components.scheduler.podinfo import PodInfo

__all__ = ["TaintToleration"]


class TaintToleration(Plugin):
    name = "TaintToleration"
    events = ("NodeAdd", "NodeUpdate")

    def filter_nodes(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], failed: dict[str, Status]
    ) -> list[NodeInfo]:
        passed = [n for n in nodes if not n.hard_taints]
        if "schedulerIgnoresTaints" in self.handle.mutants:
            return nodes  # the mutant: every node passes, whatever its taints
        if len(passed) == len(nodes):
            return passed
        tolerations = pod.pod.spec.tolerations
        passed = []
        for node in nodes:
            taint = find_untolerated_taint(node.hard_taints, tolerations)
            if taint is None:
                passed.append(node)
            else:
                failed[node.name] = Status(
                    Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                    f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}",
                    plugin=self.name,
                )
        return passed

    def score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        tolerations = [t for t in pod.pod.spec.tolerations if t.effect in ("", "PreferNoSchedule")]
        return [
            sum(1 for taint in n.prefer_taints if not any(t.tolerates(taint) for t in tolerations))
            if n.prefer_taints
            else 0
            for n in nodes
        ]

    def normalize(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], scores: list[int]
    ) -> None:
        default_normalize(scores, reverse=True)
