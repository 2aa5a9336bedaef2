"""Defaults of Services and EndpointSlices.

Role: SetDefaults_Service (pkg/apis/core/v1/defaults.go), the IP-family defaults the
service registry applies on create (pkg/registry/core/service/storage/alloc.go, for a
single-stack IPv4 cluster), and SetDefaults_EndpointPort (pkg/apis/discovery/v1).
Neighbours: `objects.service`, `validation.service`.
"""

from __future__ import annotations

from typing import Any

from msgspec.structs import replace

from k8s_actors.api.objects.service import (
    ClientIPConfig,
    EndpointPort,
    EndpointSlice,
    Service,
    ServicePort,
    ServiceSpec,
    SessionAffinityConfig,
)

DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800  # 3 hours


def _default_port(port: ServicePort) -> ServicePort:
    changes: dict[str, Any] = {}
    if not port.protocol:
        changes["protocol"] = "TCP"
    if port.target_port in (0, ""):
        changes["target_port"] = port.port
    return replace(port, **changes) if changes else port


def _ip_family_fields(spec: ServiceSpec) -> dict[str, Any]:
    # Headless services without a selector may carry endpoints of both families, so the
    # registry asks for RequireDualStack; every other service is SingleStack.
    changes: dict[str, Any] = {}
    if spec.ip_family_policy is None:
        headless_without_selector = spec.cluster_ip == "None" and not spec.selector
        policy = "RequireDualStack" if headless_without_selector else "SingleStack"
        changes["ip_family_policy"] = policy
    if not spec.ip_families:
        changes["ip_families"] = ("IPv4",)
    return changes


def default_service_spec(spec: ServiceSpec) -> ServiceSpec:
    kind = spec.type or "ClusterIP"
    changes: dict[str, Any] = {
        "type": kind,
        "ports": tuple(_default_port(p) for p in spec.ports),
        "session_affinity": spec.session_affinity or "None",
    }
    if changes["session_affinity"] == "ClientIP" and spec.session_affinity_config is None:
        timeout = ClientIPConfig(timeout_seconds=DEFAULT_CLIENT_IP_TIMEOUT_SECONDS)
        changes["session_affinity_config"] = SessionAffinityConfig(client_ip=timeout)
    if kind in ("NodePort", "LoadBalancer") and not spec.external_traffic_policy:
        changes["external_traffic_policy"] = "Cluster"
    if kind != "ExternalName":
        if spec.internal_traffic_policy is None:
            changes["internal_traffic_policy"] = "Cluster"
        changes.update(_ip_family_fields(spec))
    if kind == "LoadBalancer" and spec.allocate_load_balancer_node_ports is None:
        changes["allocate_load_balancer_node_ports"] = True
    return replace(spec, **changes)


def default_service(service: Service) -> Service:
    return replace(service, spec=default_service_spec(service.spec))


def _default_endpoint_port(port: EndpointPort) -> EndpointPort:
    return replace(
        port,
        name="" if port.name is None else port.name,
        protocol=port.protocol or "TCP",
    )


def default_endpoint_slice(slice_: EndpointSlice) -> EndpointSlice:
    return replace(slice_, ports=tuple(_default_endpoint_port(p) for p in slice_.ports))
