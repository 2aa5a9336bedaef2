"""Label selectors: the LabelSelector API struct and the parsed `Selector` that matches labels.

Role: everything the object model, the API server (list/watch `labelSelector=`), controllers
(ReplicaSet, Deployment, Service) and the scheduler need to select objects by label, with
Kubernetes' grammar, canonical strings and error messages (k8s.io/apimachinery/pkg/labels,
pkg/apis/meta/v1/helpers.go). Neighbours: `meta` (the struct base), `fields` (field selectors).
"""

from __future__ import annotations

import msgspec

from k8s_actors.api.meta import Model

__all__ = ["LabelSelector", "LabelSelectorRequirement"]


class LabelSelectorRequirement(Model):
    """One matchExpressions entry: key, operator (In/NotIn/Exists/DoesNotExist), values."""

    key: str
    operator: str
    values: tuple[str, ...] = ()


class LabelSelector(Model):
    """metav1.LabelSelector: matchLabels ANDed with matchExpressions."""

    match_labels: dict[str, str] = msgspec.field(default_factory=dict)
    match_expressions: tuple[LabelSelectorRequirement, ...] = ()
