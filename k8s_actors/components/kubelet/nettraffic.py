"""Pod network traffic through the kubelet: a pod's HTTP client, and its pods' HTTP servers.

Role: the data path of a request made inside a pod (by `exec`): DNS lookup through the cluster
DNS (skipped for an IP), the endpoint chosen by this node's kube-proxy, then the `HttpRequest`
delivered to the kubelet of the destination node, whose `serve` answers for the pod owning the
address: 200 "Hello from <pod>" when a container that listens on the port (any container when
none declares ports) runs and is past its image's readyAfter, refused otherwise. Failures come
back as `Fetch.error`: resolve, refused (no endpoints, nothing listening), timeout (partition,
node down, Local policy drop, an address nobody owns) after the client's connect timeout.
Neighbours: `exec` (the commands), `agent` (routes `HttpRequest` here), the `kube_proxy` and
`dns` components (over the bus only), `k8s_actors.messages.traffic`.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from k8s_actors.api.objects.pod import Pod
from k8s_actors.components.kubelet.node import NodeContext
from k8s_actors.kernel import KernelError, RequestTimeout, TraceContext
from k8s_actors.messages import (
    COREDNS,
    DnsAnswer,
    DnsQuery,
    HttpRequest,
    HttpResponse,
    ProxyRoute,
    ProxyRouteAnswer,
    kube_proxy_address,
    kubelet_address,
    pod_search_path,
)

DNS_TIMEOUT = 5.0  # resolv.conf's default `timeout:5`
ROUTE_TIMEOUT = 1.0


class Fetch(msgspec.Struct, frozen=True, kw_only=True):
    """What a client saw: a response, or an error with the resolved address and elapsed time."""

    response: HttpResponse | None = None
    error: str = ""
    address: str = ""
    elapsed: float = 0.0


async def resolve(node: NodeContext, pod: Pod, name: str, span: TraceContext) -> DnsAnswer | None:
    """The cluster DNS answer for `name` asked from `pod` (None: no server answered)."""
    query = DnsQuery(
        name=name,
        search=pod_search_path(pod.metadata.namespace),
        client_ip=pod.status.pod_ip,
    )
    try:
        reply = await node.ctx.request(COREDNS, query, span, timeout=DNS_TIMEOUT)
    except KernelError:
        return None
    answer = reply.payload
    return answer if isinstance(answer, DnsAnswer) else None


async def http_get(
    node: NodeContext,
    pod: Pod,
    host: str,
    port: int,
    path: str,
    span: TraceContext,
    *,
    timeout: float,
    host_header: str = "",
) -> Fetch:
    """GET http://host:port/path from `pod`: resolve, route, deliver; what came back."""
    started = node.now
    address = host
    if not _is_ip(host):
        answer = await resolve(node, pod, host, span)
        if answer is None or not answer.addresses:
            return Fetch(error="resolve", elapsed=node.now - started)
        address = answer.addresses[0]
    route = await _route(node, pod, address, port, span)
    outcome = route.outcome if route is not None else "no_route"
    if outcome == "no_endpoints":
        return Fetch(error="refused", address=address, elapsed=node.now - started)
    if route is None or outcome in ("dropped", "no_route") or not route.node:
        return await _time_out(node, started, timeout, address, "timeout")
    request = HttpRequest(
        src_ip=pod.status.pod_ip,
        dst_ip=route.endpoint_ip,
        port=route.endpoint_port,
        host=host_header or host,
        path=path,
        src_node=node.config.name,
        hops=(f"pod/{pod.metadata.name}", kube_proxy_address(node.config.name)),
    )
    remaining = max(0.001, timeout - (node.now - started))
    try:
        reply = await node.ctx.request(
            kubelet_address(route.node), request, span, timeout=remaining
        )
    except RequestTimeout:
        return Fetch(error="timeout", address=address, elapsed=node.now - started)
    except KernelError:  # the node is down: nothing answers, the client waits out its timeout
        return await _time_out(node, started, timeout, address, "timeout")
    finally:
        if (closed := route.connection_closed()) is not None:
            node.ctx.send(kube_proxy_address(node.config.name), closed, span)
    response = reply.payload
    assert isinstance(response, HttpResponse)
    return Fetch(
        response=response, error=response.error, address=address, elapsed=node.now - started
    )


async def _route(
    node: NodeContext, pod: Pod, address: str, port: int, span: TraceContext
) -> ProxyRouteAnswer | None:
    query = ProxyRoute(dst_ip=address, port=port, client_ip=pod.status.pod_ip)
    try:
        reply = await node.ctx.request(
            kube_proxy_address(node.config.name), query, span, timeout=ROUTE_TIMEOUT
        )
    except KernelError:
        return None
    answer = reply.payload
    return answer if isinstance(answer, ProxyRouteAnswer) else None


async def _time_out(
    node: NodeContext, started: float, timeout: float, address: str, error: str
) -> Fetch:
    await node.ctx.clock.sleep(max(0.0, started + timeout - node.now))
    return Fetch(error=error, address=address, elapsed=node.now - started)


def _is_ip(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(part.isdigit() and int(part) < 256 for part in parts)


# -- the server side -----------------------------------------------------------------------------


def serve(
    node: NodeContext, pods: Callable[[], list[Pod]], request: HttpRequest, span: TraceContext
) -> HttpResponse:
    """Answer for the pod of this node that owns `request.dst_ip`."""
    runtime = node.runtime
    now = node.now
    runtime.settle(now)
    sandbox = next((s for s in runtime.sandboxes.values() if s.ip == request.dst_ip), None)
    pod = None
    if sandbox is not None:
        pod = next((p for p in pods() if p.metadata.uid == sandbox.pod_uid), None)
    name = pod.metadata.name if pod is not None else ""
    hops = (*request.hops, node.ctx.name)
    node.log.info(
        "http_request_received",
        ctx=span,
        pod=name,
        namespace=pod.metadata.namespace if pod is not None else "",
        dst=f"{request.dst_ip}:{request.port}",
        src_ip=request.src_ip,
        host=request.host,
        path=request.path,
    )
    if pod is None or sandbox is None or not _listening(node, pod, sandbox.pod_uid, request.port):
        node.log.info("http_response", ctx=span, status=0, served_by="", error="refused")
        return HttpResponse(error="refused", hops=hops)
    node.log.info("http_response", ctx=span, status=200, served_by=name, error="")
    return HttpResponse(
        status=200,
        body=f"Hello from {name}\n",
        served_by_pod=f"{pod.metadata.namespace}/{name}",
        served_by_node=node.config.name,
        hops=hops,
    )


def _listening(node: NodeContext, pod: Pod, uid: str, port: int) -> bool:
    """A container owning `port` (any container when none declares ports) runs and is up."""
    declared = {c.name: {p.container_port for p in c.ports} for c in pod.spec.containers}
    owners = [name for name, ports in declared.items() if port in ports]
    if not any(declared.values()):
        owners = list(declared)
    now = node.now
    for name, container in node.runtime.latest(uid).items():
        if name not in owners or container.state != "running" or container.started_at is None:
            continue
        if now >= container.started_at + container.behaviour.ready_after:
            return True
    return False
