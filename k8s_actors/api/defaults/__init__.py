"""Defaulting as the API server does it before validation and storage.

Role: `default_object(obj)` returns the object with every default filled in, dispatching
on its type; one module per group of kinds (`pod`, `container`, `workloads`, `service`,
`cluster`). Kinds without defaults are returned unchanged. Neighbours: `objects` (types),
`validation` (runs after defaulting), `manifest` and the API server (callers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from msgspec.structs import replace

from k8s_actors.api.defaults.cluster import (
    default_namespace,
    default_node,
    default_priority_class,
    default_secret,
)
from k8s_actors.api.defaults.container import default_container, image_pull_policy_for
from k8s_actors.api.defaults.pod import default_pod, default_pod_spec, default_pod_template
from k8s_actors.api.defaults.service import default_endpoint_slice, default_service
from k8s_actors.api.defaults.workloads import default_deployment, default_replica_set
from k8s_actors.api.objects import (
    Deployment,
    EndpointSlice,
    List,
    Namespace,
    Node,
    Pod,
    PriorityClass,
    ReplicaSet,
    Secret,
    Service,
)

T = TypeVar("T")

_DEFAULTERS: dict[type[Any], Callable[[Any], Any]] = {
    Pod: default_pod,
    Deployment: default_deployment,
    ReplicaSet: default_replica_set,
    Service: default_service,
    EndpointSlice: default_endpoint_slice,
    Secret: default_secret,
    Namespace: default_namespace,
    Node: default_node,
    PriorityClass: default_priority_class,
}


def register_defaulter(typ: type[T], defaulter: Callable[[T], T]) -> None:
    """Add or replace the defaulter of a kind."""
    _DEFAULTERS[typ] = defaulter


def default_object(obj: T) -> T:
    """The object with the API server's defaults applied (items too, for a List)."""
    if isinstance(obj, List):
        items = tuple(default_object(item) for item in obj.items)
        return cast(T, replace(obj, items=items))
    defaulter = _DEFAULTERS.get(type(obj))
    result: T = defaulter(obj) if defaulter is not None else obj
    return result


__all__ = [
    "default_container",
    "default_object",
    "default_pod",
    "default_pod_spec",
    "default_pod_template",
    "image_pull_policy_for",
    "register_defaulter",
]
