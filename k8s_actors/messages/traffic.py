"""The traffic protocol: DNS, service routing, HTTP between pods, and `kubectl exec`.

Role: the data plane's messages (layer 1). No packets are simulated: a request is one bus message
and its answer another, so latency, loss and partitions come from the bus's fault rules.
- `DnsQuery` / `DnsAnswer`: a pod's resolver asks the cluster DNS (address `COREDNS`), passing its
  search list and ndots so the server expands the name as the pod's resolver would.
- `ProxyRoute` / `ProxyRouteAnswer`: a node's kube-proxy (address `kube_proxy_address(node)`)
  picks the endpoint for a (ClusterIP or node IP, port, client IP), as the node's iptables or
  IPVS rules would; pod IPs are routed directly to the node owning them. `ProxyConnectionClosed`
  tells IPVS' least-connection scheduler that a connection ended.
- `HttpRequest` / `HttpResponse`: the request delivered to the kubelet of the node running the
  destination pod (`kubelet_address(node)`), which answers for the pod's simulated server.
- `ExecRequest` / `ExecResult`: `kubectl exec` of one command line in a container.
Neighbours: components `kube_proxy`, `dns`, `kubelet` (exec and HTTP), `kubectl`, and whichever
actors generate traffic (ingress, cloud load balancers, load steps).
"""

from __future__ import annotations

from typing import Literal

from k8s_actors.messages.base import Message

COREDNS = "coredns"
"""Bus address of the cluster DNS server (Service kube-system/kube-dns, ClusterIP 10.96.0.10)."""

CLUSTER_DNS_IP = "10.96.0.10"
CLUSTER_DOMAIN = "cluster.local"

DnsRcode = Literal["NOERROR", "NXDOMAIN", "SERVFAIL"]
RouteOutcome = Literal["endpoint", "direct", "no_endpoints", "dropped", "no_route"]
TrafficError = Literal["", "resolve", "refused", "timeout", "no_endpoints", "no_route"]
"""Why a request failed: `resolve` (no such host), `refused` (no listener or nothing to route to),
`timeout` (the path is cut or the node is down), `no_endpoints` (a service without ready
endpoints: the REJECT rule), `no_route` (an address nothing owns)."""


def kube_proxy_address(node: str) -> str:
    return f"kube-proxy/{node}"


def kubelet_address(node: str) -> str:
    return f"kubelet/{node}"


def pod_search_path(namespace: str, domain: str = CLUSTER_DOMAIN) -> tuple[str, ...]:
    """The resolv.conf search list the kubelet writes for a ClusterFirst pod."""
    return (f"{namespace}.svc.{domain}", f"svc.{domain}", domain)


class DnsQuery(Message, frozen=True, kw_only=True):
    """Resolve `name` (an A query), expanding it with `search` under the `ndots` rule."""

    name: str
    search: tuple[str, ...] = ()
    ndots: int = 5
    qtype: str = "A"
    client_ip: str = ""


class DnsAnswer(Message, frozen=True, kw_only=True):
    """The first candidate name that answered (`name`), or NXDOMAIN after trying `tried`."""

    rcode: DnsRcode
    addresses: tuple[str, ...] = ()
    name: str = ""
    tried: tuple[str, ...] = ()
    server: str = CLUSTER_DNS_IP


class ProxyRoute(Message, frozen=True, kw_only=True):
    """Which endpoint serves (dst_ip, port) for `client_ip`, as seen from this node's rules."""

    dst_ip: str
    port: int
    protocol: str = "TCP"
    client_ip: str = ""
    external: bool = False


class ProxyRouteAnswer(Message, frozen=True, kw_only=True):
    """`endpoint`: a service rule chose `endpoint_ip:endpoint_port` on `node` (pod `pod`);
    `direct`: the address is a pod IP (or node IP) of `node`, reached without translation;
    `no_endpoints`: the service has no usable endpoint (REJECT: connection refused);
    `dropped`: a Local traffic policy without a local endpoint (DROP: the client times out);
    `no_route`: nothing owns the address (the client times out)."""

    outcome: RouteOutcome
    endpoint_ip: str = ""
    endpoint_port: int = 0
    node: str = ""
    pod: str = ""
    service: str = ""
    rule: str = ""
    probability: float = 0.0
    scheduler: str = ""

    def connection_closed(self) -> ProxyConnectionClosed | None:
        """What to tell the kube-proxy that answered once the connection it routed ends: a
        `ProxyConnectionClosed` when an IPVS scheduler keeps connection counts, else None."""
        if not self.scheduler:
            return None
        return ProxyConnectionClosed(
            rule=self.rule, endpoint_ip=self.endpoint_ip, endpoint_port=self.endpoint_port
        )


class ProxyConnectionClosed(Message, frozen=True, kw_only=True):
    """A connection routed by `ProxyRoute` ended (IPVS least-connection keeps counts); `rule`
    is the answer's rule (the virtual server)."""

    rule: str
    endpoint_ip: str
    endpoint_port: int


class HttpRequest(Message, frozen=True, kw_only=True):
    """An HTTP request arriving at pod IP `dst_ip`:`port` (after any service translation)."""

    method: str = "GET"
    src_ip: str = ""
    dst_ip: str
    port: int
    host: str = ""
    path: str = "/"
    src_node: str = ""
    hops: tuple[str, ...] = ()


class HttpResponse(Message, frozen=True, kw_only=True):
    """What came back: a status and body, or an `error` (no HTTP status then, `status` 0)."""

    status: int = 0
    body: str = ""
    served_by_pod: str = ""
    served_by_node: str = ""
    error: TrafficError = ""
    hops: tuple[str, ...] = ()


class ExecRequest(Message, frozen=True, kw_only=True):
    """Run `argv` in `container` of pod `namespace/pod` (empty container: the first one)."""

    pod: str
    namespace: str = "default"
    container: str = ""
    argv: tuple[str, ...] = ()


class ExecResult(Message, frozen=True, kw_only=True):
    """The command's exit code and output; `error`: the session never started (kubectl prints
    it and exits 1)."""

    exit_code: int
    error: str = ""
    stdout: str = ""
    stderr: str = ""
