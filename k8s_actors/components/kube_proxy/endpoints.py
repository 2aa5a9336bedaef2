"""A service port's endpoints as kube-proxy sees them, and the ones a node may use.

Role: turn a Service and its EndpointSlices into `ServicePortInfo`s (one per service port, with
its endpoints in address order) and decide, for one node, which endpoints the Cluster and Local
traffic policies use. `categorize` follows pkg/proxy/topology.go CategorizeEndpoints: Ready
endpoints, or when none is Ready anywhere the Serving-and-Terminating ones (for Cluster and
Local independently); Local means endpoints whose nodeName is the node. Topology hints are not
simulated. Pure functions. Neighbours: `rules` (builds the table from these), `agent`.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from k8s_actors.api.objects.service import EndpointSlice, Service, ServicePort

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
DEFAULT_AFFINITY_TIMEOUT = 10800  # core/v1 DefaultClientIPServiceAffinitySeconds (3 hours)


class ProxyEndpoint(msgspec.Struct, frozen=True, kw_only=True):
    """One address:port behind a service port, with the conditions consumers read."""

    ip: str
    port: int
    node: str = ""
    pod: str = ""
    ready: bool = True
    serving: bool = True
    terminating: bool = False

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"


class ServicePortInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One port of one service: what its rules are built from."""

    service: str  # namespace/name
    port_name: str
    protocol: str
    cluster_ip: str
    port: int
    node_port: int = 0
    external_ips: tuple[str, ...] = ()
    internal_local: bool = False
    external_local: bool = False
    affinity_timeout: int = 0  # seconds; 0: no ClientIP affinity
    endpoints: tuple[ProxyEndpoint, ...] = ()

    @property
    def name(self) -> str:
        """The ServicePortName kube-proxy hashes: "ns/name" or "ns/name:port-name"."""
        return f"{self.service}:{self.port_name}" if self.port_name else self.service

    @property
    def externally_accessible(self) -> bool:
        return self.node_port > 0 or bool(self.external_ips)


class Categorized(msgspec.Struct, frozen=True, kw_only=True):
    cluster: tuple[ProxyEndpoint, ...] = ()
    local: tuple[ProxyEndpoint, ...] = ()
    has_any: bool = False


def service_ports(service: Service, slices: Iterable[EndpointSlice]) -> list[ServicePortInfo]:
    """The proxied ports of `service` (none for headless or ExternalName services)."""
    spec = service.spec
    if spec.type == "ExternalName" or not spec.cluster_ip or spec.cluster_ip == "None":
        return []
    key = f"{service.metadata.namespace}/{service.metadata.name}"
    slices = list(slices)
    timeout = _affinity_timeout(service)
    return [
        ServicePortInfo(
            service=key,
            port_name=port.name,
            protocol=port.protocol or "TCP",
            cluster_ip=spec.cluster_ip,
            port=port.port,
            node_port=port.node_port if spec.type in ("NodePort", "LoadBalancer") else 0,
            external_ips=spec.external_ips,
            internal_local=spec.internal_traffic_policy == "Local",
            external_local=spec.external_traffic_policy == "Local",
            affinity_timeout=timeout,
            endpoints=endpoints_for_port(port, slices),
        )
        for port in spec.ports
    ]


def _affinity_timeout(service: Service) -> int:
    if service.spec.session_affinity != "ClientIP":
        return 0
    config = service.spec.session_affinity_config
    client_ip = config.client_ip if config is not None else None
    if client_ip is not None and client_ip.timeout_seconds is not None:
        return client_ip.timeout_seconds
    return DEFAULT_AFFINITY_TIMEOUT


def endpoints_for_port(port: ServicePort, slices: list[EndpointSlice]) -> tuple[ProxyEndpoint, ...]:
    """Every endpoint of the slices serving this port (matched by port name), sorted by address.

    Conditions: ready unset counts as ready, serving unset as ready, terminating unset as false
    (discovery/v1 EndpointConditions)."""
    protocol = port.protocol or "TCP"
    found: dict[str, ProxyEndpoint] = {}
    for endpoint_slice in slices:
        if endpoint_slice.address_type not in ("IPv4", ""):
            continue
        number = _slice_port(endpoint_slice, port.name, protocol)
        if number is None:
            continue
        for endpoint in endpoint_slice.endpoints:
            conditions = endpoint.conditions
            ready = conditions.ready is not False
            serving = conditions.serving if conditions.serving is not None else ready
            pod = ""
            ref = endpoint.target_ref
            if ref is not None and ref.kind == "Pod":
                pod = f"{ref.namespace or endpoint_slice.metadata.namespace}/{ref.name}"
            for ip in endpoint.addresses[:1]:
                entry = ProxyEndpoint(
                    ip=ip,
                    port=number,
                    node=endpoint.node_name or "",
                    pod=pod,
                    ready=ready,
                    serving=serving,
                    terminating=conditions.terminating is True,
                )
                found.setdefault(entry.address, entry)
    return tuple(found[address] for address in sorted(found, key=_address_order))


def _slice_port(endpoint_slice: EndpointSlice, name: str, protocol: str) -> int | None:
    for port in endpoint_slice.ports:
        if (port.name or "") == name and (port.protocol or "TCP") == protocol:
            return port.port
    return None


def _address_order(address: str) -> tuple[int, ...]:
    ip, _, port = address.rpartition(":")
    return (*(int(part) for part in ip.split(".")), int(port))


def categorize(info: ServicePortInfo, node: str, *, external: bool) -> Categorized:
    """The endpoints this node's rules use for the port (pkg/proxy/topology.go).

    Traffic policy: `external` traffic (NodePort, external IPs) follows externalTrafficPolicy,
    the rest internalTrafficPolicy. Cluster uses every Ready endpoint, falling back to the
    Serving-and-Terminating ones when none is Ready; Local uses this node's Ready endpoints,
    falling back to its Serving-and-Terminating ones. `has_any` is whether the service has a
    usable endpoint anywhere (a Local policy without local endpoints then drops, it does not
    reject)."""
    endpoints = info.endpoints
    local_policy = info.external_local if external else info.internal_local
    ready = tuple(ep for ep in endpoints if ep.ready)
    terminating = tuple(ep for ep in endpoints if not ep.ready and ep.serving and ep.terminating)
    has_any = bool(ready or terminating)
    if not local_policy:
        return Categorized(cluster=ready or terminating, has_any=has_any)
    local_ready = tuple(ep for ep in ready if ep.node == node)
    local_terminating = tuple(ep for ep in terminating if ep.node == node)
    return Categorized(local=local_ready or local_terminating, has_any=has_any)
