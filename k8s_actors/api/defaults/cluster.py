"""Defaults of Namespace, Node, Secret and PriorityClass.

Role: SetDefaults_Namespace/_NamespaceStatus/_NodeStatus/_Secret (pkg/apis/core/v1) and
_PriorityClass (pkg/apis/scheduling/v1), plus the `kubernetes` finalizer the namespace
strategy adds on create. Neighbours: `objects.cluster`, `objects.config`.
"""

from __future__ import annotations

from msgspec.structs import replace

from k8s_actors.api.objects.cluster import Namespace, Node, PriorityClass
from k8s_actors.api.objects.config import Secret

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
NAMESPACE_FINALIZER = "kubernetes"


def default_namespace(namespace: Namespace) -> Namespace:
    """Phase Active and the immutable metadata.name label.

    The `kubernetes` finalizer is the namespace strategy's on create (PrepareForCreate), not a
    default: on update spec.finalizers only change through the finalize subresource.
    """
    meta = namespace.metadata
    labels = meta.labels
    if meta.name and labels.get(NAMESPACE_NAME_LABEL) != meta.name:
        labels = {**labels, NAMESPACE_NAME_LABEL: meta.name}
    spec = namespace.spec
    status = namespace.status
    if not status.phase:
        status = replace(status, phase="Active")
    return replace(namespace, metadata=replace(meta, labels=labels), spec=spec, status=status)


def default_node(node: Node) -> Node:
    """allocatable defaults to capacity when the kubelet reports only capacity."""
    status = node.status
    if status.allocatable or not status.capacity:
        return node
    return replace(node, status=replace(status, allocatable=dict(status.capacity)))


def default_secret(secret: Secret) -> Secret:
    return secret if secret.type else replace(secret, type="Opaque")


def default_priority_class(priority_class: PriorityClass) -> PriorityClass:
    if priority_class.preemption_policy is not None:
        return priority_class
    return replace(priority_class, preemption_policy="PreemptLowerPriority")
