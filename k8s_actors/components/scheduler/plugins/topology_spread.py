"""PodTopologySpread: hard constraints filter, soft ones (and the system defaults) score.

Role: plugins/podtopologyspread (filtering.go, scoring.go, common.go). A pod without constraints
gets the system defaults - hostname maxSkew 3 and zone maxSkew 5, ScheduleAnyway - over the
selector of the Services and controllers that own it; with no such selector nothing applies.
Filter: skew = matching pods in the node's domain + self-match - global minimum must not exceed
maxSkew. Score: per constraint, matching pods in the node's domain x ln(domains + 2) + maxSkew - 1,
rounded, then normalised so that fewer matching pods score higher. Node inclusion follows the
default policies (node affinity honoured, taints ignored). Neighbours: `helpers`, `framework`.
"""

from __future__ import annotations

import math
from typing import Any

from k8s_actors.api.labels import Requirement, Selector
from k8s_actors.components.scheduler.framework import (
    MAX_NODE_SCORE,
    SKIP,
    Code,
    CycleState,
    Handle,
    Plugin,
    Status,
)
from k8s_actors.components.scheduler.nodeinfo import NodeInfo
from k8s_actors.components.scheduler.plugins.helpers import pod_matches_node_affinity
from k8s_actors.components.scheduler.podinfo import PodInfo

__all__ = ["HOSTNAME", "Constraint", "PodTopologySpread"]

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"
NOT_MATCH = "node(s) didn't match pod topology spread constraints"
# Hostname counts remembered at most (node x selector pairs) before the memo starts afresh.
MEMO_LIMIT = 1_000_000


class Constraint:
    __slots__ = ("key", "max_skew", "min_domains", "selector")

    def __init__(self, key: str, max_skew: int, selector: Selector, min_domains: int = 1) -> None:
        self.key = key
        self.max_skew = max_skew
        self.selector = selector
        self.min_domains = min_domains


def count_matching(node: NodeInfo, selector: Selector, namespace: str) -> int:
    """countPodsMatchSelector: live pods of the namespace matching the selector."""
    return sum(
        1
        for p in node.pods.values()
        if p.namespace == namespace and not p.terminating and selector.matches(p.labels)
    )


def _has_keys(node: NodeInfo, constraints: list[Constraint]) -> bool:
    return all(c.key in node.labels for c in constraints)


