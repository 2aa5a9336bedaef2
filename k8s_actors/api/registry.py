"""The kind registry: which group/version/kind lives under which resource name and storage key.

Role: one `ResourceInfo` per resource (group, version, kind, plural, singular, short names,
scope, struct type, subresources, etcd key prefix) with the look-ups the API server (REST
paths, storage keys), kubectl (`get deploy`, `api-resources`) and the codec (decode by
apiVersion+kind) need. Adding a kind is one line in `_BUILTIN`. Neighbours: `objects` (the
types), `codec` (dispatch), `components.apiserver` (REST and storage).
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from k8s_actors.api.objects import (
    Binding,
    ConfigMap,
    DeleteOptions,
    Deployment,
    EndpointSlice,
    Event,
    Eviction,
    Lease,
    List,
    Namespace,
    Node,
    Pod,
    PriorityClass,
    ReplicaSet,
    Scale,
    Secret,
    Service,
    ServiceAccount,
    Status,
)
from k8s_actors.api.objects.ingress import Ingress

STANDARD_VERBS: tuple[str, ...] = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)


class ResourceInfo(msgspec.Struct, frozen=True, kw_only=True):
    """Everything known about one REST resource of the API."""

    group: str
    version: str
    kind: str
    resource: str
    singular: str
    namespaced: bool
    struct_type: type[msgspec.Struct]
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = STANDARD_VERBS
    storage_prefix: str = ""

    @property
    def api_version(self) -> str:
        """ "v1" for the core group, "group/version" otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified_kind(self) -> str:
        """Kind.group as in Kubernetes error messages ("Deployment.apps", "Pod")."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def qualified_resource(self) -> str:
        """resource.group as in NotFound messages ("deployments.apps", "pods")."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    def key_prefix(self) -> str:
        """The etcd prefix of every object of this resource, e.g. "/registry/pods/"."""
        return f"/registry/{self.storage_prefix or self.resource}/"

    def storage_key(self, namespace: str, name: str) -> str:
        """`/registry/pods/<ns>/<name>`, or `/registry/nodes-like/<name>` when cluster-scoped."""
        if self.namespaced:
            return f"{self.key_prefix()}{namespace}/{name}"
        return f"{self.key_prefix()}{name}"


def _info(
    api_version: str,
    kind: str,
    resource: str,
    namespaced: bool,
    struct_type: type[msgspec.Struct],
    *,
    short_names: tuple[str, ...] = (),
    subresources: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    storage_prefix: str = "",
) -> ResourceInfo:
    group, _, version = api_version.rpartition("/")
    return ResourceInfo(
        group=group,
        version=version,
        kind=kind,
        resource=resource,
        singular=kind.lower(),
        namespaced=namespaced,
        struct_type=struct_type,
        short_names=short_names,
        subresources=subresources,
        categories=categories,
        storage_prefix=storage_prefix,
    )


_ALL = ("all",)

# Storage prefixes follow kube-apiserver's etcd layout (pkg/registry/*/storage): nodes are
# "minions" and services "services/specs" for historical reasons.
_BUILTIN: tuple[ResourceInfo, ...] = (
    _info("v1", "Pod", "pods", True, Pod, short_names=("po",), categories=_ALL,
          subresources=("status", "binding", "eviction", "log")),
    _info("v1", "Service", "services", True, Service, short_names=("svc",), categories=_ALL,
          subresources=("status",), storage_prefix="services/specs"),
    _info("v1", "ConfigMap", "configmaps", True, ConfigMap, short_names=("cm",)),
    _info("v1", "Secret", "secrets", True, Secret),
    _info("v1", "ServiceAccount", "serviceaccounts", True, ServiceAccount, short_names=("sa",)),
    _info("v1", "Event", "events", True, Event, short_names=("ev",)),
    _info("v1", "Namespace", "namespaces", False, Namespace, short_names=("ns",),
          subresources=("status", "finalize")),
    _info("v1", "Node", "nodes", False, Node, short_names=("no",), subresources=("status",),
          storage_prefix="minions"),
    _info("apps/v1", "Deployment", "deployments", True, Deployment, short_names=("deploy",),
          categories=_ALL, subresources=("status", "scale")),
    _info("apps/v1", "ReplicaSet", "replicasets", True, ReplicaSet, short_names=("rs",),
          categories=_ALL, subresources=("status", "scale")),
    _info("discovery.k8s.io/v1", "EndpointSlice", "endpointslices", True, EndpointSlice),
    _info("networking.k8s.io/v1", "Ingress", "ingresses", True, Ingress, short_names=("ing",),
          subresources=("status",)),
    _info("coordination.k8s.io/v1", "Lease", "leases", True, Lease),
    _info("scheduling.k8s.io/v1", "PriorityClass", "priorityclasses", False, PriorityClass,
          short_names=("pc",)),
)  # fmt: skip

