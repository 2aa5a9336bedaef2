"""Registry strategies: what the apiserver changes on create and update, per kind.

Role: the PrepareForCreate / PrepareForUpdate rules of pkg/registry/*/strategy.go: identity and
timestamps on create, status reset, generation bumped on spec changes only, spec and status kept
apart between the main resource and its `status` subresource, immutable metadata carried over.
Neighbours: `handlers` (callers), `k8s_actors.api` (defaulting and validation).
"""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.api.objects.pod import PodStatus
from k8s_actors.api.quantity import Quantity

replace = msgspec.structs.replace
NAMESPACE_FINALIZER = "kubernetes"

# Kinds whose strategies track metadata.generation (apps and batch workloads, priority classes).
GENERATION_KINDS = frozenset({"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"})


def prepare_for_create(obj: Any, uid: str, timestamp: str) -> Any:
    meta = replace(
        obj.metadata,
        uid=uid,
        creation_timestamp=timestamp,
        resource_version="",
        generation=1 if obj.kind in GENERATION_KINDS else 0,
        deletion_timestamp=None,
        deletion_grace_period_seconds=None,
    )
    obj = replace(obj, metadata=meta)
    if obj.kind == "Pod":
        # pkg/registry/core/pod/strategy.go: a new pod is Pending with its QoS class computed.
        return replace(obj, status=PodStatus(phase="Pending", qos_class=qos_class(obj)))
    if obj.kind in GENERATION_KINDS:
        return replace(obj, status=type(obj.status)())
    if obj.kind == "Namespace" and NAMESPACE_FINALIZER not in obj.spec.finalizers:
        # pkg/registry/core/namespace/strategy.go PrepareForCreate: the kubernetes finalizer.
        spec = replace(obj.spec, finalizers=(*obj.spec.finalizers, NAMESPACE_FINALIZER))
        return replace(obj, spec=spec)
    return obj


def prepare_for_update(new: Any, old: Any, *, status_only: bool) -> Any:
    """Carry identity over from the stored object and keep spec and status apart."""
    old_meta = old.metadata
    if status_only:
        # Status writes change status alone (plus nothing of spec or metadata).
        merged = replace(old, status=new.status)
        return replace(merged, metadata=replace(old_meta, resource_version=""))
    meta = replace(
        new.metadata,
        name=old_meta.name,
        namespace=old_meta.namespace,
        uid=old_meta.uid,
        creation_timestamp=old_meta.creation_timestamp,
        deletion_timestamp=old_meta.deletion_timestamp,
        deletion_grace_period_seconds=old_meta.deletion_grace_period_seconds,
        generation=old_meta.generation,
        resource_version="",
    )
    updated = replace(new, metadata=meta)
    if has_status(old):
        updated = replace(updated, status=old.status)
    if old.kind == "Namespace":
        # Only the finalize subresource changes a namespace's spec.finalizers.
        updated = replace(updated, spec=replace(updated.spec, finalizers=old.spec.finalizers))
    if old.kind in GENERATION_KINDS and updated.spec != old.spec:
        updated = replace(updated, metadata=replace(meta, generation=old_meta.generation + 1))
    return updated


def has_status(obj: Any) -> bool:
    return hasattr(obj, "status") and obj.kind not in {"Secret", "ConfigMap"}


def qos_class(pod: Any) -> str:
    """Guaranteed, Burstable or BestEffort, as pkg/apis/core/helper/qos/qos.go decides."""
    containers = [*pod.spec.containers, *pod.spec.init_containers]
    requests_seen = limits_seen = False
    guaranteed = True
    for container in containers:
        resources = container.resources
        requests = dict(resources.requests) if resources else {}
        limits = dict(resources.limits) if resources else {}
        requests_seen = requests_seen or any(not q.is_zero() for q in _compute(requests))
        limits_seen = limits_seen or any(not q.is_zero() for q in _compute(limits))
        for name in ("cpu", "memory"):
            limit = limits.get(name)
            if limit is None or limit.is_zero() or (name in requests and requests[name] != limit):
                guaranteed = False
    if not requests_seen and not limits_seen:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _compute(resources: dict[str, Quantity]) -> list[Quantity]:
    return [q for name, q in resources.items() if name in ("cpu", "memory")]
