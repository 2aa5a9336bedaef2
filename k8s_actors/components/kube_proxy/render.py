"""A node's rule table printed the way an operator reads it on the node.

Role: `iptables_save` renders the KUBE-SERVICES, KUBE-NODEPORTS, KUBE-EXT-*, KUBE-SVC-*,
KUBE-SVL-* and KUBE-SEP-* rules as `iptables-save` shows them (comments, `recent` matches for
ClientIP affinity, `--probability` printed as iptables prints the value it stored: the
probability scaled to 2^31 and rounded, shown with 11 decimals, hence 0.33333333349 for 1/3);
`ipvsadm` renders the virtual servers as `ipvsadm -Ln` does. A subset of the real rule set:
the masquerade marks and the firewall chains are abridged. Pure. Neighbours: `rules` (the
table), `endpoints` (categorisation), the `rules` verb of the command line.
"""

from __future__ import annotations

from k8s_actors.components.kube_proxy.endpoints import ProxyEndpoint, ServicePortInfo, categorize
from k8s_actors.components.kube_proxy.naming import endpoint_chain, external_chain, service_chain
from k8s_actors.components.kube_proxy.rules import RuleTable

NODEPORTS_RULE = (
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be '
    'the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS'
)
REJECT = "-j REJECT --reject-with icmp-port-unreachable"


def iptables_probability(probability: float) -> str:
    """What iptables-save prints for `--probability p` (xt_statistic stores p * 2^31)."""
    stored = round(probability * 0x80000000)
    return f"{stored / 0x80000000:.11f}"


class _Iptables:
    def __init__(self, table: RuleTable, cluster_cidr: str) -> None:
        self.table = table
        self.cidr = cluster_cidr
        self.filter: list[str] = []
        self.head: list[str] = []
        self.nodeports: list[str] = []
        self.body: list[str] = []
        self.chains: list[str] = []

    def add(self, info: ServicePortInfo) -> None:
        name, proto = info.name, info.protocol.lower()
        internal = categorize(info, self.table.node, external=False)
        dst = f"-d {info.cluster_ip}/32 -p {proto}"
        match = f"-m {proto} --dport {info.port}"
        if not internal.has_any:
            comment = f'-m comment --comment "{name} has no endpoints"'
            self.filter.append(f"-A KUBE-SERVICES {dst} {comment} {match} {REJECT}")
            if info.node_port:
                self.filter.append(
                    f"-A KUBE-EXTERNAL-SERVICES -p {proto} {comment} -m addrtype --dst-type "
                    f"LOCAL -m {proto} --dport {info.node_port} {REJECT}"
                )
            return
        chain = service_chain(name, info.protocol, local=info.internal_local)
        self.head.append(
            f'-A KUBE-SERVICES {dst} -m comment --comment "{name} cluster IP" {match} -j {chain}'
        )
        if info.internal_local and not internal.local:
            self.filter.append(
                f'-A KUBE-SERVICES {dst} -m comment --comment "{name} has no local endpoints" '
                f"{match} -j DROP"
            )
        if info.node_port:
            self._external(info)
        self._policy_chain(info, local=info.internal_local, external=False)
        if info.node_port and info.external_local and not info.internal_local:
            self._policy_chain(info, local=True, external=True)

    def _external(self, info: ServicePortInfo) -> None:
        name, proto = info.name, info.protocol
        ext = external_chain(name, proto)
        self.chains.append(ext)
        self.nodeports.append(
            f'-A KUBE-NODEPORTS -p {proto.lower()} -m comment --comment "{name}" '
            f"-m {proto.lower()} --dport {info.node_port} -j {ext}"
        )
        cluster = service_chain(name, proto)
        if info.external_local:
            self.body.append(
                f'-A {ext} -s {self.cidr} -m comment --comment "pod traffic for {name} external '
                f'destinations" -j {cluster}'
            )
            self.body.append(f"-A {ext} -j {service_chain(name, proto, local=True)}")
            return
        self.body.append(
            f'-A {ext} -m comment --comment "masquerade traffic for {name} external '
            f'destinations" -j KUBE-MARK-MASQ'
        )
        self.body.append(f"-A {ext} -j {cluster}")

    def _policy_chain(self, info: ServicePortInfo, *, local: bool, external: bool) -> None:
        sets = categorize(info, self.table.node, external=external)
        endpoints = sets.local if local else sets.cluster
        chain = service_chain(info.name, info.protocol, local=local)
        self.chains.append(chain)
        self._svc_rules(info, chain, endpoints)
        for endpoint in endpoints:
            self._sep_rules(info, endpoint)

    def _svc_rules(
        self, info: ServicePortInfo, chain: str, endpoints: tuple[ProxyEndpoint, ...]
    ) -> None:
        name, proto = info.name, info.protocol.lower()
        self.body.append(
            f"-A {chain} ! -s {self.cidr} -d {info.cluster_ip}/32 -p {proto} -m comment "
            f'--comment "{name} cluster IP" -m {proto} --dport {info.port} -j KUBE-MARK-MASQ'
        )
        for endpoint in endpoints if info.affinity_timeout else ():
            sep = endpoint_chain(name, info.protocol, endpoint)
            self.body.append(
                f'-A {chain} -m comment --comment "{name} -> {endpoint.address}" -m recent '
                f"--name {sep} --mask 255.255.255.255 --rsource --rcheck "
                f"--seconds {info.affinity_timeout} --reap -j {sep}"
            )
        count = len(endpoints)
        for index, endpoint in enumerate(endpoints):
            sep = endpoint_chain(name, info.protocol, endpoint)
            statistic = ""
            if index < count - 1:
                probability = iptables_probability(1.0 / (count - index))
                statistic = f" -m statistic --mode random --probability {probability}"
            self.body.append(
                f'-A {chain} -m comment --comment "{name} -> {endpoint.address}"{statistic} '
                f"-j {sep}"
            )

    def _sep_rules(self, info: ServicePortInfo, endpoint: ProxyEndpoint) -> None:
        name, proto = info.name, info.protocol.lower()
        sep = endpoint_chain(name, info.protocol, endpoint)
        self.chains.append(sep)
        recent = ""
        if info.affinity_timeout:
            recent = f" -m recent --set --name {sep} --mask 255.255.255.255 --rsource"
        self.body.append(
            f'-A {sep} -s {endpoint.ip}/32 -m comment --comment "{name}" -j KUBE-MARK-MASQ'
        )
        self.body.append(
            f'-A {sep} -p {proto} -m comment --comment "{name}"{recent} -m {proto} '
            f"-j DNAT --to-destination {endpoint.address}"
        )

    def text(self) -> str:
        chains = list(dict.fromkeys(self.chains))
        lines = [f"# Generated by iptables-save (simulated) on node {self.table.node}"]
        lines += ["*filter", ":KUBE-EXTERNAL-SERVICES - [0:0]", ":KUBE-SERVICES - [0:0]"]
        lines += [*self.filter, "COMMIT", "*nat", ":KUBE-NODEPORTS - [0:0]"]
        lines += [":KUBE-SERVICES - [0:0]", *(f":{chain} - [0:0]" for chain in chains)]
        lines += [*self.head, NODEPORTS_RULE, *self.nodeports, *self.body, "COMMIT"]
        return "\n".join(lines) + "\n"


