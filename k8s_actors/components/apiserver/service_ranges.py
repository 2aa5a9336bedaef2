"""The bitmap allocators behind Service ClusterIPs and NodePorts.

Role: pkg/registry/core/service/ipallocator (bitmap.go) and portallocator: a `Bitmap` of holders
with the random-scan-with-offset strategy, an `IPRange` over a CIDR (network and broadcast
addresses excluded) and a `PortRange` over "first-last". The lower band of a range
(calculateRangeOffset) is kept for requested values and used for dynamic picks only once the
upper part is full. Neighbours: `serviceips` (reservations, the watch cache's view).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import random  # annotations only: the run's generator is always handed in


class AllocationFailed(Exception):
    """An allocator's refusal (the Go error text); `taken` when another holder has the value."""

    def __init__(self, reason: str, taken: bool = False) -> None:
        super().__init__(reason)
        self.taken = taken


def range_offset(size: int, low: int, high: int, step: int) -> int:
    """calculateRangeOffset: min(max(low, size/step), high); 0 for a range of `low` or less."""
    if size <= low:
        return 0
    return min(max(low, size // step), high)


class Bitmap:
    """allocator.AllocationBitmap with the random-scan-with-offset strategy: index -> holder."""

    def __init__(self, size: int, offset: int) -> None:
        self.size = size
        self.offset = offset
        self.holders: dict[int, str] = {}

    def take(self, index: int, holder: str) -> bool:
        if index in self.holders:
            return False
        self.holders[index] = holder
        return True

    def take_next(self, rng: random.Random, holder: str) -> int | None:
        """A random free index of the upper band, else of the lower band (allocator/bitmap.go
        randomScanStrategyWithOffset: a random start, then a forward scan that wraps)."""
        if len(self.holders) >= self.size:
            return None
        for low, count in ((self.offset, self.size - self.offset), (0, self.offset)):
            if count <= 0:
                continue
            start = rng.randrange(count)
            for step in range(count):
                index = low + (start + step) % count
                if self.take(index, holder):
                    return index
        return None

    def release(self, index: int, holder: str) -> None:
        if self.holders.get(index) == holder:
            del self.holders[index]


class IPRange:
    """ipallocator.Range: every address of the CIDR but the network and broadcast ones."""

    def __init__(self, cidr: str) -> None:
        self.cidr = ipaddress.ip_network(cidr, strict=False)
        total = self.cidr.num_addresses
        size = total - 2 if self.cidr.version == 4 else min(total - 1, 65536)
        self.base = int(self.cidr.network_address) + 1
        self.bitmap = Bitmap(max(0, size), range_offset(total, 16, 256, 16))

    def first(self) -> str:
        return str(ipaddress.ip_address(self.base))

    def index(self, ip: str) -> int | None:
        address = ipaddress.ip_address(ip)
        if address not in self.cidr:
            return None
        index = int(address) - self.base
        return index if 0 <= index < self.bitmap.size else None

    def allocate(self, ip: str, holder: str) -> None:
        index = self.index(ip)
        if index is None:
            raise AllocationFailed(
                f"the provided IP ({ip}) is not in the valid range. "
                f"The range of valid IPs is {self.cidr}"
            )
        if not self.bitmap.take(index, holder):
            raise AllocationFailed("provided IP is already allocated", taken=True)

    def allocate_next(self, rng: random.Random, holder: str) -> str:
        index = self.bitmap.take_next(rng, holder)
        if index is None:
            raise AllocationFailed("range is full", taken=True)
        return str(ipaddress.ip_address(self.base + index))

    def release(self, ip: str, holder: str) -> None:
        index = self.index(ip)
        if index is not None:
            self.bitmap.release(index, holder)

    def holder(self, ip: str) -> str | None:
        index = self.index(ip)
        return None if index is None else self.bitmap.holders.get(index)


class PortRange:
    """portallocator.PortAllocator over "first-last" (both included)."""

    def __init__(self, text: str) -> None:
        first, _, last = text.partition("-")
        self.text = text
        self.base = int(first)
        size = (int(last) if last else self.base) - self.base + 1
        self.bitmap = Bitmap(size, range_offset(size, 16, 128, 32))

    def allocate(self, port: int, holder: str) -> None:
        index = port - self.base
        if not 0 <= index < self.bitmap.size:
            raise AllocationFailed(
                f"provided port is not in the valid range. The range of valid ports is {self.text}"
            )
        if not self.bitmap.take(index, holder):
            raise AllocationFailed("provided port is already allocated", taken=True)

    def allocate_next(self, rng: random.Random, holder: str) -> int:
        index = self.bitmap.take_next(rng, holder)
        if index is None:
            raise AllocationFailed("range is full", taken=True)
        return self.base + index

    def release(self, port: int, holder: str) -> None:
        self.bitmap.release(port - self.base, holder)

    def holder(self, port: int) -> str | None:
        return self.bitmap.holders.get(port - self.base)
