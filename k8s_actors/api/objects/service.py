"""Service (core/v1) and EndpointSlice (discovery.k8s.io/v1): how traffic finds pods.

Role: the virtual IP and ports of a set of pods, and the slices of ready endpoints behind
it that kube-proxy programs. Neighbours: `common` (ObjectReference, IntOrString),
`defaults.service`, `validation.service`.
"""

from __future__ import annotations

import msgspec

from k8s_actors.api.meta import Model, ObjectMeta
from k8s_actors.api.objects.common import IntOrString, ObjectReference, fixed


class ServicePort(Model, frozen=True):
    """port on the service IP, forwarded to targetPort (number or named container port)."""

    port: int = 0
    name: str = ""
    protocol: str = ""
    app_protocol: str | None = None
    target_port: IntOrString = 0
    node_port: int = 0


class ClientIPConfig(Model, frozen=True):
    timeout_seconds: int | None = None


class SessionAffinityConfig(Model, frozen=True):
    client_ip: ClientIPConfig | None = msgspec.field(default=None, name="clientIP")


class ServiceSpec(Model, frozen=True):
    """core/v1 ServiceSpec; type ClusterIP, NodePort, LoadBalancer or ExternalName."""

    type: str = ""
    selector: dict[str, str] = msgspec.field(default_factory=dict)
    ports: tuple[ServicePort, ...] = ()
    cluster_ip: str = msgspec.field(default="", name="clusterIP")
    cluster_ips: tuple[str, ...] = msgspec.field(default=(), name="clusterIPs")
    external_ips: tuple[str, ...] = msgspec.field(default=(), name="externalIPs")
    external_name: str = ""
    session_affinity: str = ""
    session_affinity_config: SessionAffinityConfig | None = None
    external_traffic_policy: str = ""
    internal_traffic_policy: str | None = None
    health_check_node_port: int = 0
    load_balancer_ip: str = msgspec.field(default="", name="loadBalancerIP")
    load_balancer_source_ranges: tuple[str, ...] = ()
    load_balancer_class: str | None = None
    allocate_load_balancer_node_ports: bool | None = None
    publish_not_ready_addresses: bool = False
    ip_families: tuple[str, ...] = ()
    ip_family_policy: str | None = None


class PortStatus(Model, frozen=True):
    port: int
    protocol: str
    error: str | None = None


class LoadBalancerIngress(Model, frozen=True):
    ip: str = ""
    hostname: str = ""
    ip_mode: str | None = None
    ports: tuple[PortStatus, ...] = ()


class LoadBalancerStatus(Model, frozen=True):
    ingress: tuple[LoadBalancerIngress, ...] = ()


class ServiceStatus(Model, frozen=True):
    load_balancer: LoadBalancerStatus = msgspec.field(default_factory=LoadBalancerStatus)


class Service(Model, frozen=True):
    """core/v1 Service."""

    api_version: str = fixed("v1")
    kind: str = fixed("Service")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: ServiceSpec = msgspec.field(default_factory=ServiceSpec)
    status: ServiceStatus = msgspec.field(default_factory=ServiceStatus)


class EndpointConditions(Model, frozen=True):
    """ready / serving / terminating; nil means unknown (treated as ready by consumers)."""

    ready: bool | None = None
    serving: bool | None = None
    terminating: bool | None = None


class EndpointHints(Model, frozen=True):
    for_zones: tuple[dict[str, str], ...] = ()


class Endpoint(Model, frozen=True):
    addresses: tuple[str, ...]
    conditions: EndpointConditions = msgspec.field(default_factory=EndpointConditions)
    hostname: str | None = None
    target_ref: ObjectReference | None = None
    node_name: str | None = None
    zone: str | None = None
    hints: EndpointHints | None = None


class EndpointPort(Model, frozen=True):
    name: str | None = None
    protocol: str | None = None
    port: int | None = None
    app_protocol: str | None = None


class EndpointSlice(Model, frozen=True):
    """discovery.k8s.io/v1 EndpointSlice; addressType IPv4, IPv6 or FQDN."""

    api_version: str = fixed("discovery.k8s.io/v1")
    kind: str = fixed("EndpointSlice")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    address_type: str = ""
    endpoints: tuple[Endpoint, ...] = ()
    ports: tuple[EndpointPort, ...] = ()
