"""Service ClusterIPs and NodePorts: kube-apiserver's allocators and the rules around them.

Role: pkg/registry/core/service/ipallocator (bitmap.go), portallocator and storage/alloc.go for a
single-stack IPv4 cluster, with the Service update rules of storage/rest.go and strategy.go.
ClusterIPs come from serviceClusterIPRange (10.96.0.0/12), node ports from serviceNodePortRange
(30000-32767). A dynamic pick is random (the run's generator) in the upper part of a range; the
lower band (calculateRangeOffset: at most 256 IPs, 128 ports) is kept for requested values and
used only once the upper part is full. A requested value is honoured if free, else 422 with
Kubernetes' message. New values are reserved before the write; values a write drops (a deleted
Service, a NodePort left by a type change) are released once that write is seen.

The real apiserver keeps its bitmaps in etcd (RangeAllocation objects, repaired every 3 minutes).
This one derives them from its watch cache instead: rebuilt from every stored Service at start,
then kept by each Service event the cache applies, plus the reservations of requests in flight.
A conflict is looked at once more against a cache caught up with etcd before it is refused.
Neighbours: `service_ranges` (the bitmaps), `service_rules` (validation and update rules),
`handlers` (create / update store through `create` / `update`, after
`prepare_update`), `server` (rebuild at start, events, the `kubernetes` Service), `cacher`.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from k8s_actors.api.fields import FieldSelector
from k8s_actors.api.labels import Selector
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.service import Service, ServicePort, ServiceSpec
from k8s_actors.api.registry import REGISTRY
from k8s_actors.api.validation.errors import invalid
from k8s_actors.components.apiserver.cacher import WatchCache
from k8s_actors.components.apiserver.context import Call, Server
from k8s_actors.components.apiserver.errors import ApiError, internal
from k8s_actors.components.apiserver.service_ranges import (
    AllocationFailed,
    IPRange,
    PortRange,
)
from k8s_actors.components.apiserver.service_rules import (
    HEADLESS,
    NODE_PORT_TYPES,
    needs_health_check,
    prepare_update,
    service_invalid,
    type_errors,
)
from k8s_actors.kernel import TraceContext
from k8s_actors.messages import Create, EtcdEvent, UserInfo

if TYPE_CHECKING:
    import random  # annotations only: the run's generator is always handed in

__all__ = [
    "SERVICE_CLUSTER_IP_RANGE",
    "SERVICE_NODE_PORT_RANGE",
    "IPRange",
    "PortRange",
    "ServiceAllocators",
    "allocators",
    "create",
    "ensure_kubernetes_service",
    "kubernetes_service",
    "observe_events",
    "prepare_update",
    "rebuild",
    "update",
]

replace = msgspec.structs.replace
SERVICES = REGISTRY.for_name("services")
# --service-cluster-ip-range and --service-node-port-range defaults (settings
# "serviceClusterIPRange" / "serviceNodePortRange" override them).
SERVICE_CLUSTER_IP_RANGE = "10.96.0.0/12"
SERVICE_NODE_PORT_RANGE = "30000-32767"


class Refused(Exception):
    """A request's allocation refused: the Status to answer, and whether the value was taken."""

    def __init__(self, error: ApiError, taken: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.taken = taken


# -- what a stored Service holds ------------------------------------------------------------------


class Holding(NamedTuple):
    """What one stored Service occupies, as of the revision that stored it."""

    revision: int
    ips: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()


def cluster_ips_of(spec: ServiceSpec) -> tuple[str, ...]:
    if spec.type == "ExternalName":
        return ()
    return tuple(ip for ip in spec.cluster_ips if ip and ip != HEADLESS)


def node_ports_of(spec: ServiceSpec) -> tuple[int, ...]:
    ports = [p.node_port for p in spec.ports if p.node_port]
    if spec.health_check_node_port:
        ports.append(spec.health_check_node_port)
    return tuple(dict.fromkeys(ports))


@dataclass
class Reservation:
    """What one request took before its write: given back unless the write is committed."""

    owner: ServiceAllocators
    key: str
    name: str
    ips: list[str] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)

    def ip(self, requested: str, requested_all: tuple[str, ...]) -> str:
        """`requested`, or any free IP when empty; refused as alloc.go allocIPs words it."""
        try:
            if requested:
                self.owner.ips.allocate(requested, self.key)
            ip = requested or self.owner.ips.allocate_next(self.owner.rng, self.key)
        except AllocationFailed as error:
            if not requested:
                raise Refused(internal(f"failed to allocate a serviceIP: {error}"), True) from None
            text = f"failed to allocate IP {requested}: {error}"
            bad = invalid("spec.clusterIPs", list(requested_all), text)
            raise Refused(service_invalid(self.name, [bad]), error.taken) from None
        self.ips.append(ip)
        return ip

    def port(self, requested: int, path: str) -> int:
        """`requested`, or any free node port when 0 (initNodePorts / updateNodePorts)."""
        try:
            if requested:
                self.owner.ports.allocate(requested, self.key)
            port = requested or self.owner.ports.allocate_next(self.owner.rng, self.key)
        except AllocationFailed as error:
            if not requested:
                raise Refused(internal(f"failed to allocate a nodePort: {error}"), True) from None
            bad = invalid(path, requested, str(error))
            raise Refused(service_invalid(self.name, [bad]), error.taken) from None
        self.ports.append(port)
        return port

    def health_check_port(self, requested: int) -> int:
        """allocHealthCheckNodePort: its failures are internal errors in Kubernetes."""
        try:
            return self.port(requested, "spec.healthCheckNodePort")
        except Refused as refused:
            if not requested:
                raise
            reason = refused.error.status.message.rsplit(": ", 1)[-1]
            text = f"failed to allocate requested HealthCheck NodePort {requested}: {reason}"
            raise Refused(internal(text), refused.taken) from None

    def revert(self) -> None:
        for ip in self.ips:
            self.owner.ips.release(ip, self.key)
        for port in self.ports:
            self.owner.ports.release(port, self.key)
        self.ips, self.ports = [], []

    def commit(self, stored: Service) -> None:
        self.owner.observe(self.key, stored, int(stored.metadata.resource_version))


