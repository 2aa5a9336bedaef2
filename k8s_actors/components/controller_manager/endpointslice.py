"""The EndpointSlice controller: the endpoints of every Service with a selector, in slices.

Role: pkg/controller/endpointslice (endpointslice_controller.go, reconciler.go) and
staging/src/k8s.io/endpointslice/utils.go. For each Service with a selector (ExternalName
Services excepted) the pods it selects that have an IP and are not terminal become endpoints:
the pod's IPv4 address, conditions ready / serving / terminating (serving: the pod is Ready;
terminating: it has a deletionTimestamp; ready: serving and not terminating, or always with
publishNotReadyAddresses), nodeName, the zone label of the pod's node and a targetRef to the pod.
Ports come from each service port's targetPort (a number, or a container port by name; a pod
without that named port leaves it out). Endpoints with the same resolved ports share slices of at
most 100 (maxEndpointsPerSlice) named `<service>-<5 chars>`, labelled with the service name and
managed-by, owned by the Service.

Placement (reconciler.go, simplified): endpoints stay in the slice that holds them and are
updated in place; a slice left empty is deleted; new endpoints fill the slices already being
updated (fullest first), then new slices of 100; a last partial batch goes into an unchanged
slice with room for all of it (the fullest such) instead of a new slice. The real controller
also weighs topology hints and batches writes per sync; neither is modelled. Slices of a deleted
Service are deleted here (the real controller leaves them to the garbage collector, which also
works as they carry the owner reference). Writes not yet seen by the slice informer make a sync
wait for the slice event (endpointSliceTracker's stale check).
Neighbours: `base` (Controller), `podutil` (readiness), the apiserver (generateName), kube-proxy
(reads the slices).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from k8s_actors.api.labels import Selector
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Node
from k8s_actors.api.objects.common import ObjectReference
from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.service import (
    Endpoint,
    EndpointConditions,
    EndpointPort,
    EndpointSlice,
    Service,
    ServicePort,
)
from k8s_actors.client.cache import object_key, split_key
from k8s_actors.client.errors import NotFound
from k8s_actors.components.controller_manager.base import Controller, ControllerContext
from k8s_actors.components.controller_manager.controller_utils import controller_ref
from k8s_actors.components.controller_manager.podutil import is_pod_ready
from k8s_actors.kernel import TraceContext

__all__ = [
    "MAX_ENDPOINTS_PER_SLICE",
    "EndpointSliceController",
    "SlicePlan",
    "desired_endpoints",
    "find_port",
    "plan_slices",
    "pod_to_endpoint",
]

replace = msgspec.structs.replace

MAX_ENDPOINTS_PER_SLICE = 100  # --max-endpoints-per-slice
LABEL_SERVICE_NAME = "kubernetes.io/service-name"
LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.k8s.io"
LABEL_HEADLESS = "service.kubernetes.io/headless"
LABEL_ZONE = "topology.kubernetes.io/zone"
RESERVED_LABELS = (LABEL_SERVICE_NAME, LABEL_MANAGED_BY, LABEL_HEADLESS)
STALE_RECHECK_SECONDS = 1.0

PortKey = tuple[EndpointPort, ...]


# -- pure core ------------------------------------------------------------------------------------


def should_pod_be_in_endpoints(pod: Pod) -> bool:
    """ShouldPodBeInEndpoints(pod, includeTerminating=true): not terminal, and has an IP."""
    if pod.status.phase in ("Succeeded", "Failed"):
        return False
    return bool(pod.status.pod_ip or pod.status.pod_ips)


def find_port(pod: Pod, port: ServicePort) -> int | None:
    """podutil.FindPort: a number as is, a name through the containers' ports (same protocol)."""
    target = port.target_port
    if isinstance(target, int):
        return target or port.port
    for container in pod.spec.containers:
        for container_port in container.ports:
            protocol = container_port.protocol or "TCP"
            if container_port.name == target and protocol == (port.protocol or "TCP"):
                return container_port.container_port
    return None


