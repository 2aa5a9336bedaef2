"""Where a pod may run: tolerations, node/pod affinity, topology spread constraints.

Role: the scheduling parts of core/v1 PodSpec, read by the scheduler's filter and score
plugins. Neighbours: `pod` (embeds them), `labels` (LabelSelector), `cluster` (Node taints).
"""

from __future__ import annotations

from k8s_actors.api.labels import LabelSelector
from k8s_actors.api.meta import Model


class Toleration(Model, frozen=True):
    """Tolerates taints matching key/operator/value/effect; operator Equal or Exists."""

    key: str = ""
    operator: str = ""
    value: str = ""
    effect: str = ""
    toleration_seconds: int | None = None

    def tolerates(self, taint: Taint) -> bool:
        """ToleratesTaint (staging/src/k8s.io/api/core/v1/toleration.go): an empty effect or
        key matches any; Exists ignores the value; Equal (or no operator) compares it."""
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator == "Exists":
            return True
        return self.operator in ("", "Equal") and self.value == taint.value


class Taint(Model, frozen=True):
    """A node taint; effect NoSchedule, PreferNoSchedule or NoExecute."""

    key: str
    effect: str
    value: str = ""
    time_added: str | None = None


class NodeSelectorRequirement(Model, frozen=True):
    """key operator values; operators In, NotIn, Exists, DoesNotExist, Gt, Lt."""

    key: str
    operator: str
    values: tuple[str, ...] = ()


class NodeSelectorTerm(Model, frozen=True):
    """The requirements of one term are ANDed; terms are ORed."""

    match_expressions: tuple[NodeSelectorRequirement, ...] = ()
    match_fields: tuple[NodeSelectorRequirement, ...] = ()


class NodeSelector(Model, frozen=True):
    node_selector_terms: tuple[NodeSelectorTerm, ...] = ()


class PreferredSchedulingTerm(Model, frozen=True):
    weight: int
    preference: NodeSelectorTerm


class NodeAffinity(Model, frozen=True):
    required_during_scheduling_ignored_during_execution: NodeSelector | None = None
    preferred_during_scheduling_ignored_during_execution: tuple[PreferredSchedulingTerm, ...] = ()


class PodAffinityTerm(Model, frozen=True):
    """Pods matching labelSelector in namespaces, co-located by topologyKey."""

    topology_key: str = ""
    label_selector: LabelSelector | None = None
    namespaces: tuple[str, ...] = ()
    namespace_selector: LabelSelector | None = None
    match_label_keys: tuple[str, ...] = ()
    mismatch_label_keys: tuple[str, ...] = ()


class WeightedPodAffinityTerm(Model, frozen=True):
    weight: int
    pod_affinity_term: PodAffinityTerm


class PodAffinity(Model, frozen=True):
    required_during_scheduling_ignored_during_execution: tuple[PodAffinityTerm, ...] = ()
    preferred_during_scheduling_ignored_during_execution: tuple[WeightedPodAffinityTerm, ...] = ()


class Affinity(Model, frozen=True):
    node_affinity: NodeAffinity | None = None
    pod_affinity: PodAffinity | None = None
    pod_anti_affinity: PodAffinity | None = None


class TopologySpreadConstraint(Model, frozen=True):
    """Spread matching pods over topologyKey domains with at most maxSkew difference."""

    max_skew: int
    topology_key: str
    when_unsatisfiable: str
    label_selector: LabelSelector | None = None
    min_domains: int | None = None
    node_affinity_policy: str | None = None
    node_taints_policy: str | None = None
    match_label_keys: tuple[str, ...] = ()