class PodTopologySpread(Plugin):
    name = "PodTopologySpread"
    events = ("NodeAdd", "NodeUpdate", "AssignedPodDelete", "AssignedPodAdd")

    def __init__(self, handle: Handle) -> None:
        super().__init__(handle)
        # Per (node name, selector), the last hostname count: (node, pods_generation, count).
        # Valid while it is the same NodeInfo at the same pods_generation (bumped when a pod is
        # added, removed, relabelled or marked for deletion; not by status updates), so that
        # scoring a Deployment's pods walks only the nodes whose pods changed, even when the
        # pods of many Deployments (many selectors) are scheduled in turn.
        self._host_counts: dict[tuple[str, int], tuple[NodeInfo, int, int]] = {}
        # Each (namespace, selector) seen, as a small number: hashed once per cycle, not per node.
        self._selector_ids: dict[tuple[Any, ...], int] = {}

    def _selector_id(self, selector: Selector, namespace: str) -> int:
        """The memo key of a selector in a namespace."""
        key = (namespace, selector.matches_nothing, tuple(selector.requirements))
        found = self._selector_ids.get(key)
        if found is None:
            if len(self._host_counts) > MEMO_LIMIT:  # bound the memory of a long, varied run
                self._host_counts.clear()
            found = self._selector_ids[key] = len(self._selector_ids)
        return found

    def _host_count(self, node: NodeInfo, selector: Selector, namespace: str, sel: int) -> int:
        """count_matching for the hostname domain, reusing the node's count while unchanged."""
        memo = self._host_counts.get((node.name, sel))
        if memo is not None and memo[0] is node and memo[1] == node.pods_generation:
            return memo[2]
        count = count_matching(node, selector, namespace)
        self._host_counts[(node.name, sel)] = (node, node.pods_generation, count)
        return count

    def _constraints(self, pod: PodInfo, action: str) -> list[Constraint]:
        spec = pod.pod.spec.topology_spread_constraints
        if spec:
            return [
                Constraint(
                    c.topology_key,
                    c.max_skew,
                    Selector.from_label_selector(c.label_selector),
                    c.min_domains or 1,
                )
                for c in spec
                if c.when_unsatisfiable == action
            ]
        if action != "ScheduleAnyway":
            return []
        selector = _default_selector(self.handle.selectors(pod))
        if selector is None:
            return []
        return [Constraint(HOSTNAME, 3, selector), Constraint(ZONE, 5, selector)]

    # -- filter ----------------------------------------------------------------------------------

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        constraints = self._constraints(pod, "DoNotSchedule")
        if not constraints:
            return SKIP
        counts: dict[tuple[str, str], int] = {}
        for node in self.handle.cache.node_list():
            if not _has_keys(node, constraints):
                continue
            if not pod_matches_node_affinity(pod.pod, node.name, node.labels):
                continue
            for c in constraints:
                pair = (c.key, node.labels[c.key])
                counts[pair] = counts.get(pair, 0) + count_matching(node, c.selector, pod.namespace)
        state.data[self.name] = (constraints, counts)
        return None

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        constraints, counts = state.data[self.name]
        for c in constraints:
            value = node.labels.get(c.key)
            if value is None:
                return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, MISSING_LABEL)
            domains = [n for (key, _), n in counts.items() if key == c.key]
            minimum = min(domains) if len(domains) >= c.min_domains else 0
            self_match = 1 if c.selector.matches(pod.labels) else 0
            if counts.get((c.key, value), 0) + self_match - minimum > c.max_skew:
                return Status(Code.UNSCHEDULABLE, NOT_MATCH)
        return None

    # -- score -----------------------------------------------------------------------------------

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        constraints = self._constraints(pod, "ScheduleAnyway")
        if not constraints:
            return SKIP
        require_all = bool(pod.pod.spec.topology_spread_constraints)
        ignored: set[str] = set()
        sizes = [0] * len(constraints)
        counts: dict[tuple[str, str], int] = {}
        for node in nodes:
            if require_all and not _has_keys(node, constraints):
                ignored.add(node.name)
                continue
            for i, c in enumerate(constraints):
                if c.key != HOSTNAME and c.key in node.labels:
                    pair = (c.key, node.labels[c.key])
                    if pair not in counts:
                        counts[pair] = 0
                        sizes[i] += 1
        weights = [
            math.log((len(nodes) - len(ignored) if c.key == HOSTNAME else sizes[i]) + 2)
            for i, c in enumerate(constraints)
        ]
        if not counts:
            # No node carries a non-hostname domain (e.g. no zone labels): the walk over every
            # node below could only add to existing entries, so it is skipped - O(nodes) per pod.
            state.data[self.name + "/score"] = (constraints, weights, counts, ignored)
            return None
        for node in self.handle.cache.node_list():
            if require_all and not _has_keys(node, constraints):
                continue
            if not pod_matches_node_affinity(pod.pod, node.name, node.labels):
                continue
            for c in constraints:
                pair = (c.key, node.labels.get(c.key, ""))
                if c.key != HOSTNAME and pair in counts:
                    counts[pair] += count_matching(node, c.selector, pod.namespace)
        state.data[self.name + "/score"] = (constraints, weights, counts, ignored)
        return None

    def score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        constraints, weights, counts, ignored = state.data[self.name + "/score"]
        namespace = pod.namespace
        # Per constraint, what every node's score reads: computed once per cycle, not per node.
        terms = [
            (
                c.key,
                c.selector,
                self._selector_id(c.selector, namespace) if c.key == HOSTNAME else None,
                weight,
                c.max_skew - 1,
            )
            for c, weight in zip(constraints, weights, strict=True)
        ]
        memos = self._host_counts
        scores: list[int] = []
        for node in nodes:
            if ignored and node.name in ignored:
                scores.append(0)
                continue
            labels = node.labels
            total = 0.0
            for key, selector, host_key, weight, offset in terms:
                value = labels.get(key)
                if value is None:
                    continue
                if host_key is None:
                    count = counts.get((key, value), 0)
                else:
                    memo = memos.get((node.name, host_key))
                    if memo is not None and memo[0] is node and memo[1] == node.pods_generation:
                        count = memo[2]
                    else:
                        count = self._host_count(node, selector, namespace, host_key)
                total += count * weight + offset
            scores.append(_go_round(total))
        return scores

    def normalize(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], scores: list[int]
    ) -> None:
        ignored = state.data[self.name + "/score"][3]
        kept = [s for n, s in zip(nodes, scores, strict=True) if n.name not in ignored]
        if not kept:
            return
        low, high = min(kept), max(kept)
        for i, node in enumerate(nodes):
            if node.name in ignored:
                scores[i] = 0
            elif high == 0:
                scores[i] = MAX_NODE_SCORE
            else:
                scores[i] = MAX_NODE_SCORE * (high + low - scores[i]) // high


def _go_round(value: float) -> int:
    """math.Round: halves away from zero (Python's round() goes to even)."""
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def _default_selector(selectors: list[Any]) -> Selector | None:
    """helper.DefaultSelector: the union of the owners' selectors, None when there is none."""
    requirements: list[Requirement] = []
    for selector in selectors:
        if isinstance(selector, Selector) and not selector.empty:
            requirements.extend(selector.requirements)
    return Selector(requirements) if requirements else None