# Kinds that travel on the API but are not stored resources (subresource bodies, errors, lists).
_NON_RESOURCE_KINDS: tuple[tuple[str, str, type[msgspec.Struct]], ...] = (
    ("v1", "Binding", Binding),
    ("policy/v1", "Eviction", Eviction),
    ("autoscaling/v1", "Scale", Scale),
    ("v1", "Status", Status),
    ("v1", "DeleteOptions", DeleteOptions),
    ("v1", "List", List),
)


class UnknownKindError(LookupError):
    """No kind or resource of that name is registered."""


class Registry:
    """Look-ups over registered resources; built once, extended with `register`."""

    def __init__(self, infos: Iterable[ResourceInfo] = ()) -> None:
        self._by_kind: dict[tuple[str, str], ResourceInfo] = {}
        self._by_name: dict[str, ResourceInfo] = {}
        self._types: dict[tuple[str, str], type[msgspec.Struct]] = {}
        self._infos: list[ResourceInfo] = []
        for info in infos:
            self.register(info)

    def register(self, info: ResourceInfo) -> None:
        """Add a resource; its plural, singular, short names and `plural.group` become names."""
        self._infos.append(info)
        self._by_kind[(info.api_version, info.kind)] = info
        self._types[(info.api_version, info.kind)] = info.struct_type
        names = [info.resource, info.singular, *info.short_names]
        if info.group:
            names.append(f"{info.resource}.{info.group}")
        for name in names:
            self._by_name.setdefault(name, info)

    def register_kind(self, api_version: str, kind: str, typ: type[msgspec.Struct]) -> None:
        """Add a decodable kind that is not a stored resource (Binding, Status, ...)."""
        self._types[(api_version, kind)] = typ

    def for_kind(self, api_version: str, kind: str) -> ResourceInfo:
        """The resource of an apiVersion/kind pair, e.g. ("apps/v1", "Deployment")."""
        try:
            return self._by_kind[(api_version, kind)]
        except KeyError:
            raise UnknownKindError(
                f'no matches for kind "{kind}" in version "{api_version}"'
            ) from None

    def for_name(self, name: str) -> ResourceInfo:
        """kubectl-style look-up: plural, singular, short name or `plural.group`."""
        try:
            return self._by_name[name.lower()]
        except KeyError:
            raise UnknownKindError(f'the server doesn\'t have a resource type "{name}"') from None

    def for_object(self, obj: msgspec.Struct) -> ResourceInfo:
        """The resource an object belongs to, by its apiVersion and kind fields."""
        return self.for_kind(getattr(obj, "api_version", ""), getattr(obj, "kind", ""))

    def type_for(self, api_version: str, kind: str) -> type[msgspec.Struct] | None:
        """The struct type of any known kind, resource or not; None when unknown."""
        return self._types.get((api_version, kind))

    def kinds(self) -> list[tuple[str, str]]:
        """Every decodable (apiVersion, kind), sorted."""
        return sorted(self._types)

    def api_resources(self) -> list[ResourceInfo]:
        """Discovery listing as `kubectl api-resources` shows it: by group, then name."""
        return sorted(self._infos, key=lambda info: (info.group, info.resource))


def _default_registry() -> Registry:
    registry = Registry(_BUILTIN)
    for api_version, kind, typ in _NON_RESOURCE_KINDS:
        registry.register_kind(api_version, kind, typ)
    return registry


REGISTRY = _default_registry()
"""The registry of every built-in kind."""
