"""The cloud-controller-manager actor, at address "cloud-controller-manager" (a simulated cloud).

Role: its service controller gives every Service of type LoadBalancer (without
loadBalancerClass) an address from the scenario's `loadBalancerIPPool`, written to
status.loadBalancer.ingress[0].ip with the events Kubernetes' service controller records
(EnsuringLoadBalancer, EnsuredLoadBalancer; SyncLoadBalancerFailed when the pool is exhausted;
DeletingLoadBalancer, DeletedLoadBalancer when the type changes), and releases the address when
the Service goes. It is also the cloud's load balancer: an `HttpRequest` to one of its addresses
is forwarded to the listener's NodePort on a healthy node (chosen at random, as a cloud's
flow hash spreads clients), through that node's kube-proxy, to the chosen pod's kubelet.
Traced as `load_balancer_ensured`, `load_balancer_released`, `load_balancer_forwarded` and
`load_balancer_no_backend`. Neighbours: `pool`, `balancer`, `k8s_actors.messages.traffic`.
"""

from __future__ import annotations

from typing import Any

from k8s_actors.api.objects.cluster import Node
from k8s_actors.api.objects.service import EndpointSlice, Service
from k8s_actors.client import (
    ApiError,
    AsyncWorkQueue,
    ComponentActor,
    EventRecorder,
    Informer,
    SharedInformerFactory,
)
from k8s_actors.components.cloud_controller.balancer import healthy_nodes, node_ip, node_port_for
from k8s_actors.components.cloud_controller.pool import DEFAULT_POOL, IPPool
from k8s_actors.kernel import Envelope, KernelError, TraceContext
from k8s_actors.messages import (
    HttpRequest,
    HttpResponse,
    ProxyRoute,
    ProxyRouteAnswer,
    UserInfo,
    kube_proxy_address,
    kubelet_address,
)

CLOUD_CONTROLLER_MANAGER = "cloud-controller-manager"
USER = UserInfo(
    username="system:serviceaccount:kube-system:service-controller",
    groups=("system:authenticated",),
)
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
ROUTE_TIMEOUT = 1.0
REQUEST_TIMEOUT = 30.0


def wants_load_balancer(service: Service | None) -> bool:
    """service controller's wantsLoadBalancer: type LoadBalancer and no loadBalancerClass."""
    return (
        service is not None
        and service.spec.type == "LoadBalancer"
        and service.spec.load_balancer_class is None
    )


def status_ip(service: Service) -> str:
    ingress = service.status.load_balancer.ingress
    return ingress[0].ip if ingress else ""