class ServiceAllocators:
    """The ClusterIP and NodePort bitmaps of one apiserver, and what each Service holds."""

    def __init__(
        self,
        rng: random.Random,
        cluster_ip_range: str = SERVICE_CLUSTER_IP_RANGE,
        node_port_range: str = SERVICE_NODE_PORT_RANGE,
    ) -> None:
        self.rng = rng
        self.ips = IPRange(cluster_ip_range)
        self.ports = PortRange(node_port_range)
        self.held: dict[str, Holding] = {}

    @classmethod
    def from_settings(cls, settings: dict[str, Any], rng: random.Random) -> ServiceAllocators:
        return cls(
            rng,
            settings.get("serviceClusterIPRange", SERVICE_CLUSTER_IP_RANGE),
            settings.get("serviceNodePortRange", SERVICE_NODE_PORT_RANGE),
        )

    def observe(self, key: str, service: Service | None, revision: int) -> None:
        """A stored state of `key` (None: deleted); one older than what is known is ignored."""
        known = self.held.get(key)
        if known is not None and known.revision >= revision:
            return
        old = known or Holding(0)
        new = Holding(revision)
        if service is not None:
            new = Holding(revision, cluster_ips_of(service.spec), node_ports_of(service.spec))
        for ip in old.ips:
            if ip not in new.ips:
                self.ips.release(ip, key)
        for port in old.ports:
            if port not in new.ports:
                self.ports.release(port, key)
        for ip in new.ips:
            index = self.ips.index(ip)
            if index is not None:
                self.ips.bitmap.holders.setdefault(index, key)
        for port in new.ports:
            self.ports.bitmap.holders.setdefault(port - self.ports.base, key)
        self.held[key] = new

    def reserve(self, key: str, name: str) -> Reservation:
        return Reservation(self, key, name)


# -- allocation on create and update (storage/alloc.go) -------------------------------------------


