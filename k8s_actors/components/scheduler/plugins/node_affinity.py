"""NodeAffinity: nodeSelector and required affinity filter; preferred terms score.

Role: plugins/nodeaffinity. Filter: every nodeSelector label and one of the required terms
must match, else `node(s) didn't match Pod's node affinity/selector` (UnschedulableAndUnresolvable).
Score: the summed weights of the preferred terms the node matches, normalised to 0..100; PreScore
skips pods without preferred terms. Neighbours: `helpers` (term matching).
"""

from __future__ import annotations

from k8s_actors.api.objects.scheduling import PreferredSchedulingTerm
from k8s_actors.components.scheduler.framework import (
    SKIP,
    Code,
    CycleState,
    Plugin,
    Status,
    default_normalize,
)
from k8s_actors.components.scheduler.nodeinfo import NodeInfo
from k8s_actors.components.scheduler.plugins.helpers import (
    node_matches_term,
    pod_matches_node_affinity,
    required_node_terms,
)
from k8s_actors.components.scheduler.podinfo import PodInfo

__all__ = ["NodeAffinity"]

REASON = "node(s) didn't match Pod's node affinity/selector"


def _preferred(pod: PodInfo) -> tuple[PreferredSchedulingTerm, ...]:
    affinity = pod.pod.spec.affinity
    if affinity is None or affinity.node_affinity is None:
        return ()
    return affinity.node_affinity.preferred_during_scheduling_ignored_during_execution


class NodeAffinity(Plugin):
    name = "NodeAffinity"
    events = ("NodeAdd", "NodeUpdate")

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        if not pod.pod.spec.node_selector and required_node_terms(pod.pod) is None:
            return SKIP
        return None

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        if pod_matches_node_affinity(pod.pod, node.name, node.labels):
            return None
        return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, REASON)

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        return None if _preferred(pod) else SKIP

    def score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        terms = [t for t in _preferred(pod) if t.weight != 0]
        return [
            sum(t.weight for t in terms if node_matches_term(t.preference, n.name, n.labels))
            for n in nodes
        ]

    def normalize(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], scores: list[int]
    ) -> None:
        default_normalize(scores, reverse=False)
