"""The kube-proxy actor of one node, at address "kube-proxy/<node>".

Role: watches Services, EndpointSlices (joined by the kubernetes.io/service-name label) and its
own Node (field selector metadata.name=<node>, as cmd/kube-proxy/app/server.go: its podCIDR and
addresses), keeps the node's `RuleTable` in step (one service at a time, on every change) and
answers `ProxyRoute` from the node's pods: a ClusterIP:port goes through the service rules, a
node IP with a NodePort through the external rules (externalTrafficPolicy), an external IP
likewise; a pod IP or a node IP on another port is routed directly to the node owning it, as the
pod network (`PodNetwork`, shared, read-only here) knows it; anything else has no route. Each
choice is traced as `proxy_rule_chosen`. Neighbours: `rules` (the table), `endpoints`,
`render`, `network`, `k8s_actors.messages.traffic` (the protocol), `k8s_actors.client`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from k8s_actors.api.objects.cluster import Node
from k8s_actors.api.objects.service import EndpointSlice, Service
from k8s_actors.client import ComponentActor, Informer, SharedInformerFactory
from k8s_actors.components.kube_proxy.endpoints import SERVICE_NAME_LABEL, service_ports
from k8s_actors.components.kube_proxy.network import PodNetwork
from k8s_actors.components.kube_proxy.rules import ProxyMode, RuleTable
from k8s_actors.kernel import Envelope, TraceContext
from k8s_actors.messages import (
    ProxyConnectionClosed,
    ProxyRoute,
    ProxyRouteAnswer,
    UserInfo,
    kube_proxy_address,
)

USER = UserInfo(username="system:kube-proxy", groups=("system:authenticated",))


class KubeProxy(ComponentActor):
    """kube-proxy on `node` in `mode` iptables or ipvs (`scheduler` rr or lc for ipvs).

    `network` is the cluster's pod network, shared by every kube-proxy and filled by the
    infrastructure; without one, the kube-proxy knows only its own node's addresses and range.
    """

    def __init__(
        self,
        node: str,
        mode: ProxyMode = "iptables",
        scheduler: str = "rr",
        network: PodNetwork | None = None,
    ) -> None:
        super().__init__(kube_proxy_address(node), user=USER, user_agent="kube-proxy")
        self.node = node
        self.table = RuleTable(node, mode, scheduler)
        self.services: Informer | None = None
        self.slices: Informer | None = None
        self.own_node: Informer | None = None
        self.network = network if network is not None else PodNetwork()
        self._private_network = network is None
        # From the own Node: the range local-traffic detection compares sources with, and the
        # addresses NodePorts are served on.
        self.local_pod_cidr: ipaddress.IPv4Network | None = None
        self.addresses: tuple[str, ...] = ()

    async def started(self) -> None:
        informers = SharedInformerFactory(self.api)
        self.services = informers.informer(Service)
        self.slices = informers.informer(EndpointSlice)
        self.own_node = informers.informer(Node, field_selector=f"metadata.name={self.node}")
        self.services.add_handler(self._service_event, self._service_updated, self._service_event)
        self.slices.add_handler(self._slice_event, self._slice_updated, self._slice_event)
        self.own_node.add_handler(self._node_event, self._node_updated, self._node_deleted)
        informers.start()
        self.ctx.log.info("kube_proxy_started", node=self.node, mode=self.table.mode)

    # -- watching --------------------------------------------------------------------------------

    def _service_event(self, service: Any, span: TraceContext | None) -> None:
        self.sync_service(service.metadata.namespace, service.metadata.name, span)

    def _service_updated(self, old: Any, new: Any, span: TraceContext | None) -> None:
        self._service_event(new, span)

    def _slice_event(self, endpoint_slice: Any, span: TraceContext | None) -> None:
        name = endpoint_slice.metadata.labels.get(SERVICE_NAME_LABEL, "")
        if name:
            self.sync_service(endpoint_slice.metadata.namespace, name, span)

    def _slice_updated(self, old: Any, new: Any, span: TraceContext | None) -> None:
        self._slice_event(new, span)

    def sync_service(self, namespace: str, name: str, span: TraceContext | None) -> None:
        """Reprogram the rules of one service from the caches (syncProxyRules, one service)."""
        assert self.services is not None and self.slices is not None
        key = f"{namespace}/{name}"
        service = self.services.lister.get(namespace, name)
        ports = []
        if service is not None:
            selector = f"{SERVICE_NAME_LABEL}={name}"
            ports = service_ports(service, self.slices.lister.list(namespace, selector))
        if tuple(ports) == self.table.services.get(key, ()):
            return
        self.table.set_service(key, ports)
        ready = sum(1 for info in ports for ep in info.endpoints if ep.ready)
        self.ctx.log.info(
            "kube_proxy_rules_synced",
            ctx=self.ctx.child_span(span),
            node=self.node,
            service=key,
            ports=len(ports),
            ready_endpoints=ready,
        )

    @property
    def node_ips(self) -> Mapping[str, str]:
        """Every node's InternalIP and its node, as the pod network routes them."""
        return self.network.node_ips

    def _node_event(self, node: Any, span: TraceContext | None) -> None:
        self.addresses = tuple(
            address.address for address in node.status.addresses if address.type == "InternalIP"
        )
        if node.spec.pod_cidr:
            self.local_pod_cidr = ipaddress.IPv4Network(node.spec.pod_cidr, strict=False)
        if self._private_network:
            self.network.set_node(node)

    def _node_updated(self, old: Any, new: Any, span: TraceContext | None) -> None:
        self._node_event(new, span)

    def _node_deleted(self, node: Any, span: TraceContext | None) -> None:
        self.addresses, self.local_pod_cidr = (), None
        if self._private_network:
            self.network.remove_node(node.metadata.name)

    # -- serving ---------------------------------------------------------------------------------

    def receive(self, envelope: Envelope) -> None:
        payload = envelope.payload
        if isinstance(payload, ProxyRoute):
            span = self.ctx.child_span(envelope.ctx)
            self.ctx.reply(envelope, self.route(payload, span), span)
        elif isinstance(payload, ProxyConnectionClosed):
            address = f"{payload.endpoint_ip}:{payload.endpoint_port}"
            self.table.connection_closed(payload.rule, address)

    def owner_of(self, ip: str) -> str:
        """The node whose address or podCIDR holds `ip` ("" when none)."""
        return self.network.owner_of(ip)

    def route(self, query: ProxyRoute, span: TraceContext | None = None) -> ProxyRouteAnswer:
        """The answer of this node's rules for a new connection."""
        dst, port, protocol = query.dst_ip, query.port, query.protocol
        info = self.table.by_cluster_ip(dst, port, protocol)
        external, receiving = False, self.node
        if info is None:
            owner = self.network.node_of_address(dst)
            info = self.table.by_node_port(port, protocol) if owner else None
            if info is None:
                info = self.table.by_external_ip(dst, port, protocol)
            external, receiving = info is not None, owner or self.node
        if info is None:
            owner = self.owner_of(dst)
            return ProxyRouteAnswer(
                outcome="direct" if owner else "no_route",
                endpoint_ip=dst,
                endpoint_port=port,
                node=owner,
            )
        choice = self.table.route(
            info,
            dst_ip=dst,
            dst_port=port,
            client_ip=query.client_ip,
            now=self.ctx.clock.now(),
            rng=self.ctx.rng,
            external=external,
            receiving_node=receiving,
            client_in_cluster=bool(query.client_ip) and bool(self.owner_of(query.client_ip)),
        )
        endpoint = choice.endpoint
        self.ctx.log.info(
            "proxy_rule_chosen",
            ctx=span,
            node=self.node,
            mode=self.table.mode,
            service=info.service,
            port=info.port_name or str(info.port),
            destination=f"{dst}:{port}",
            client_ip=query.client_ip,
            outcome=choice.outcome,
            endpoint=endpoint.address if endpoint else "",
            pod=endpoint.pod if endpoint else "",
            rule=choice.rule,
            probability=round(choice.probability, 6),
            scheduler=choice.scheduler,
            affinity=choice.affinity,
            candidates=choice.candidates,
        )
        return ProxyRouteAnswer(
            outcome=choice.outcome,
            endpoint_ip=endpoint.ip if endpoint else "",
            endpoint_port=endpoint.port if endpoint else 0,
            node=endpoint.node if endpoint else "",
            pod=endpoint.pod if endpoint else "",
            service=info.service,
            rule=choice.rule,
            probability=choice.probability,
            scheduler=choice.scheduler,
        )
