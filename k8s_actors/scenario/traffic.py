"""Traffic from outside the cluster: one HTTP request to a LoadBalancer address or an Ingress host.

Role: `external_request(cluster, url)` is what a client on the internet sees. An IP address is a
cloud load balancer's (the cloud-controller-manager forwards it to a healthy node's NodePort);
a host name is served by the ingress controller (the host header and path select the rule).
Answers are `HttpResponse`s; an address nothing answers for gives `error` "timeout".
Neighbours: `cluster` (the bus and the user's address), the `cloud_controller` and `ingress`
components (over the bus only), the load step (a stream of these requests).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from k8s_actors.components.cloud_controller import CLOUD_CONTROLLER_MANAGER
from k8s_actors.components.ingress import INGRESS_CONTROLLER
from k8s_actors.kernel import KernelError, TraceContext
from k8s_actors.messages import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from k8s_actors.scenario.cluster import Cluster

EXTERNAL_CLIENT_IP = "198.51.100.7"  # TEST-NET-2 (RFC 5737): a client on the internet
EXTERNAL_TIMEOUT = 30.0


def parse_url(url: str) -> tuple[str, int, str]:
    """(host, port, path with query) of an http URL; a bare "host/path" is accepted too."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f'not an http URL: "{url}"')
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.hostname, parts.port or 80, path


def is_ip(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


async def external_request(
    cluster: Cluster, url: str, span: TraceContext | None = None
) -> HttpResponse:
    """GET `url` from outside the cluster, through a load balancer or the ingress controller."""
    host, port, path = parse_url(url)
    entry = CLOUD_CONTROLLER_MANAGER if is_ip(host) else INGRESS_CONTROLLER
    request = HttpRequest(
        src_ip=EXTERNAL_CLIENT_IP,
        dst_ip=host if is_ip(host) else "",
        port=port,
        host=host,
        path=path,
        hops=("external",),
    )
    span = span or TraceContext(trace_id=cluster.ids.trace_id(), span_id=cluster.ids.span_id())
    cluster.log.info("external_request", ctx=span, url=url, entry=entry)
    try:
        reply = await cluster.bus.request("user", entry, request, span, timeout=EXTERNAL_TIMEOUT)
    except KernelError:
        response = HttpResponse(error="timeout", hops=request.hops)
    else:
        assert isinstance(reply.payload, HttpResponse)
        response = reply.payload
    cluster.log.info(
        "external_response",
        ctx=span,
        url=url,
        status=response.status,
        served_by=response.served_by_pod,
        error=response.error,
    )
    return response