def should_allocate_node_ports(spec: ServiceSpec) -> bool:
    if spec.type == "NodePort":
        return True
    return spec.type == "LoadBalancer" and spec.allocate_load_balancer_node_ports is not False


def allocate_create(service: Service, reservation: Reservation) -> Service:
    """allocateCreate: ClusterIPs, then NodePorts, then the health check node port."""
    spec = service.spec
    if spec.cluster_ip and not spec.cluster_ips:  # normalizeClusterIPs for older clients
        spec = replace(spec, cluster_ips=(spec.cluster_ip,))
    errors = type_errors(spec)
    if errors:
        raise Refused(service_invalid(service.metadata.name, errors), False)
    spec = _allocate_cluster_ips(spec, reservation)
    spec = _allocate_node_ports(spec, (), reservation)
    if needs_health_check(spec):
        port = reservation.health_check_port(spec.health_check_node_port)
        spec = replace(spec, health_check_node_port=port)
    return replace(service, spec=spec)


def allocate_update(new: Service, old: Service, reservation: Reservation) -> Service:
    """allocateUpdate: a ClusterIP when leaving ExternalName, NodePorts not held before, and
    a health check node port when one becomes needed."""
    spec = new.spec
    if old.spec.type == "ExternalName" and spec.type != "ExternalName":
        spec = _allocate_cluster_ips(spec, reservation)
    held = node_ports_of(old.spec)
    spec = _allocate_node_ports(spec, held, reservation)
    if needs_health_check(spec) and not needs_health_check(old.spec):
        requested = spec.health_check_node_port
        if requested not in held:
            requested = reservation.health_check_port(requested)
        spec = replace(spec, health_check_node_port=requested)
    return replace(new, spec=spec)


def _allocate_cluster_ips(spec: ServiceSpec, reservation: Reservation) -> ServiceSpec:
    if spec.type == "ExternalName" or spec.cluster_ips[:1] == (HEADLESS,):
        return spec
    requested = spec.cluster_ips[0] if spec.cluster_ips else ""
    ip = reservation.ip(requested, spec.cluster_ips)
    return replace(spec, cluster_ip=ip, cluster_ips=(ip, *spec.cluster_ips[1:]))


def _allocate_node_ports(
    spec: ServiceSpec, held: tuple[int, ...], reservation: Reservation
) -> ServiceSpec:
    """A node port per service port; ports of the same number share one (initNodePorts)."""
    if spec.type not in NODE_PORT_TYPES:
        return spec
    dynamic = should_allocate_node_ports(spec)
    by_number: dict[int, int] = {}
    ports: list[ServicePort] = []
    for i, port in enumerate(spec.ports):
        node_port = port.node_port
        if node_port:
            if node_port not in held and node_port not in reservation.ports:
                reservation.port(node_port, f"spec.ports[{i}].nodePort")
        elif dynamic:
            node_port = by_number.get(port.port) or reservation.port(0, "")
        by_number.setdefault(port.port, node_port)
        ports.append(replace(port, node_port=node_port))
    return replace(spec, ports=tuple(ports))


# -- one set of allocators per apiserver (per watch cache) ----------------------------------------

_BY_CACHE: weakref.WeakKeyDictionary[WatchCache, ServiceAllocators] = weakref.WeakKeyDictionary()


def rebuild(server: Server, settings: dict[str, Any] | None = None) -> ServiceAllocators:
    """Fresh allocators holding what every cached Service holds (start-up, re-list)."""
    fresh = ServiceAllocators.from_settings(settings or {}, server.actor.rng)
    everything = (Selector.everything(), FieldSelector.everything())
    for service in server.cache.select(SERVICES, "", *everything):
        key = SERVICES.storage_key(service.metadata.namespace, service.metadata.name)
        fresh.observe(key, service, int(service.metadata.resource_version or 0))
    _BY_CACHE[server.cache] = fresh
    return fresh


def allocators(server: Server) -> ServiceAllocators:
    found = _BY_CACHE.get(server.cache)
    return found if found is not None else rebuild(server)


