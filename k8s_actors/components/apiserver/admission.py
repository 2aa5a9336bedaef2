"""Admission control: mutating plugins, then validating plugins, in kube-apiserver's order.

Role: the admission stage of the request pipeline. Unlike authentication and authorization, one
rejecting plugin fails the request. Built-in here: NamespaceLifecycle (no content in a namespace
that does not exist or is terminating; the initial namespaces cannot be deleted). More plugins
(DefaultTolerationSeconds, Priority, ResourceQuota, ...) plug in as entries of `MUTATING` or
`VALIDATING`. Neighbours: `handlers` (runs the chain), `watchcache` (namespace look-ups).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from k8s_actors.api.objects.machinery import StatusCause, StatusDetails
from k8s_actors.api.registry import ResourceInfo
from k8s_actors.components.apiserver.errors import ApiError, forbidden, not_found

# The namespaces the apiserver creates at start and refuses to delete
# (plugin/pkg/admission/namespace/lifecycle/admission.go: immortalNamespaces).
IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public")


@dataclass(frozen=True)
class Attributes:
    """What a plugin sees of a request."""

    verb: str
    info: ResourceInfo
    namespace: str
    name: str
    subresource: str
    obj: Any
    old: Any


NamespaceLookup = Callable[[str], Any]
Plugin = Callable[[Attributes, NamespaceLookup], Any]


def namespace_lifecycle(attrs: Attributes, namespace_of: NamespaceLookup) -> Any:
    if attrs.info.kind == "Namespace":
        if attrs.verb == "delete" and attrs.name in IMMORTAL_NAMESPACES:
            raise forbidden("namespaces", "", attrs.name, "this namespace may not be deleted")
        return attrs.obj
    if not attrs.info.namespaced or attrs.verb != "create":
        return attrs.obj
    namespace = namespace_of(attrs.namespace)
    if namespace is None:
        raise not_found("namespaces", "", attrs.namespace)
    # Subresources such as bindings and evictions stay allowed while a namespace terminates.
    if namespace.metadata.deletion_timestamp is not None and not attrs.subresource:
        error = forbidden(
            attrs.info.resource,
            attrs.info.group,
            attrs.name,
            f"unable to create new content in namespace {attrs.namespace} "
            "because it is being terminated",
        )
        # Controllers recognise this cause and stay quiet (lifecycle/admission.go).
        cause = StatusCause(
            reason="NamespaceTerminating",
            message=f"namespace {attrs.namespace} is being terminated",
            field="metadata.namespace",
        )
        details = error.status.details or StatusDetails()
        details = msgspec.structs.replace(details, causes=(*details.causes, cause))
        raise ApiError(msgspec.structs.replace(error.status, details=details))
    return attrs.obj


MUTATING: list[tuple[str, Plugin]] = []
VALIDATING: list[tuple[str, Plugin]] = [("NamespaceLifecycle", namespace_lifecycle)]


def admit(attrs: Attributes, namespace_of: NamespaceLookup) -> tuple[Any, list[str]]:
    """Run every mutating then validating plugin; the object and the plugins run."""
    ran: list[str] = []
    obj = attrs.obj
    for name, plugin in MUTATING:
        obj = plugin(Attributes(**{**attrs.__dict__, "obj": obj}), namespace_of)
        ran.append(name)
    final = Attributes(**{**attrs.__dict__, "obj": obj})
    for name, plugin in VALIDATING:
        plugin(final, namespace_of)
        ran.append(name)
    return obj, ran


__all__ = ["IMMORTAL_NAMESPACES", "ApiError", "Attributes", "admit"]
