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
Neighbours: `handlers` (create / update store through `create` / `update`, after
`prepare_update`), `server` (rebuild at start, events, the `kubernetes` Service), `cacher`.
"""

from __future__ import annotations

import ipaddress
import random
import weakref
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import msgspec

from k8s_actors.api.fields import FieldSelector
from k8s_actors.api.labels import Selector
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.service import Service, ServicePort, ServiceSpec, ServiceStatus
from k8s_actors.api.registry import REGISTRY
from k8s_actors.api.validation.errors import FieldError, forbidden, invalid, invalid_status
from k8s_actors.components.apiserver.cacher import WatchCache
from k8s_actors.components.apiserver.context import Call, Server
from k8s_actors.components.apiserver.errors import ApiError, internal
from k8s_actors.kernel import TraceContext
from k8s_actors.messages import Create, EtcdEvent, UserInfo

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
HEADLESS = "None"
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")
BAD_IP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"


class AllocationFailed(Exception):
    """An allocator's refusal (the Go error text); `taken` when another holder has the value."""

    def __init__(self, reason: str, taken: bool = False) -> None:
        super().__init__(reason)
        self.taken = taken


class Refused(Exception):
    """A request's allocation refused: the Status to answer, and whether the value was taken."""

    def __init__(self, error: ApiError, taken: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.taken = taken


def range_offset(size: int, low: int, high: int, step: int) -> int:
    """calculateRangeOffset: min(max(low, size/step), high); 0 for a range of `low` or less."""
    if size <= low:
        return 0
    return min(max(low, size // step), high)


class Bitmap:
    """allocator.AllocationBitmap with the random-scan-with-offset strategy: index -> holder."""

    def __init__(self, size: int, offset: int) -> None:
        self.size = size
        self.offset = offset
        self.holders: dict[int, str] = {}

    def take(self, index: int, holder: str) -> bool:
        if index in self.holders:
            return False
        self.holders[index] = holder
        return True

    def take_next(self, rng: random.Random, holder: str) -> int | None:
        """A random free index of the upper band, else of the lower band (allocator/bitmap.go
        randomScanStrategyWithOffset: a random start, then a forward scan that wraps)."""
        if len(self.holders) >= self.size:
            return None
        for low, count in ((self.offset, self.size - self.offset), (0, self.offset)):
            if count <= 0:
                continue
            start = rng.randrange(count)
            for step in range(count):
                index = low + (start + step) % count
                if self.take(index, holder):
                    return index
        return None

    def release(self, index: int, holder: str) -> None:
        if self.holders.get(index) == holder:
            del self.holders[index]


class IPRange:
    """ipallocator.Range: every address of the CIDR but the network and broadcast ones."""

    def __init__(self, cidr: str) -> None:
        self.cidr = ipaddress.ip_network(cidr, strict=False)
        total = self.cidr.num_addresses
        size = total - 2 if self.cidr.version == 4 else min(total - 1, 65536)
        self.base = int(self.cidr.network_address) + 1
        self.bitmap = Bitmap(max(0, size), range_offset(total, 16, 256, 16))

    def first(self) -> str:
        return str(ipaddress.ip_address(self.base))

    def index(self, ip: str) -> int | None:
        address = ipaddress.ip_address(ip)
        if address not in self.cidr:
            return None
        index = int(address) - self.base
        return index if 0 <= index < self.bitmap.size else None

    def allocate(self, ip: str, holder: str) -> None:
        index = self.index(ip)
        if index is None:
            raise AllocationFailed(
                f"the provided IP ({ip}) is not in the valid range. "
                f"The range of valid IPs is {self.cidr}"
            )
        if not self.bitmap.take(index, holder):
            raise AllocationFailed("provided IP is already allocated", taken=True)

    def allocate_next(self, rng: random.Random, holder: str) -> str:
        index = self.bitmap.take_next(rng, holder)
        if index is None:
            raise AllocationFailed("range is full", taken=True)
        return str(ipaddress.ip_address(self.base + index))

    def release(self, ip: str, holder: str) -> None:
        index = self.index(ip)
        if index is not None:
            self.bitmap.release(index, holder)

    def holder(self, ip: str) -> str | None:
        index = self.index(ip)
        return None if index is None else self.bitmap.holders.get(index)


class PortRange:
    """portallocator.PortAllocator over "first-last" (both included)."""

    def __init__(self, text: str) -> None:
        first, _, last = text.partition("-")
        self.text = text
        self.base = int(first)
        size = (int(last) if last else self.base) - self.base + 1
        self.bitmap = Bitmap(size, range_offset(size, 16, 128, 32))

    def allocate(self, port: int, holder: str) -> None:
        index = port - self.base
        if not 0 <= index < self.bitmap.size:
            raise AllocationFailed(
                f"provided port is not in the valid range. The range of valid ports is {self.text}"
            )
        if not self.bitmap.take(index, holder):
            raise AllocationFailed("provided port is already allocated", taken=True)

    def allocate_next(self, rng: random.Random, holder: str) -> int:
        index = self.bitmap.take_next(rng, holder)
        if index is None:
            raise AllocationFailed("range is full", taken=True)
        return self.base + index

    def release(self, port: int, holder: str) -> None:
        self.bitmap.release(port - self.base, holder)

    def holder(self, port: int) -> str | None:
        return self.bitmap.holders.get(port - self.base)


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


def service_invalid(name: str, errors: list[FieldError]) -> ApiError:
    return ApiError(invalid_status("Service", name, errors))


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


def needs_health_check(spec: ServiceSpec) -> bool:
    """apiservice.NeedsHealthCheck: a LoadBalancer with externalTrafficPolicy Local."""
    return spec.type == "LoadBalancer" and spec.external_traffic_policy == "Local"


def type_errors(spec: ServiceSpec) -> list[FieldError]:
    """The type-dependent checks of ValidateService (pkg/apis/core/validation)."""
    errors: list[FieldError] = []
    if spec.type == "ClusterIP":
        for i, port in enumerate(spec.ports):
            if port.node_port:
                text = "may not be used when `type` is 'ClusterIP'"
                errors.append(forbidden(f"spec.ports[{i}].nodePort", text))
    if spec.type == "ExternalName" and spec.cluster_ips:
        errors.append(forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
    if spec.health_check_node_port and not needs_health_check(spec):
        text = (
            "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"
        )
        errors.append(invalid("spec.healthCheckNodePort", spec.health_check_node_port, text))
    for i, ip in enumerate(spec.cluster_ips):
        if ip != HEADLESS and not _is_ip(ip):
            errors.append(invalid(f"spec.clusterIPs[{i}]", ip, BAD_IP))
    return errors


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


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


# -- the update rules (storage/rest.go beginUpdate, strategy.go PrepareForUpdate) -----------------


def prepare_update(new: Any, old: Any, status_only: bool) -> Any:
    """Carry allocated values over, keep clusterIP and clusterIPs in step, drop what the new
    type no longer uses, then refuse what Kubernetes refuses (422)."""
    if status_only or not isinstance(new, Service):
        return new
    spec = _patch_allocated(new.spec, old.spec)
    spec = _normalize_cluster_ips(spec, old.spec)
    spec = _drop_type_dependent(spec, old.spec)
    errors = type_errors(spec) + _update_errors(spec, old.spec)
    if errors:
        raise service_invalid(new.metadata.name, errors)
    status = new.status if spec.type == "LoadBalancer" else ServiceStatus()
    return replace(new, spec=spec, status=status)


def _patch_allocated(spec: ServiceSpec, old: ServiceSpec) -> ServiceSpec:
    """patchAllocatedValues: a client resubmitting its YAML keeps what was allocated for it."""
    changes: dict[str, Any] = {}
    if old.type != "ExternalName" and spec.type != "ExternalName":
        if not spec.cluster_ip:
            changes["cluster_ip"] = old.cluster_ip
        if not spec.cluster_ips and old.cluster_ips:
            changes["cluster_ips"] = old.cluster_ips
    if old.type in NODE_PORT_TYPES and spec.type in NODE_PORT_TYPES:
        used = {p.node_port for p in old.ports} & {p.node_port for p in spec.ports}
        by_name = {p.name: p.node_port for p in old.ports}
        changes["ports"] = tuple(
            replace(p, node_port=by_name.get(p.name, 0))
            if not p.node_port and by_name.get(p.name, 0) not in used
            else p
            for p in spec.ports
        )
    if needs_health_check(old) and needs_health_check(spec) and not spec.health_check_node_port:
        changes["health_check_node_port"] = old.health_check_node_port
    return replace(spec, **changes) if changes else spec


def _normalize_cluster_ips(spec: ServiceSpec, old: ServiceSpec) -> ServiceSpec:
    """normalizeClusterIPs: the singular field written alone moves the plural one with it."""
    if old.cluster_ips and not spec.cluster_ips and old.cluster_ip == spec.cluster_ip:
        spec = replace(spec, cluster_ips=old.cluster_ips)
    if old.cluster_ip != spec.cluster_ip and spec.cluster_ips == old.cluster_ips:
        cleared = bool(old.cluster_ip) and not spec.cluster_ip
        spec = replace(spec, cluster_ips=() if cleared else (spec.cluster_ip,))
    return spec


def _drop_type_dependent(spec: ServiceSpec, old: ServiceSpec) -> ServiceSpec:
    """dropTypeDependentFields: wipe what the new type does not use, if the user left it."""
    changes: dict[str, Any] = {}
    same_ips = spec.cluster_ip == old.cluster_ip and spec.cluster_ips == old.cluster_ips
    if old.type != "ExternalName" and spec.type == "ExternalName":
        if same_ips:
            changes.update(cluster_ip="", cluster_ips=())
        if spec.ip_families == old.ip_families:
            changes["ip_families"] = ()
        if spec.ip_family_policy == old.ip_family_policy:
            changes["ip_family_policy"] = None
    old_ports = {p.node_port for p in old.ports if p.node_port}
    new_ports = {p.node_port for p in spec.ports if p.node_port}
    leaves_node_ports = old.type in NODE_PORT_TYPES and spec.type not in NODE_PORT_TYPES
    if leaves_node_ports and new_ports <= old_ports:
        changes["ports"] = tuple(replace(p, node_port=0) for p in spec.ports)
    same_hc = spec.health_check_node_port == old.health_check_node_port
    if needs_health_check(old) and not needs_health_check(spec) and same_hc:
        changes["health_check_node_port"] = 0
    same_allocate = spec.allocate_load_balancer_node_ports == old.allocate_load_balancer_node_ports
    if old.type == "LoadBalancer" and spec.type != "LoadBalancer" and same_allocate:
        changes["allocate_load_balancer_node_ports"] = None
    same_policy = spec.external_traffic_policy == old.external_traffic_policy
    if leaves_node_ports and same_policy:
        changes["external_traffic_policy"] = ""
    return replace(spec, **changes) if changes else spec


def _update_errors(spec: ServiceSpec, old: ServiceSpec) -> list[FieldError]:
    """validateUpgradeDowngradeClusterIPs (single stack) and the health check port rule."""
    errors: list[FieldError] = []
    both_local = needs_health_check(old) and needs_health_check(spec)
    if both_local and spec.health_check_node_port != old.health_check_node_port:
        text = (
            "cannot change healthCheckNodePort on loadBalancer service with "
            "externalTraffic=Local during update"
        )
        errors.append(invalid("spec.healthCheckNodePort", spec.health_check_node_port, text))
    if "ExternalName" in (spec.type, old.type):
        return errors
    if old.cluster_ips[:1] == (HEADLESS,) and spec.cluster_ips[:1] == (HEADLESS,):
        return errors
    new_ips = list(spec.cluster_ips)
    if old.cluster_ips and not new_ips:
        errors.append(invalid("spec.clusterIPs[0]", new_ips, "primary clusterIP can not be unset"))
    for i, ip in enumerate(old.cluster_ips[: len(new_ips)]):
        if ip != new_ips[i]:
            errors.append(invalid(f"spec.clusterIPs[{i}]", new_ips, "may not change once set"))
    return errors


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
