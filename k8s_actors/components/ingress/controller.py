"""The ingress controller actor, at address "ingress-controller" (an ingress-nginx stand-in).

Role: watches Ingresses (those without ingressClassName or of class "nginx"), Services and
Nodes; keeps a `RoutingTable`; answers each `HttpRequest` that reaches it from outside (host
header and path) by picking the backend Service, translating its port, and sending the request
through the kube-proxy of the node the controller runs on (the first Ready node by name) to
the chosen pod's kubelet. Answers: the pod's response; 404 from the default backend when no
rule matches; 503 when the Service is missing or has no endpoints; 502 when the pod refuses;
504 when the path times out. Traced as `ingress_routes_synced`, `ingress_request` and
`ingress_response`. Neighbours: `routing` (the table), `k8s_actors.messages.traffic`.
"""

from __future__ import annotations

from typing import Any

from k8s_actors.api.objects.cluster import Node
from k8s_actors.api.objects.ingress import Ingress
from k8s_actors.api.objects.service import Service
from k8s_actors.client import ComponentActor, Informer, SharedInformerFactory
from k8s_actors.components.ingress.routing import Route, RoutingTable
from k8s_actors.kernel import Envelope, KernelError, RequestTimeout, TraceContext
from k8s_actors.messages import (
    HttpRequest,
    HttpResponse,
    ProxyRoute,
    ProxyRouteAnswer,
    UserInfo,
    kube_proxy_address,
    kubelet_address,
)

INGRESS_CONTROLLER = "ingress-controller"
INGRESS_CLASS = "nginx"
USER = UserInfo(
    username="system:serviceaccount:ingress-nginx:ingress-nginx",
    groups=("system:authenticated",),
)
ROUTE_TIMEOUT = 1.0
UPSTREAM_TIMEOUT = 60.0  # nginx' proxy_read_timeout default, in seconds
STATUS_TEXT = {
    404: "default backend - 404\n",
    502: "502 Bad Gateway\n",
    503: "503 Service Temporarily Unavailable\n",
    504: "504 Gateway Time-out\n",
}


def serves(ingress: Ingress) -> bool:
    return ingress.spec.ingress_class_name in (None, "", INGRESS_CLASS)


def service_port(service: Service, route: Route) -> int:
    """The Service port the backend names (by number or by name); 0 when it has none."""
    for port in service.spec.ports:
        if route.port_number and port.port == route.port_number:
            return port.port
        if route.port_name and port.name == route.port_name:
            return port.port
    return 0


def node_ready(node: Node) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in node.status.conditions)


class IngressController(ComponentActor):
    def __init__(self, name: str = INGRESS_CONTROLLER) -> None:
        super().__init__(name, user=USER, user_agent="nginx-ingress-controller")
        self.table = RoutingTable()
        self.ingresses: Informer | None = None
        self.services: Informer | None = None
        self.nodes: Informer | None = None

    async def started(self) -> None:
        informers = SharedInformerFactory(self.api)
        self.ingresses = informers.informer(Ingress)
        self.services = informers.informer(Service)
        self.nodes = informers.informer(Node)
        self.ingresses.add_handler(self._changed, self._updated, self._changed)
        informers.start()

    def _changed(self, ingress: Any, span: TraceContext | None) -> None:
        assert self.ingresses is not None
        served = [i for i in self.ingresses.lister.list() if serves(i)]
        self.table = RoutingTable(served)
        self.ctx.log.info(
            "ingress_routes_synced",
            ctx=self.ctx.child_span(span),
            ingresses=len(served),
            paths=len(self.table.paths),
            default_backend=self.table.default.service if self.table.default else "",
        )

    def _updated(self, old: Any, new: Any, span: TraceContext | None) -> None:
        self._changed(new, span)

    def node(self) -> str:
        """Where the controller's pod runs: the first Ready node by name ("" when none)."""
        if self.nodes is None:
            return ""
        ready = sorted(n.metadata.name for n in self.nodes.lister.list() if node_ready(n))
        return ready[0] if ready else ""

    # -- serving ---------------------------------------------------------------------------------

    def receive(self, envelope: Envelope) -> None:
        if isinstance(envelope.payload, HttpRequest):
            self.ctx.tasks.start_soon(self._serve, envelope)

    async def _serve(self, envelope: Envelope) -> None:
        request = envelope.payload
        assert isinstance(request, HttpRequest)
        span = self.ctx.child_span(envelope.ctx)
        route = self.table.match(request.host, request.path)
        self.ctx.log.info(
            "ingress_request",
            ctx=span,
            host=request.host,
            path=request.path,
            ingress=route.ingress if route else "",
            rule=route.rule if route else "default-backend",
            service=f"{route.namespace}/{route.service}" if route else "",
        )
        response = await self.forward(request, route, span)
        self.ctx.log.info(
            "ingress_response",
            ctx=span,
            status=response.status,
            served_by=response.served_by_pod,
            error=response.error,
        )
        self.ctx.reply(envelope, response, span)

    async def forward(
        self, request: HttpRequest, route: Route | None, span: TraceContext
    ) -> HttpResponse:
        hops = (*request.hops, self.name)
        if route is None:
            return _status(404, hops)
        assert self.services is not None
        service = self.services.lister.get(route.namespace, route.service)
        port = service_port(service, route) if service is not None else 0
        node = self.node()
        if service is None or not port or not node or service.spec.cluster_ip in ("", "None"):
            return _status(503, hops)
        answer = await self._route(node, service.spec.cluster_ip, port, span)
        if answer is None or answer.outcome in ("dropped", "no_route") or not answer.node:
            return _status(503 if answer and answer.outcome == "no_endpoints" else 504, hops)
        upstream = HttpRequest(
            src_ip=request.src_ip,
            dst_ip=answer.endpoint_ip,
            port=answer.endpoint_port,
            host=request.host,
            path=request.path,
            src_node=node,
            hops=(*hops, kube_proxy_address(node)),
        )
        try:
            reply = await self.ctx.request(
                kubelet_address(answer.node), upstream, span, timeout=UPSTREAM_TIMEOUT
            )
        except KernelError:
            return _status(504, hops)
        finally:
            if (closed := answer.connection_closed()) is not None:
                self.ctx.send(kube_proxy_address(node), closed, span)
        response = reply.payload
        assert isinstance(response, HttpResponse)
        if response.error:
            return _status(504 if response.error == "timeout" else 502, response.hops)
        return response

    async def _route(
        self, node: str, ip: str, port: int, span: TraceContext
    ) -> ProxyRouteAnswer | None:
        try:
            reply = await self.ctx.request(
                kube_proxy_address(node),
                ProxyRoute(dst_ip=ip, port=port),
                span,
                timeout=ROUTE_TIMEOUT,
            )
        except (KernelError, RequestTimeout):
            return None
        answer = reply.payload
        return answer if isinstance(answer, ProxyRouteAnswer) else None


def _status(status: int, hops: tuple[str, ...]) -> HttpResponse:
    return HttpResponse(status=status, body=STATUS_TEXT.get(status, ""), hops=hops)
