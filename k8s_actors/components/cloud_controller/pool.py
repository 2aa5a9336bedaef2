"""The simulated cloud's pool of external addresses for LoadBalancer Services.

Role: parses the scenario setting `loadBalancerIPPool` ("203.0.113.10-203.0.113.50", a single
address, or a CIDR) and hands out addresses per Service key: a preferred address when it is in
the pool and free (the one already in the Service's status, or spec.loadBalancerIP), otherwise
the lowest free one; released when the Service goes. Synchronous and deterministic.
Neighbours: `manager` (the actor), `k8s_actors.scenario.spec` (the setting's default).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

DEFAULT_POOL = "203.0.113.10-203.0.113.254"  # TEST-NET-3 (RFC 5737), documentation addresses


def parse_pool(text: str) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]:
    """The first and last address of a range "A-B", a CIDR "A/n" or one address "A".

    Raises ValueError with a readable message when the text is none of these.
    """
    text = text.strip()
    if "-" in text:
        low_text, _, high_text = text.partition("-")
        low, high = (
            ipaddress.IPv4Address(low_text.strip()),
            ipaddress.IPv4Address(high_text.strip()),
        )
    elif "/" in text:
        network = ipaddress.IPv4Network(text, strict=False)
        hosts = list(network.hosts()) or [network.network_address]
        low, high = hosts[0], hosts[-1]
    else:
        low = high = ipaddress.IPv4Address(text)
    if int(low) > int(high):
        raise ValueError(f"the range's first address {low} is after its last {high}")
    return low, high


class IPPool:
    """Addresses of the pool by owner key ("namespace/name")."""

    def __init__(self, text: str = DEFAULT_POOL) -> None:
        self.text = text
        self.low, self.high = parse_pool(text)
        self.owners: dict[str, str] = {}  # address -> service key
        self.by_key: dict[str, str] = {}  # service key -> address

    def __contains__(self, address: str) -> bool:
        try:
            value = int(ipaddress.IPv4Address(address))
        except ValueError:
            return False
        return int(self.low) <= value <= int(self.high)

    def allocate(self, key: str, preferred: Iterable[str] = ()) -> str | None:
        """The key's address (kept if it has one); None when the pool is exhausted."""
        if key in self.by_key:
            return self.by_key[key]
        for address in preferred:
            if address and address in self and address not in self.owners:
                return self._take(key, address)
        for value in range(int(self.low), int(self.high) + 1):
            address = str(ipaddress.IPv4Address(value))
            if address not in self.owners:
                return self._take(key, address)
        return None

    def release(self, key: str) -> str | None:
        address = self.by_key.pop(key, None)
        if address is not None:
            del self.owners[address]
        return address

    def owner(self, address: str) -> str | None:
        return self.owners.get(address)

    def _take(self, key: str, address: str) -> str:
        self.owners[address] = key
        self.by_key[key] = address
        return address