class CloudControllerManager(ComponentActor):
    def __init__(
        self, name: str = CLOUD_CONTROLLER_MANAGER, *, settings: dict[str, Any] | None = None
    ) -> None:
        super().__init__(name, user=USER, user_agent="cloud-controller-manager")
        self.pool = IPPool(str((settings or {}).get("loadBalancerIPPool", DEFAULT_POOL)))
        self.services: Informer | None = None
        self.nodes: Informer | None = None
        self.slices: Informer | None = None
        self.queue: AsyncWorkQueue[str] | None = None
        self.recorder: EventRecorder | None = None

    async def started(self) -> None:
        self.queue = AsyncWorkQueue(self.ctx.clock)
        self.recorder = EventRecorder(self.api, "service-controller", self.ctx.log)
        informers = SharedInformerFactory(self.api)
        self.services = informers.informer(Service)
        self.nodes = informers.informer(Node)
        self.slices = informers.informer(EndpointSlice)
        self.services.add_handler(self._enqueue, self._updated, self._enqueue)
        informers.start()
        self.ctx.tasks.start_soon(self._worker)

    def _enqueue(self, service: Any, span: TraceContext | None) -> None:
        assert self.queue is not None
        self.queue.add(f"{service.metadata.namespace}/{service.metadata.name}")

    def _updated(self, old: Any, new: Any, span: TraceContext | None) -> None:
        self._enqueue(new, span)

    async def _worker(self) -> None:
        assert self.queue is not None
        while (key := await self.queue.get()) is not None:
            try:
                await self.sync(key)
                self.queue.forget(key)
            except (ApiError, KernelError) as error:
                self.ctx.log.warning("load_balancer_sync_failed", service=key, error=str(error))
                self.queue.add_rate_limited(key)
            finally:
                self.queue.done(key)

    # -- the service controller ------------------------------------------------------------------

    async def sync(self, key: str) -> None:
        """Ensure or release the load balancer of one Service (service controller's syncService)."""
        assert self.services is not None and self.recorder is not None
        namespace, _, name = key.partition("/")
        service = self.services.lister.get(namespace, name)
        if service is None:
            self._release(key, None)
            return
        if not wants_load_balancer(service):
            if key in self.pool.by_key:
                await self._delete(key, service)
            return
        address = self.pool.allocate(key, (status_ip(service), service.spec.load_balancer_ip))
        if address is None:
            message = (
                "Error syncing load balancer: failed to ensure load balancer: "
                f"no free address in pool {self.pool.text}"
            )
            await self.recorder.event(service, "Warning", "SyncLoadBalancerFailed", message)
            return
        if status_ip(service) == address:
            return
        await self.recorder.event(
            service, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer"
        )
        await self._write_status(service, [{"ip": address}])
        self.ctx.log.info("load_balancer_ensured", service=key, ip=address)
        await self.recorder.event(service, "Normal", "EnsuredLoadBalancer", "Ensured load balancer")

    async def _delete(self, key: str, service: Service) -> None:
        assert self.recorder is not None
        await self.recorder.event(
            service, "Normal", "DeletingLoadBalancer", "Deleting load balancer"
        )
        await self._write_status(service, [])
        self._release(key, service)
        await self.recorder.event(service, "Normal", "DeletedLoadBalancer", "Deleted load balancer")

    def _release(self, key: str, service: Service | None) -> None:
        address = self.pool.release(key)
        if address is not None:
            self.ctx.log.info("load_balancer_released", service=key, ip=address)

    async def _write_status(self, service: Service, ingress: list[dict[str, str]]) -> None:
        meta = service.metadata
        patch = {"status": {"loadBalancer": {"ingress": ingress}}}
        await self.api.patch(Service, meta.namespace, meta.name, patch, subresource="status")

    # -- the load balancer -----------------------------------------------------------------------

    def receive(self, envelope: Envelope) -> None:
        if isinstance(envelope.payload, HttpRequest):
            self.ctx.tasks.start_soon(self._serve, envelope)

    async def _serve(self, envelope: Envelope) -> None:
        request = envelope.payload
        assert isinstance(request, HttpRequest)
        span = self.ctx.child_span(envelope.ctx)
        self.ctx.reply(envelope, await self.forward(request, span), span)

    async def forward(self, request: HttpRequest, span: TraceContext) -> HttpResponse:
        """Send the request to the Service's NodePort on a healthy node; the pod's answer."""
        assert self.services is not None and self.nodes is not None and self.slices is not None
        hops = (*request.hops, f"load-balancer/{request.dst_ip}")
        key = self.pool.owner(request.dst_ip) or ""
        namespace, _, name = key.partition("/")
        service = self.services.lister.get(namespace, name) if key else None
        node_port = node_port_for(service, request.port) if service is not None else 0
        candidates: list[Node] = []
        if service is not None and node_port:
            selector = f"{SERVICE_NAME_LABEL}={name}"
            slices = self.slices.lister.list(namespace, selector)
            candidates = healthy_nodes(service, self.nodes.lister.list(), slices)
        if not candidates:
            # No listener or no backend passing health checks: the connection is never answered.
            self.ctx.log.info(
                "load_balancer_no_backend",
                ctx=span,
                ip=request.dst_ip,
                port=request.port,
                service=key,
                listener=bool(node_port),
            )
            return HttpResponse(error="timeout", hops=hops)
        node = self.ctx.rng.choice(candidates)
        target = node_ip(node)
        self.ctx.log.info(
            "load_balancer_forwarded",
            ctx=span,
            ip=request.dst_ip,
            port=request.port,
            service=key,
            node=node.metadata.name,
            node_port=node_port,
            healthy_nodes=len(candidates),
        )
        return await self._through_node(request, node.metadata.name, target, node_port, hops, span)

    async def _through_node(
        self,
        request: HttpRequest,
        node: str,
        target: str,
        node_port: int,
        hops: tuple[str, ...],
        span: TraceContext,
    ) -> HttpResponse:
        query = ProxyRoute(dst_ip=target, port=node_port, client_ip=request.src_ip, external=True)
        try:
            reply = await self.ctx.request(
                kube_proxy_address(node), query, span, timeout=ROUTE_TIMEOUT
            )
        except KernelError:
            return HttpResponse(error="timeout", hops=hops)
        answer = reply.payload
        assert isinstance(answer, ProxyRouteAnswer)
        if answer.outcome == "no_endpoints":
            return HttpResponse(error="refused", hops=hops)
        if answer.outcome != "endpoint" or not answer.node:
            return HttpResponse(error="timeout", hops=hops)
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
            response = await self.ctx.request(
                kubelet_address(answer.node), upstream, span, timeout=REQUEST_TIMEOUT
            )
        except KernelError:
            return HttpResponse(error="timeout", hops=hops)
        finally:
            if (closed := answer.connection_closed()) is not None:
                self.ctx.send(kube_proxy_address(node), closed, span)
        result = response.payload
        assert isinstance(result, HttpResponse)
        return result
