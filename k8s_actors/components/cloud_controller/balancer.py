"""The simulated cloud load balancer's view of a Service: listeners and healthy backends.

Role: which nodes may receive a LoadBalancer Service's traffic and on which NodePort. The
cloud's health checks are modelled from the API objects: with externalTrafficPolicy Cluster
every Ready node passes; with Local only Ready nodes that have a ready endpoint of the Service
pass (what kube-proxy's healthCheckNodePort server answers 200 for, pkg/proxy/healthcheck).
Synchronous. Neighbours: `manager` (the actor), `k8s_actors.api.objects.service`.
"""

from __future__ import annotations

from collections.abc import Iterable

from k8s_actors.api.objects.cluster import Node
from k8s_actors.api.objects.service import EndpointSlice, Service


def node_ready(node: Node) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in node.status.conditions)


def node_ip(node: Node) -> str:
    return next((a.address for a in node.status.addresses if a.type == "InternalIP"), "")


def node_port_for(service: Service, port: int, protocol: str = "TCP") -> int:
    """The NodePort behind the load balancer's listener `port` (0 when none)."""
    for service_port in service.spec.ports:
        if service_port.port == port and (service_port.protocol or "TCP") == protocol:
            return service_port.node_port
    return 0


def local_endpoint_nodes(slices: Iterable[EndpointSlice]) -> set[str]:
    """Nodes with at least one ready endpoint (kube-proxy's health check answers 200 there)."""
    nodes: set[str] = set()
    for endpoint_slice in slices:
        for endpoint in endpoint_slice.endpoints:
            if endpoint.node_name and endpoint.conditions.ready is not False:
                nodes.add(endpoint.node_name)
    return nodes


def healthy_nodes(
    service: Service, nodes: Iterable[Node], slices: Iterable[EndpointSlice]
) -> list[Node]:
    """The nodes passing the load balancer's health check, by name."""
    ready = sorted(
        (n for n in nodes if node_ready(n) and node_ip(n)), key=lambda n: n.metadata.name
    )
    if service.spec.external_traffic_policy != "Local":
        return ready
    local = local_endpoint_nodes(slices)
    return [n for n in ready if n.metadata.name in local]