def iptables_save(table: RuleTable, cluster_cidr: str = "10.244.0.0/16") -> str:
    """The node's filter and nat rules for services, in iptables-save format."""
    rendering = _Iptables(table, cluster_cidr)
    for info in table.sorted_ports():
        rendering.add(info)
    return rendering.text()


def ipvsadm(table: RuleTable, node_ips: tuple[str, ...] = ()) -> str:
    """The node's virtual servers as `ipvsadm -Ln` lists them (NodePorts on `node_ips`)."""
    lines = [
        "IP Virtual Server version 1.2.1 (size=4096)",
        "Prot LocalAddress:Port Scheduler Flags",
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
    ]
    servers: list[tuple[str, int, ServicePortInfo, bool]] = []
    for info in table.sorted_ports():
        servers.append((info.cluster_ip, info.port, info, False))
        if info.node_port:
            servers += [(ip, info.node_port, info, True) for ip in node_ips]
    for ip, port, info, external in servers:
        vs = f"{info.protocol} {ip}:{port} {table.scheduler}"
        flags = f" persistent {info.affinity_timeout}" if info.affinity_timeout else ""
        lines.append(f"{info.protocol:<4} {ip}:{port} {table.scheduler}{flags}")
        sets = categorize(info, table.node, external=external)
        local = info.external_local if external else info.internal_local
        for endpoint in sets.local if local else sets.cluster:
            active = table.active_connections(vs, endpoint.address)
            lines.append(f"  -> {endpoint.address:<28} Masq    1      {active:<10} 0")
    return "\n".join(lines) + "\n"
