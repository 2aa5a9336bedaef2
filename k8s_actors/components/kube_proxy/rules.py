"""One node's service rule table and the choice of an endpoint for a new connection.

Role: what kube-proxy programs into a node (iptables chains or IPVS virtual servers) reduced to
the decision it makes per connection. `RuleTable` holds every proxied service port, indexed by
ClusterIP:port and by NodePort; `route` picks the endpoint:
- iptables: the KUBE-SVC chain jumps to endpoint i of n with probability 1/(n-i), the last one
  unconditionally (pkg/proxy/iptables/proxier.go writes `-m statistic --mode random
  --probability`), drawn with the run's generator;
- ipvs: round robin (rr) or least connection (lc) over the real servers;
- sessionAffinity ClientIP: the `recent` match (iptables) or persistence (ipvs) sends a client
  back to its endpoint while it was seen within the timeout;
- no usable endpoint anywhere: REJECT (refused); a Local policy with none on the node: DROP.
Synchronous. Neighbours: `endpoints` (inputs), `render` (prints the table), `agent` (the actor).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import msgspec

from k8s_actors.components.kube_proxy.endpoints import (
    ProxyEndpoint,
    ServicePortInfo,
    categorize,
)
from k8s_actors.components.kube_proxy.naming import endpoint_chain, service_chain

if TYPE_CHECKING:
    import random  # annotations only: the run's generator is always handed in

ProxyMode = Literal["iptables", "ipvs"]
PROXY_MODES: tuple[str, ...] = ("iptables", "ipvs")
IPVS_SCHEDULERS: tuple[str, ...] = ("rr", "lc")
Outcome = Literal["endpoint", "no_endpoints", "dropped"]


class Choice(msgspec.Struct, frozen=True, kw_only=True):
    """The rule a connection matched and where it goes (`endpoint` None: refused or dropped)."""

    outcome: Outcome
    info: ServicePortInfo
    endpoint: ProxyEndpoint | None = None
    rule: str = ""
    probability: float = 0.0
    scheduler: str = ""
    affinity: bool = False
    candidates: int = 0


class RuleTable:
    """The rules of one node for every service port, and their per-connection state."""

    def __init__(self, node: str, mode: ProxyMode = "iptables", scheduler: str = "rr") -> None:
        self.node = node
        self.mode = mode
        self.scheduler = scheduler
        self.services: dict[str, tuple[ServicePortInfo, ...]] = {}
        self._by_cluster_ip: dict[tuple[str, int, str], ServicePortInfo] = {}
        self._by_node_port: dict[tuple[int, str], ServicePortInfo] = {}
        # ClientIP affinity: (chain, client) -> (endpoint address, last seen).
        self._affinity: dict[tuple[str, str], tuple[str, float]] = {}
        self._rr_next: dict[str, int] = {}
        self._active: dict[tuple[str, str], int] = {}

    # -- programming -----------------------------------------------------------------------------

    def set_service(self, key: str, ports: list[ServicePortInfo]) -> None:
        """Replace the rules of service `key` ("ns/name"); no ports removes it."""
        self._unindex(key)
        if not ports:
            self.services.pop(key, None)
            return
        self.services[key] = tuple(ports)
        for info in ports:
            self._by_cluster_ip[(info.cluster_ip, info.port, info.protocol)] = info
            if info.node_port:
                self._by_node_port[(info.node_port, info.protocol)] = info

    def _unindex(self, key: str) -> None:
        for info in self.services.get(key, ()):
            self._by_cluster_ip.pop((info.cluster_ip, info.port, info.protocol), None)
            if info.node_port:
                self._by_node_port.pop((info.node_port, info.protocol), None)

    def sorted_ports(self) -> list[ServicePortInfo]:
        """Every service port, by service then port name (the order rules are printed in)."""
        return [info for key in sorted(self.services) for info in self.services[key]]

    # -- lookups ---------------------------------------------------------------------------------

    def by_cluster_ip(self, ip: str, port: int, protocol: str = "TCP") -> ServicePortInfo | None:
        return self._by_cluster_ip.get((ip, port, protocol))

    def by_node_port(self, port: int, protocol: str = "TCP") -> ServicePortInfo | None:
        return self._by_node_port.get((port, protocol))

    def by_external_ip(self, ip: str, port: int, protocol: str = "TCP") -> ServicePortInfo | None:
        for info in self.sorted_ports():
            if ip in info.external_ips and info.port == port and info.protocol == protocol:
                return info
        return None

    # -- a new connection ------------------------------------------------------------------------

    def route(
        self,
        info: ServicePortInfo,
        *,
        dst_ip: str,
        dst_port: int,
        client_ip: str,
        now: float,
        rng: random.Random,
        external: bool = False,
        receiving_node: str = "",
        client_in_cluster: bool = False,
    ) -> Choice:
        """Where a new connection to `dst_ip:dst_port` (a port of `info`) goes.

        `external` traffic arrived on a NodePort or external IP of `receiving_node` (this node
        unless said otherwise) and follows externalTrafficPolicy, except that traffic from a pod
        or a node (`client_in_cluster`) short-circuits to the Cluster policy, as the KUBE-EXT
        chain's "pod traffic" and "LOCAL traffic" rules do."""
        node = receiving_node or self.node
        external = external and not client_in_cluster
        sets = categorize(info, node, external=external)
        local = info.external_local if external else info.internal_local
        candidates = sets.local if local else sets.cluster
        chain = service_chain(info.name, info.protocol, local=local)
        if self.mode == "ipvs":
            # One IPVS virtual server per address:port, with its own scheduler and persistence.
            chain = f"{info.protocol} {dst_ip}:{dst_port} {self.scheduler}"
        if not candidates:
            outcome: Outcome = "dropped" if sets.has_any else "no_endpoints"
            return Choice(outcome=outcome, info=info, rule=chain, scheduler=self._scheduler_name())
        sticky = self._sticky(info, chain, client_ip, candidates, now)
        if sticky is not None:
            return self._chosen(info, chain, sticky, 1.0, candidates, client_ip, now, True)
        if self.mode == "ipvs":
            endpoint = self._ipvs_pick(chain, candidates)
            return self._chosen(info, chain, endpoint, 0.0, candidates, client_ip, now)
        endpoint, probability = iptables_pick(candidates, rng)
        return self._chosen(info, chain, endpoint, probability, candidates, client_ip, now)

    def _scheduler_name(self) -> str:
        return self.scheduler if self.mode == "ipvs" else ""

    def _sticky(
        self,
        info: ServicePortInfo,
        chain: str,
        client_ip: str,
        candidates: tuple[ProxyEndpoint, ...],
        now: float,
    ) -> ProxyEndpoint | None:
        """The endpoint `client_ip` used last, if seen within the affinity timeout and usable."""
        if not info.affinity_timeout or not client_ip:
            return None
        remembered = self._affinity.get((chain, client_ip))
        if remembered is None:
            return None
        address, last_seen = remembered
        if now - last_seen > info.affinity_timeout:
            del self._affinity[(chain, client_ip)]
            return None
        return next((ep for ep in candidates if ep.address == address), None)

    def _chosen(
        self,
        info: ServicePortInfo,
        chain: str,
        endpoint: ProxyEndpoint,
        probability: float,
        candidates: tuple[ProxyEndpoint, ...],
        client_ip: str,
        now: float,
        affinity: bool = False,
    ) -> Choice:
        if info.affinity_timeout and client_ip:
            # iptables `recent --set` / IPVS persistence: refreshed by every new connection.
            self._affinity[(chain, client_ip)] = (endpoint.address, now)
        if self.mode == "ipvs":
            key = (chain, endpoint.address)
            self._active[key] = self._active.get(key, 0) + 1
            rule = chain
        else:
            rule = endpoint_chain(info.name, info.protocol, endpoint)
        return Choice(
            outcome="endpoint",
            info=info,
            endpoint=endpoint,
            rule=rule,
            probability=probability,
            scheduler=self._scheduler_name(),
            affinity=affinity,
            candidates=len(candidates),
        )

    def _ipvs_pick(self, vs: str, candidates: tuple[ProxyEndpoint, ...]) -> ProxyEndpoint:
        if self.scheduler == "lc":
            # ip_vs_lc.c: the server with the least overhead; ties go to the first one listed.
            return min(candidates, key=lambda ep: self._active.get((vs, ep.address), 0))
        index = self._rr_next.get(vs, 0) % len(candidates)
        self._rr_next[vs] = index + 1
        return candidates[index]

    def connection_closed(self, vs: str, address: str) -> None:
        """An IPVS connection through virtual server `vs` to `address` ended."""
        key = (vs, address)
        if self._active.get(key, 0) > 0:
            self._active[key] -= 1

    def active_connections(self, vs: str, address: str) -> int:
        return self._active.get((vs, address), 0)


def iptables_pick(
    candidates: tuple[ProxyEndpoint, ...], rng: random.Random
) -> tuple[ProxyEndpoint, float]:
    """Walk the KUBE-SVC chain: rule i of n matches with probability 1/(n-i), the last always.

    The overall effect is a uniform choice; the probability returned is that of the rule that
    matched (1.0 for the last, which carries no statistic match)."""
    count = len(candidates)
    for index, endpoint in enumerate(candidates):
        remaining = count - index
        if remaining == 1:
            return endpoint, 1.0
        probability = 1.0 / remaining
        if rng.random() < probability:
            return endpoint, probability
    raise ValueError("no candidates")


def rule_probabilities(count: int) -> list[float]:
    """The --probability of each of `count` endpoint rules (the last has none: 1.0)."""
    return [1.0 / (count - index) for index in range(count)]
