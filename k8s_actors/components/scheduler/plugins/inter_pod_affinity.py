"""InterPodAffinity: required (anti-)affinity filters, preferred terms and symmetry score.

Role: plugins/interpodaffinity (filtering.go, scoring.go). A term matches a pod in one of its
namespaces (the term's list, or the owner's namespace; an empty namespaceSelector means all)
whose labels its selector matches; domains are the values of the term's topologyKey.
Filter: every required affinity term must have a matching pod in the node's domain (unless no
pod matches anywhere and the pod matches its own terms), no required anti-affinity term may,
and no existing pod's required anti-affinity may match the incoming pod in that domain.
Score: preferred affinity +weight, anti-affinity -weight, plus the existing pods' terms that
match the incoming pod (their required affinity counting 1), min-max normalised to 0..100.
Namespace selectors other than the empty one match no namespace here (no Namespace informer).
Neighbours: `framework`, `cache` (pods with affinity per node).
"""

from __future__ import annotations

from collections.abc import Iterable

from k8s_actors.api.labels import Selector
from k8s_actors.api.objects.scheduling import PodAffinityTerm
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

__all__ = ["InterPodAffinity", "Term", "terms_of"]

AFFINITY = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
HARD_POD_AFFINITY_WEIGHT = 1
Pair = tuple[str, str]


class Term:
    __slots__ = ("all_namespaces", "key", "namespaces", "selector", "weight")

    def __init__(self, term: PodAffinityTerm, owner_namespace: str, weight: int = 0) -> None:
        self.key = term.topology_key
        self.selector = Selector.from_label_selector(term.label_selector)
        self.namespaces = set(term.namespaces) or (
            set() if term.namespace_selector is not None else {owner_namespace}
        )
        ns_selector = term.namespace_selector
        self.all_namespaces = ns_selector is not None and not (
            ns_selector.match_labels or ns_selector.match_expressions
        )
        self.weight = weight

    def matches(self, pod: PodInfo) -> bool:
        if not (self.all_namespaces or pod.namespace in self.namespaces):
            return False
        return self.selector.matches(pod.labels)


def terms_of(pod: PodInfo) -> dict[str, list[Term]]:
    """The pod's parsed terms by kind, computed once per pod."""
    cached = pod.state.get("affinity_terms")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    result: dict[str, list[Term]] = {"req": [], "anti": [], "pref": [], "pref_anti": []}
    affinity = pod.pod.spec.affinity
    ns = pod.namespace
    if affinity is not None:
        for kind, source in (("", affinity.pod_affinity), ("anti", affinity.pod_anti_affinity)):
            if source is None:
                continue
            required = source.required_during_scheduling_ignored_during_execution
            preferred = source.preferred_during_scheduling_ignored_during_execution
            result[kind or "req"] = [Term(t, ns) for t in required]
            result["pref_anti" if kind else "pref"] = [
                Term(w.pod_affinity_term, ns, w.weight) for w in preferred
            ]
    pod.state["affinity_terms"] = result
    return result


def _pairs(terms: Iterable[Term], pod: PodInfo, node: NodeInfo, into: dict[Pair, int]) -> None:
    for term in terms:
        value = node.labels.get(term.key)
        if value is not None and term.matches(pod):
            into[(term.key, value)] = into.get((term.key, value), 0) + 1


class InterPodAffinity(Plugin):
    name = "InterPodAffinity"
    events = ("AssignedPodAdd", "AssignedPodUpdate", "AssignedPodDelete", "NodeAdd", "NodeUpdate")

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        terms = terms_of(pod)
        cache = self.handle.cache
        if not terms["req"] and not terms["anti"] and not cache.pods_with_required_anti_affinity:
            return SKIP
        nodes = cache.node_list()
        with_anti = [n for n in nodes if n.pods_with_required_anti_affinity]
        existing: dict[Pair, int] = {}
        for node in with_anti:
            for other in node.pods_with_required_anti_affinity.values():
                for term in terms_of(other)["anti"]:
                    value = node.labels.get(term.key)
                    if value is not None and term.matches(pod):
                        existing[(term.key, value)] = existing.get((term.key, value), 0) + 1
        affinity: dict[Pair, int] = {}
        anti: dict[Pair, int] = {}
        if terms["req"] or terms["anti"]:
            for node in nodes:
                for other in node.pods.values():
                    if terms["req"] and all(t.matches(other) for t in terms["req"]):
                        for t in terms["req"]:
                            if t.key in node.labels:
                                pair = (t.key, node.labels[t.key])
                                affinity[pair] = affinity.get(pair, 0) + 1
                    _pairs(terms["anti"], other, node, anti)
        state.data[self.name] = (existing, affinity, anti)
        return None

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        existing, affinity, anti = state.data[self.name]
        terms = terms_of(pod)
        labels = node.labels
        if terms["req"]:
            fits = all(
                t.key in labels and affinity.get((t.key, labels[t.key]), 0) > 0
                for t in terms["req"]
            )
            # The first pod of a group that selects itself may go anywhere (affinity "to self").
            if not fits and not (not affinity and all(t.matches(pod) for t in terms["req"])):
                return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, AFFINITY)
        for t in terms["anti"]:
            if t.key in labels and anti.get((t.key, labels[t.key]), 0) > 0:
                return Status(Code.UNSCHEDULABLE, ANTI_AFFINITY)
        for key, value in labels.items():
            if existing.get((key, value), 0) > 0:
                return Status(Code.UNSCHEDULABLE, EXISTING_ANTI_AFFINITY)
        return None

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        terms = terms_of(pod)
        has_preferred = bool(terms["pref"] or terms["pref_anti"])
        cache = self.handle.cache
        if not has_preferred and not cache.pods_with_affinity:
            return SKIP
        all_nodes = cache.node_list()
        scores: dict[Pair, int] = {}
        for node in all_nodes:
            others = node.pods if has_preferred else node.pods_with_affinity
            for other in others.values():
                self._process(scores, pod, terms, other, node)
        state.data[self.name + "/score"] = scores
        return None

    @staticmethod
    def _process(
        scores: dict[Pair, int],
        pod: PodInfo,
        terms: dict[str, list[Term]],
        other: PodInfo,
        node: NodeInfo,
    ) -> None:
        labels = node.labels

        def add(term: Term, weight: int) -> None:
            value = labels.get(term.key)
            if value is not None:
                scores[(term.key, value)] = scores.get((term.key, value), 0) + weight

        for t in terms["pref"]:
            if t.matches(other):
                add(t, t.weight)
        for t in terms["pref_anti"]:
            if t.matches(other):
                add(t, -t.weight)
        theirs = terms_of(other)
        for t in theirs["req"]:
            if t.matches(pod):
                add(t, HARD_POD_AFFINITY_WEIGHT)
        for t in theirs["pref"]:
            if t.matches(pod):
                add(t, t.weight)
        for t in theirs["pref_anti"]:
            if t.matches(pod):
                add(t, -t.weight)

    def score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        scores: dict[Pair, int] = state.data[self.name + "/score"]
        return [
            sum(v for (key, value), v in scores.items() if n.labels.get(key) == value)
            for n in nodes
        ]

    def normalize(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], scores: list[int]
    ) -> None:
        if not state.data[self.name + "/score"]:
            return
        low, high = min(scores), max(scores)
        spread = high - low
        scores[:] = [
            int(MAX_NODE_SCORE * ((s - low) / spread)) if spread > 0 else 0 for s in scores
        ]
