"""The simulated CNI plugin: pod IPs from the node's podCIDR, host-local style.

Role: what the bridge plugin with host-local IPAM does on ADD and DEL. The range is the node's
spec.podCIDR; the network address, the gateway (the first address, given to the bridge) and the
broadcast address are never handed out. Like host-local, allocation goes round-robin: it resumes
after the last address it gave, so a freed address is not reused at once. Deterministic: the same
sequence of ADDs and DELs gives the same addresses. Neighbours: `runtime` (owns one allocator per
node, so allocations survive a kubelet restart), `podworker` (calls add and delete).
"""

from __future__ import annotations

import ipaddress


class IpamError(Exception):
    """No address can be given (no range, or every address taken)."""


class HostLocalIpam:
    """Allocations of one node's pod range, by pod uid."""

    def __init__(self, cidr: str = "") -> None:
        self.cidr = ""
        self._network: ipaddress.IPv4Network | None = None
        self._by_pod: dict[str, str] = {}
        self._last: int | None = None
        if cidr:
            self.set_range(cidr)

    def set_range(self, cidr: str) -> None:
        """Use `cidr` (the node's podCIDR) from now on."""
        self.cidr = cidr
        self._network = ipaddress.IPv4Network(cidr, strict=False)

    @property
    def gateway(self) -> str:
        if self._network is None:
            return ""
        return str(self._network.network_address + 1)

    def allocated(self) -> dict[str, str]:
        """Pod uid -> address, in allocation order."""
        return dict(self._by_pod)

    def add(self, pod_uid: str) -> str:
        """The address of the pod (the same one again if it has one already)."""
        if pod_uid in self._by_pod:
            return self._by_pod[pod_uid]
        network = self._network
        if network is None:
            raise IpamError("no IP addresses available in range set: node has no podCIDR")
        first = int(network.network_address) + 2  # after the network address and the gateway
        last = int(network.broadcast_address) - 1
        if last < first:
            raise IpamError(f"no IP addresses available in range set: {self.cidr}")
        taken = {int(ipaddress.IPv4Address(ip)) for ip in self._by_pod.values()}
        start = first if self._last is None or self._last >= last else self._last + 1
        size = last - first + 1
        for step in range(size):
            candidate = first + (start - first + step) % size
            if candidate not in taken:
                self._last = candidate
                address = str(ipaddress.IPv4Address(candidate))
                self._by_pod[pod_uid] = address
                return address
        raise IpamError(f"no IP addresses available in range set: {self.cidr}")

    def delete(self, pod_uid: str) -> str | None:
        """Release the pod's address; the address, or None when it had none."""
        return self._by_pod.pop(pod_uid, None)