def endpoint_ports(service: Service, pod: Pod) -> PortKey:
    ports = []
    for port in service.spec.ports:
        number = find_port(pod, port)
        if number is None:
            continue  # the real controller logs and leaves the port out for this pod
        ports.append(
            EndpointPort(
                name=port.name,
                protocol=port.protocol or "TCP",
                port=number,
                app_protocol=port.app_protocol,
            )
        )
    return tuple(ports)


def pod_address(pod: Pod) -> str:
    """The pod's first IPv4 address (getEndpointAddresses for addressType IPv4)."""
    for pod_ip in pod.status.pod_ips:
        if ":" not in pod_ip.ip:
            return pod_ip.ip
    return pod.status.pod_ip


def pod_to_endpoint(
    pod: Pod, node: Node | None, service: Service, mutants: Sequence[str] = ()
) -> Endpoint:
    """podToEndpoint (staging/src/k8s.io/endpointslice/utils.go)."""
    serving = is_pod_ready(pod) or "endpointsIncludeNotReady" in mutants  # mutant: always
    terminating = pod.metadata.deletion_timestamp is not None
    # Never ready while terminating, unless the service publishes not-ready addresses.
    ready = service.spec.publish_not_ready_addresses or (serving and not terminating)
    zone = node.metadata.labels.get(LABEL_ZONE) if node is not None else None
    meta = pod.metadata
    hostname = None
    if pod.spec.hostname and pod.spec.subdomain == service.metadata.name:
        hostname = pod.spec.hostname  # ShouldSetHostname
    return Endpoint(
        addresses=(pod_address(pod),),
        conditions=EndpointConditions(ready=ready, serving=serving, terminating=terminating),
        hostname=hostname,
        target_ref=ObjectReference(
            kind="Pod", namespace=meta.namespace, name=meta.name, uid=meta.uid
        ),
        node_name=pod.spec.node_name or None,
        zone=zone or None,
    )


def desired_endpoints(
    service: Service,
    pods: list[Pod],
    node_of: Callable[[str], Node | None],
    mutants: Sequence[str] = (),
) -> dict[PortKey, list[Endpoint]]:
    """The endpoints the Service should have, grouped by their resolved ports."""
    groups: dict[PortKey, list[Endpoint]] = {}
    for pod in sorted(pods, key=object_key):
        if not should_pod_be_in_endpoints(pod):
            continue
        node = node_of(pod.spec.node_name) if pod.spec.node_name else None
        endpoint = pod_to_endpoint(pod, node, service, mutants)
        groups.setdefault(endpoint_ports(service, pod), []).append(endpoint)
    return groups


def slice_labels(service: Service) -> dict[str, str]:
    """setEndpointSliceLabels: the Service's labels, then the reserved ones."""
    labels = {k: v for k, v in service.metadata.labels.items() if k not in RESERVED_LABELS}
    labels[LABEL_SERVICE_NAME] = service.metadata.name
    labels[LABEL_MANAGED_BY] = MANAGED_BY
    if service.spec.cluster_ip in ("", "None"):
        labels[LABEL_HEADLESS] = ""
    return labels


def new_slice(service: Service, ports: PortKey, endpoints: list[Endpoint]) -> EndpointSlice:
    meta = service.metadata
    return EndpointSlice(
        metadata=ObjectMeta(
            generate_name=f"{meta.name}-",
            namespace=meta.namespace,
            labels=slice_labels(service),
            owner_references=(controller_ref(service),),
        ),
        address_type="IPv4",
        endpoints=tuple(endpoints),
        ports=ports,
    )


@dataclass
class SlicePlan:
    """The writes of one sync: slices to create, to update (full new state) and to delete."""

    create: list[EndpointSlice] = field(default_factory=list)
    update: list[EndpointSlice] = field(default_factory=list)
    delete: list[EndpointSlice] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.create or self.update or self.delete)


def _owned_by(slice_: EndpointSlice, service: Service) -> bool:
    return any(ref.uid == service.metadata.uid for ref in slice_.metadata.owner_references)


