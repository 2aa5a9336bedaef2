"""Matching rules shared by several plugins: tolerations, node selector terms, pod selectors.

Role: component-helpers' ToleratesTaint / FindMatchingUntoleratedTaint and
nodeaffinity.NodeSelector (terms ORed, requirements ANDed, In/NotIn/Exists/DoesNotExist/Gt/Lt,
matchFields on metadata.name only). Neighbours: the plugins that call them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.scheduling import (
    NodeSelectorRequirement,
    NodeSelectorTerm,
    Taint,
    Toleration,
)

__all__ = [
    "find_untolerated_taint",
    "node_matches_term",
    "node_matches_terms",
    "required_node_terms",
]


def find_untolerated_taint(
    taints: Iterable[Taint], tolerations: tuple[Toleration, ...]
) -> Taint | None:
    for taint in taints:
        if not any(t.tolerates(taint) for t in tolerations):
            return taint
    return None


def _as_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _requirement_matches(req: NodeSelectorRequirement, labels: Mapping[str, str]) -> bool:
    op = req.operator
    present = req.key in labels
    if op == "In":
        return present and labels[req.key] in req.values
    if op == "NotIn":
        return not present or labels[req.key] not in req.values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op in ("Gt", "Lt") and present and len(req.values) == 1:
        have, want = _as_int(labels[req.key]), _as_int(req.values[0])
        if have is None or want is None:
            return False
        return have > want if op == "Gt" else have < want
    return False


def node_matches_term(term: NodeSelectorTerm, name: str, labels: Mapping[str, str]) -> bool:
    """An empty term matches nothing; otherwise every requirement must hold."""
    if not term.match_expressions and not term.match_fields:
        return False
    if not all(_requirement_matches(r, labels) for r in term.match_expressions):
        return False
    fields = {"metadata.name": name}
    return all(
        r.key == "metadata.name" and _requirement_matches(r, fields) for r in term.match_fields
    )


def node_matches_terms(
    terms: tuple[NodeSelectorTerm, ...], name: str, labels: Mapping[str, str]
) -> bool:
    return any(node_matches_term(term, name, labels) for term in terms)


def required_node_terms(pod: Pod) -> tuple[NodeSelectorTerm, ...] | None:
    """The pod's required node affinity terms, None when it has none."""
    affinity = pod.spec.affinity
    if affinity is None or affinity.node_affinity is None:
        return None
    required = affinity.node_affinity.required_during_scheduling_ignored_during_execution
    return None if required is None else required.node_selector_terms


def pod_matches_node_affinity(pod: Pod, name: str, labels: Mapping[str, str]) -> bool:
    """nodeSelector and required node affinity (nodeaffinity.GetRequiredNodeAffinity.Match)."""
    for key, value in pod.spec.node_selector.items():
        if labels.get(key) != value:
            return False
    terms = required_node_terms(pod)
    return terms is None or node_matches_terms(terms, name, labels)