def observe_events(server: Server, events: Iterable[EtcdEvent]) -> None:
    """Keep the allocators in step with the Service events the watch cache applied."""
    prefix = SERVICES.key_prefix()
    for event in events:
        kv = event.kv
        if kv.key.startswith(prefix):
            service = kv.value if event.type == "PUT" else None
            if service is None or isinstance(service, Service):
                allocators(server).observe(kv.key, service, kv.mod_revision)


# -- the write path -------------------------------------------------------------------------------


async def create(server: Server, call: Call, key: str, obj: Any) -> Any:
    """storage.create, with the Service's ClusterIPs and NodePorts allocated around it."""
    if not isinstance(obj, Service):
        return await server.storage.create(key, obj, call.span)

    def allocate(reservation: Reservation) -> Service:
        return allocate_create(obj, reservation)

    service, reservation = await _reserve(server, call, key, obj.metadata.name, allocate)
    return await _store(server, call, reservation, server.storage.create(key, service, call.span))


async def update(server: Server, call: Call, key: str, new: Any, old: Any, revision: int) -> Any:
    """storage.update, with new values reserved before; what it drops is released once seen."""
    if not isinstance(new, Service) or new.spec == old.spec:
        return await server.storage.update(key, new, revision, call.span)

    def allocate(reservation: Reservation) -> Service:
        return allocate_update(new, old, reservation)

    service, reservation = await _reserve(server, call, key, new.metadata.name, allocate)
    write = server.storage.update(key, service, revision, call.span)
    return await _store(server, call, reservation, write)


async def _reserve(
    server: Server, call: Call, key: str, name: str, allocate: Callable[[Reservation], Service]
) -> tuple[Service, Reservation]:
    for attempt in range(2):
        reservation = allocators(server).reserve(key, name)
        try:
            return allocate(reservation), reservation
        except Refused as refused:
            reservation.revert()
            if not refused.taken or attempt:
                raise refused.error from None
        # Taken as this cache sees it, perhaps released meanwhile: catch up with etcd, look again.
        await server.wait_for_revision(await server.storage.revision(call.span))
    raise AssertionError("unreachable")


async def _store(
    server: Server, call: Call, reservation: Reservation, write: Awaitable[Any]
) -> Any:
    try:
        stored = await write
    except BaseException:
        reservation.revert()
        raise
    if stored is None:
        reservation.revert()
        return None
    reservation.commit(stored)
    if reservation.ips or reservation.ports:
        server.log.info(
            "service_allocated",
            ctx=call.span,
            obj=stored,
            cluster_ips=list(reservation.ips),
            node_ports=list(reservation.ports),
        )
    return stored


# -- the bootstrap controller's `kubernetes` Service ----------------------------------------------


def kubernetes_service(cluster_ip_range: str = SERVICE_CLUSTER_IP_RANGE) -> Service:
    """pkg/controlplane/controller/kubernetesservice: the API at the range's first address."""
    ip = IPRange(cluster_ip_range).first()
    return Service(
        metadata=ObjectMeta(
            name="kubernetes",
            namespace="default",
            labels={"component": "apiserver", "provider": "kubernetes"},
        ),
        spec=ServiceSpec(
            type="ClusterIP",
            cluster_ip=ip,
            cluster_ips=(ip,),
            ports=(ServicePort(name="https", port=443, protocol="TCP", target_port=6443),),
            session_affinity="None",
        ),
    )


async def ensure_kubernetes_service(
    server: Server, handle: Callable[[Call], Awaitable[Any]], span: TraceContext
) -> None:
    """Create default/kubernetes unless it exists (as the bootstrap controller does at start)."""
    if server.cache.get(SERVICES, "default", "kubernetes") is not None:
        return
    request = Create(
        resource="services",
        namespace="default",
        body=kubernetes_service(),
        user=UserInfo(username="system:apiserver"),
    )
    try:
        await handle(Call(request=request, info=SERVICES, span=span, verb="create"))
    except ApiError as error:  # created meanwhile, or its address taken: nothing more to do
        server.log.warning("kubernetes_service_not_created", ctx=span, error=str(error))