def plan_slices(
    service: Service,
    existing: list[EndpointSlice],
    desired: dict[PortKey, list[Endpoint]],
    max_per_slice: int = MAX_ENDPOINTS_PER_SLICE,
) -> SlicePlan:
    """reconciler.go reconcileByPortMapping, simplified (see the module docstring)."""
    plan = SlicePlan()
    labels = slice_labels(service)
    by_ports: dict[PortKey, list[EndpointSlice]] = {}
    for slice_ in sorted(existing, key=lambda s: s.metadata.name):
        stale = slice_.address_type != "IPv4" or not _owned_by(slice_, service)
        if stale or slice_.ports not in desired:
            plan.delete.append(slice_)
        else:
            by_ports.setdefault(slice_.ports, []).append(slice_)
    for ports, endpoints in desired.items():
        _plan_group(service, ports, endpoints, by_ports.get(ports, []), labels, max_per_slice, plan)
    return plan


def _plan_group(
    service: Service,
    ports: PortKey,
    endpoints: list[Endpoint],
    slices: list[EndpointSlice],
    labels: dict[str, str],
    max_per_slice: int,
    plan: SlicePlan,
) -> None:
    wanted = {endpoint.addresses: endpoint for endpoint in endpoints}
    changed: list[EndpointSlice] = []
    unchanged: list[EndpointSlice] = []
    for slice_ in slices:
        kept = [wanted.pop(e.addresses) for e in slice_.endpoints if e.addresses in wanted]
        if not kept:
            plan.delete.append(slice_)
            continue
        updated = replace(
            slice_, endpoints=tuple(kept), metadata=replace(slice_.metadata, labels=labels)
        )
        (unchanged if updated == slice_ else changed).append(updated)
    left = list(wanted.values())
    for slice_ in sorted(changed, key=lambda s: -len(s.endpoints)):
        room = max_per_slice - len(slice_.endpoints)
        taken, left = left[: max(0, room)], left[max(0, room) :]
        plan.update.append(replace(slice_, endpoints=slice_.endpoints + tuple(taken)))
    while len(left) >= max_per_slice:
        plan.create.append(new_slice(service, ports, left[:max_per_slice]))
        left = left[max_per_slice:]
    if left:
        fits = [s for s in unchanged if max_per_slice - len(s.endpoints) >= len(left)]
        if fits:
            target = max(fits, key=lambda s: len(s.endpoints))
            plan.update.append(replace(target, endpoints=target.endpoints + tuple(left)))
        else:
            plan.create.append(new_slice(service, ports, left))


# -- the controller -------------------------------------------------------------------------------


def _endpoint_view(pod: Pod) -> tuple[Any, ...]:
    """What of a pod shows in its endpoint (podEndpointsChanged compares these)."""
    return (
        pod.status.pod_ip,
        pod.status.pod_ips,
        pod.status.phase,
        is_pod_ready(pod),
        pod.metadata.deletion_timestamp is not None,
        pod.spec.node_name,
        pod.spec.hostname,
        pod.spec.subdomain,
        pod.metadata.labels,
    )


