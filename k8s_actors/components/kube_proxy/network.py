"""The pod network's routing knowledge: which node holds an address or a pod range.

Role: in a real cluster the routes between nodes' pod ranges belong to the pod network (the
CNI plugin's routes or the cloud's), not to kube-proxy, which watches only its own Node
(cmd/kube-proxy/app/server.go builds its node informer with the field selector
metadata.name=<node>). `PodNetwork` is that shared infrastructure: every node's InternalIPs and
podCIDR, filled once for the whole cluster by whoever simulates the infrastructure (the scenario
layer's `Cluster`, from etcd's store) and read by every kube-proxy. So a Node write costs one
update here, not one watch delivery per kube-proxy. Synchronous.
Neighbours: `agent` (reads it), `k8s_actors.scenario.cluster` (fills it).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from k8s_actors.api.objects.cluster import Node


class PodNetwork:
    """Every node's InternalIPs and podCIDR, and the owner of an IP among them."""

    def __init__(self) -> None:
        self._addresses: dict[str, str] = {}  # InternalIP -> node
        self._node_addresses: dict[str, tuple[str, ...]] = {}  # node -> its InternalIPs
        self._pod_cidrs: dict[str, ipaddress.IPv4Network] = {}  # node -> podCIDR
        # prefix length -> network address -> nodes (a lookup per prefix length, not per node).
        self._ranges: dict[int, dict[int, list[str]]] = {}

    # -- filled by the infrastructure ------------------------------------------------------------

    def set_node(self, node: Node) -> None:
        """Record `node`'s InternalIPs and podCIDR as its latest version states them."""
        name = node.metadata.name
        ips = tuple(a.address for a in node.status.addresses if a.type == "InternalIP")
        if ips != self._node_addresses.get(name, ()):
            self._drop_addresses(name)
            self._node_addresses[name] = ips
            for ip in ips:
                self._addresses[ip] = name
        if node.spec.pod_cidr:
            cidr = ipaddress.IPv4Network(node.spec.pod_cidr, strict=False)
            if cidr != self._pod_cidrs.get(name):
                self._drop_range(name)
                self._pod_cidrs[name] = cidr
                owners = self._ranges.setdefault(cidr.prefixlen, {})
                owners.setdefault(int(cidr.network_address), []).append(name)

    def remove_node(self, name: str) -> None:
        """The node was deleted: its addresses and pod range no longer route anywhere."""
        self._drop_addresses(name)
        self._drop_range(name)

    def _drop_addresses(self, name: str) -> None:
        for ip in self._node_addresses.pop(name, ()):
            if self._addresses.get(ip) == name:
                del self._addresses[ip]

    def _drop_range(self, name: str) -> None:
        cidr = self._pod_cidrs.pop(name, None)
        if cidr is None:
            return
        owners = self._ranges[cidr.prefixlen]
        names = owners[int(cidr.network_address)]
        names.remove(name)
        if not names:
            del owners[int(cidr.network_address)]

    # -- read by kube-proxy ----------------------------------------------------------------------

    @property
    def node_ips(self) -> Mapping[str, str]:
        """Every node's InternalIP and the node holding it."""
        return self._addresses

    def node_of_address(self, ip: str) -> str:
        """The node with InternalIP `ip` ("" when none)."""
        return self._addresses.get(ip, "")

    def pod_cidr(self, node: str) -> ipaddress.IPv4Network | None:
        return self._pod_cidrs.get(node)

    def owner_of(self, ip: str) -> str:
        """The node whose InternalIP or podCIDR holds `ip` ("" when none).

        Overlapping pod ranges (never assigned by the node IPAM controller, possible when set
        by hand) go to the first node by name."""
        owner = self._addresses.get(ip)
        if owner is not None:
            return owner
        try:
            address = int(ipaddress.IPv4Address(ip))
        except ValueError:
            return ""
        found = [
            name
            for prefixlen, owners in self._ranges.items()
            for name in owners.get(address & _mask(prefixlen), ())
        ]
        return min(found) if found else ""


def _mask(prefixlen: int) -> int:
    return (0xFFFFFFFF << (32 - prefixlen)) & 0xFFFFFFFF
