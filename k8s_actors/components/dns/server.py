"""The cluster DNS actor, at address "coredns" (Service kube-system/kube-dns, 10.96.0.10).

Role: CoreDNS with the `kubernetes` plugin. It makes sure the kube-dns Service exists (as
kubeadm's addon does), watches Services and EndpointSlices to keep its `Zone`, and answers each
`DnsQuery` with a `DnsAnswer`, tracing `dns_query` and `dns_answer`. Neighbours: `records`
(the zone), `k8s_actors.messages.traffic` (the protocol), `k8s_actors.client` (informers).
"""

from __future__ import annotations

from typing import Any

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.service import EndpointSlice, Service, ServicePort, ServiceSpec
from k8s_actors.client import (
    AlreadyExists,
    ApiError,
    ComponentActor,
    Informer,
    SharedInformerFactory,
)
from k8s_actors.components.dns.records import SERVICE_NAME_LABEL, Zone, service_records
from k8s_actors.kernel import Envelope, KernelError, TraceContext
from k8s_actors.messages import CLUSTER_DNS_IP, COREDNS, DnsQuery, UserInfo

USER = UserInfo(
    username="system:serviceaccount:kube-system:coredns", groups=("system:authenticated",)
)
SERVICE_RETRY = 1.0


def kube_dns_service() -> Service:
    """kube-system/kube-dns as kubeadm installs it."""
    labels = {"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"}
    return Service(
        metadata=ObjectMeta(name="kube-dns", namespace="kube-system", labels=labels),
        spec=ServiceSpec(
            cluster_ip=CLUSTER_DNS_IP,
            selector={"k8s-app": "kube-dns"},
            ports=(
                ServicePort(name="dns", port=53, protocol="UDP", target_port=53),
                ServicePort(name="dns-tcp", port=53, protocol="TCP", target_port=53),
                ServicePort(name="metrics", port=9153, protocol="TCP", target_port=9153),
            ),
        ),
    )


class CoreDns(ComponentActor):
    def __init__(self, name: str = COREDNS, *, create_service: bool = True) -> None:
        super().__init__(name, user=USER, user_agent="coredns")
        self.zone = Zone()
        self.create_service = create_service
        self.services: Informer | None = None
        self.slices: Informer | None = None

    async def started(self) -> None:
        informers = SharedInformerFactory(self.api)
        self.services = informers.informer(Service)
        self.slices = informers.informer(EndpointSlice)
        self.services.add_handler(self._service_event, self._updated, self._service_event)
        self.slices.add_handler(self._slice_event, self._slice_updated, self._slice_event)
        informers.start()
        if self.create_service:
            self.ctx.tasks.start_soon(self._ensure_service)

    async def _ensure_service(self) -> None:
        for _ in range(30):
            try:
                await self.api.create(kube_dns_service())
                return
            except AlreadyExists:
                return
            except (ApiError, KernelError) as error:
                self.ctx.log.warning("coredns_service_failed", error=str(error))
                await self.ctx.clock.sleep(SERVICE_RETRY)

    # -- the zone --------------------------------------------------------------------------------

    def _service_event(self, service: Any, span: TraceContext | None) -> None:
        self.sync(service.metadata.namespace, service.metadata.name)

    def _updated(self, old: Any, new: Any, span: TraceContext | None) -> None:
        self._service_event(new, span)

    def _slice_event(self, endpoint_slice: Any, span: TraceContext | None) -> None:
        name = endpoint_slice.metadata.labels.get(SERVICE_NAME_LABEL, "")
        if name:
            self.sync(endpoint_slice.metadata.namespace, name)

    def _slice_updated(self, old: Any, new: Any, span: TraceContext | None) -> None:
        self._slice_event(new, span)

    def sync(self, namespace: str, name: str) -> None:
        assert self.services is not None and self.slices is not None
        service = self.services.lister.get(namespace, name)
        records: dict[str, tuple[str, ...]] = {}
        if service is not None:
            slices = self.slices.lister.list(namespace, f"{SERVICE_NAME_LABEL}={name}")
            records = service_records(service, slices, self.zone.domain)
        self.zone.set_service(f"{namespace}/{name}", records)

    # -- queries ---------------------------------------------------------------------------------

    def receive(self, envelope: Envelope) -> None:
        query = envelope.payload
        if not isinstance(query, DnsQuery):
            return
        span = self.ctx.child_span(envelope.ctx)
        log = self.ctx.log
        log.info(
            "dns_query", ctx=span, name=query.name, qtype=query.qtype, client_ip=query.client_ip
        )
        answer = self.zone.resolve(query)
        log.info(
            "dns_answer",
            ctx=span,
            name=query.name,
            rcode=answer.rcode,
            answered=answer.name,
            addresses=list(answer.addresses),
            tried=list(answer.tried),
        )
        self.ctx.reply(envelope, answer, span)