class EndpointSliceController(Controller):
    name = "endpointslice-controller"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.services = ctx.informers.informer(Service)
        self.pods = ctx.informers.informer(Pod)
        self.nodes = ctx.informers.informer(Node)
        self.slices = ctx.informers.informer(EndpointSlice)
        self.max_per_slice = int(ctx.settings.get("maxEndpointsPerSlice", MAX_ENDPOINTS_PER_SLICE))
        # Slices this controller wrote, per service key: name -> resourceVersion (None: deleted).
        self.written: dict[str, dict[str, str | None]] = {}

    def setup(self) -> None:
        self.services.add_handler(self._on_service, self._on_service_update, self._on_service)
        self.pods.add_handler(self._on_pod, self._on_pod_update, self._on_pod)
        self.nodes.add_handler()
        self.slices.add_handler(self._on_slice, self._on_slice_update, self._on_slice)

    # -- events -------------------------------------------------------------------------------

    def _on_service(self, service: Service, span: TraceContext | None) -> None:
        self.enqueue(service, span)

    def _on_service_update(self, old: Service, new: Service, span: TraceContext | None) -> None:
        self.enqueue(new, span)

    def _services_of(self, pod: Pod) -> list[Service]:
        found = []
        for service in self.services.lister.list(pod.metadata.namespace):
            selector = service.spec.selector
            if selector and Selector.from_set(selector).matches(pod.metadata.labels):
                found.append(service)
        return found

    def _on_pod(self, pod: Pod, span: TraceContext | None) -> None:
        for service in self._services_of(pod):
            self.enqueue(service, span)

    def _on_pod_update(self, old: Pod, new: Pod, span: TraceContext | None) -> None:
        if _endpoint_view(old) == _endpoint_view(new):
            return
        keys = {object_key(s): None for s in self._services_of(new)}
        if old.metadata.labels != new.metadata.labels:
            keys.update({object_key(s): None for s in self._services_of(old)})
        for key in keys:
            self.enqueue_key(key, span)

    def _on_slice(self, slice_: EndpointSlice, span: TraceContext | None) -> None:
        labels = slice_.metadata.labels
        service = labels.get(LABEL_SERVICE_NAME)
        if labels.get(LABEL_MANAGED_BY) == MANAGED_BY and service:
            self.enqueue_key(f"{slice_.metadata.namespace}/{service}", span)

    def _on_slice_update(
        self, old: EndpointSlice, new: EndpointSlice, span: TraceContext | None
    ) -> None:
        self._on_slice(new, span)

    # -- sync ---------------------------------------------------------------------------------

    def _managed(self, namespace: str, name: str) -> list[EndpointSlice]:
        selector = Selector.from_set({LABEL_SERVICE_NAME: name, LABEL_MANAGED_BY: MANAGED_BY})
        found: list[EndpointSlice] = self.slices.lister.list(namespace, selector)
        return found

    def _cache_is_stale(self, key: str, slices: list[EndpointSlice]) -> bool:
        written = self.written.get(key, {})
        cached = {s.metadata.name: s.metadata.resource_version for s in slices}
        for name, version in written.items():
            seen = cached.get(name)
            if version is None and seen is not None:
                return True
            if version is not None and (seen is None or int(seen) < int(version)):
                return True
        self.written.pop(key, None)
        return False

    async def sync(self, key: str, span: TraceContext) -> None:
        namespace, name = split_key(key)
        slices = self._managed(namespace, name)
        if self._cache_is_stale(key, slices):
            # Our own writes are not in the informer yet; their events will queue us again.
            self.enqueue_after(key, STALE_RECHECK_SECONDS)
            return
        service: Service | None = self.services.lister.get(namespace, name)
        total = 0
        if service is None or service.spec.type == "ExternalName":
            plan = SlicePlan(delete=slices)
        elif not service.spec.selector:
            return  # slices of selectorless Services are written by their users
        else:
            pods = self.pods.lister.list(namespace, Selector.from_set(service.spec.selector))
            desired = desired_endpoints(
                service,
                pods,
                lambda n: self.nodes.lister.get("", n),
                self.ctx.settings.get("mutants", ()),
            )
            plan = plan_slices(service, slices, desired, self.max_per_slice)
            total = sum(len(endpoints) for endpoints in desired.values())
        if not plan.empty:
            await self._apply(key, plan, total, span)

    async def _apply(self, key: str, plan: SlicePlan, total: int, span: TraceContext) -> None:
        written = self.written.setdefault(key, {})
        created, updated, deleted = [], [], []
        for slice_ in plan.create:
            stored = await self.api.create(slice_, span=span)
            written[stored.metadata.name] = stored.metadata.resource_version
            created.append(stored.metadata.name)
        for slice_ in plan.update:
            stored = await self.api.update(slice_, span=span)
            written[stored.metadata.name] = stored.metadata.resource_version
            updated.append(stored.metadata.name)
        for slice_ in plan.delete:
            meta = slice_.metadata
            with contextlib.suppress(NotFound):  # the garbage collector got there first
                await self.api.delete(EndpointSlice, meta.namespace, meta.name, span=span)
            written[meta.name] = None
            deleted.append(meta.name)
        self.log.info(
            "endpointslices_reconciled",
            ctx=span,
            service=key,
            created=created,
            updated=updated,
            deleted=deleted,
            endpoints=total,
        )
