"""Admission control: mutating plugins, then validating plugins, in kube-apiserver's order.

Role: the admission stage of the request pipeline. Unlike authentication and authorization, one
rejecting plugin fails the request. Built-in here: DefaultTolerationSeconds (mutating: every pod
created or updated tolerates node.kubernetes.io/not-ready:NoExecute and
node.kubernetes.io/unreachable:NoExecute for 300 s unless it already tolerates them) and
NamespaceLifecycle (validating: no content in a namespace that does not exist or is terminating;
the initial namespaces cannot be deleted). More plugins (Priority, ResourceQuota, ...) plug in as
entries of `MUTATING` or `VALIDATING`. Neighbours: `handlers` (runs the chain), `watchcache`
(namespace look-ups), the taint-eviction controller (acts on the tolerations added here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from k8s_actors.api.objects.machinery import StatusCause, StatusDetails
from k8s_actors.api.objects.scheduling import Toleration
from k8s_actors.api.registry import ResourceInfo
from k8s_actors.components.apiserver.errors import ApiError, forbidden, not_found

# The namespaces the apiserver creates at start and refuses to delete
# (plugin/pkg/admission/namespace/lifecycle/admission.go: immortalNamespaces).
IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public")

# The taints the node lifecycle controller puts on failing nodes, and the seconds a pod tolerates
# them by default (--default-not-ready-toleration-seconds, --default-unreachable-...).
TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
DEFAULT_TOLERATION_SECONDS = 300


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


def _tolerates_no_execute(toleration: Toleration, key: str) -> bool:
    """Whether the toleration covers `key`:NoExecute as the plugin judges it: an empty key or
    effect counts as a wildcard (plugin/pkg/admission/defaulttolerationseconds/admission.go)."""
    return toleration.key in (key, "") and toleration.effect in ("NoExecute", "")


def default_toleration_seconds(attrs: Attributes, namespace_of: NamespaceLookup) -> Any:
    """Add the not-ready and unreachable NoExecute tolerations a pod lacks (create, update)."""
    pod = attrs.obj
    if attrs.info.kind != "Pod" or attrs.subresource:
        return pod
    tolerations = pod.spec.tolerations
    added: list[Toleration] = []
    for key in (TAINT_NOT_READY, TAINT_UNREACHABLE):
        if not any(_tolerates_no_execute(toleration, key) for toleration in tolerations):
            added.append(
                Toleration(
                    key=key,
                    operator="Exists",
                    effect="NoExecute",
                    toleration_seconds=DEFAULT_TOLERATION_SECONDS,
                )
            )
    if not added:
        return pod
    spec = msgspec.structs.replace(pod.spec, tolerations=(*tolerations, *added))
    return msgspec.structs.replace(pod, spec=spec)


MUTATING: list[tuple[str, Plugin]] = [("DefaultTolerationSeconds", default_toleration_seconds)]
VALIDATING: list[tuple[str, Plugin]] = [("NamespaceLifecycle", namespace_lifecycle)]
# The operations each plugin handles (admission.NewHandler(...)); a patch is an update. A plugin
# that does not handle a request's operation is not run for it.
HANDLES: dict[str, tuple[str, ...]] = {
    "DefaultTolerationSeconds": ("create", "update", "patch"),
}
ALL_OPERATIONS = ("create", "update", "patch", "delete", "deletecollection")


def _handles(name: str, verb: str) -> bool:
    return verb in HANDLES.get(name, ALL_OPERATIONS)


def admit(attrs: Attributes, namespace_of: NamespaceLookup) -> tuple[Any, list[str]]:
    """Run every mutating then validating plugin; the object and the plugins run."""
    ran: list[str] = []
    obj = attrs.obj
    for name, plugin in MUTATING:
        if not _handles(name, attrs.verb):
            continue
        obj = plugin(Attributes(**{**attrs.__dict__, "obj": obj}), namespace_of)
        ran.append(name)
    final = Attributes(**{**attrs.__dict__, "obj": obj})
    for name, plugin in VALIDATING:
        if not _handles(name, attrs.verb):
            continue
        plugin(final, namespace_of)
        ran.append(name)
    return obj, ran


__all__ = [
    "DEFAULT_TOLERATION_SECONDS",
    "IMMORTAL_NAMESPACES",
    "ApiError",
    "Attributes",
    "admit",
    "default_toleration_seconds",
]
