"""Leases: time-limited ids that keys attach to, deleted together when the lease ends.

Role: the bookkeeping half of etcd's lessor (server/lease/lessor.go): grant with deterministic ids
1, 2, 3, ..., keep-alive, remaining TTL, which keys hang on which lease, and which leases have run
out at a given time. It never reads a clock: every call that needs "now" is passed the simulated
time in seconds. Deleting the keys of a revoked lease is the store's job.
Neighbours: `mvcc.Store` (owns one `Lessor`, attaches keys on put, revokes on expiry).

Expiry times sit in a heap with lazy removal, so finding the expired leases costs O(log n) per lease
and keep-alive, not a scan of every lease.
"""

from __future__ import annotations

import heapq

from k8s_actors.store.errors import LeaseNotFound


class _Lease:
    __slots__ = ("expiry", "keys", "lease_id", "ttl")

    def __init__(self, lease_id: int, ttl: float, expiry: float) -> None:
        self.lease_id = lease_id
        self.ttl = ttl
        self.expiry = expiry
        # Insertion-ordered set of attached keys.
        self.keys: dict[str, None] = {}


class Lessor:
    """Granted leases, their attached keys and their expiry times."""

    def __init__(self) -> None:
        self._leases: dict[int, _Lease] = {}
        self._last_id = 0
        self._expiries: list[tuple[float, int]] = []

    def __contains__(self, lease_id: int) -> bool:
        return lease_id in self._leases

    def __len__(self) -> int:
        return len(self._leases)

    def grant(self, ttl_seconds: float, now: float) -> int:
        if ttl_seconds <= 0:
            raise ValueError(f"lease TTL must be positive, got {ttl_seconds}")
        self._last_id += 1
        lease = _Lease(self._last_id, ttl_seconds, now + ttl_seconds)
        self._leases[lease.lease_id] = lease
        heapq.heappush(self._expiries, (lease.expiry, lease.lease_id))
        return lease.lease_id

    def keepalive(self, lease_id: int, now: float) -> float:
        """Restarts the TTL from `now` and returns it; a lease past its expiry is already gone."""
        lease = self._live(lease_id, now)
        lease.expiry = now + lease.ttl
        heapq.heappush(self._expiries, (lease.expiry, lease_id))
        return lease.ttl

    def remaining(self, lease_id: int, now: float) -> float:
        """Seconds left before the lease expires (0 once expired but not yet collected)."""
        lease = self._get(lease_id)
        return max(0.0, lease.expiry - now)

    def granted_ttl(self, lease_id: int) -> float:
        return self._get(lease_id).ttl

    def keys(self, lease_id: int) -> list[str]:
        """The attached keys in key order (etcd revokes them sorted, for determinism)."""
        return sorted(self._get(lease_id).keys)

    def attach(self, lease_id: int, key: str) -> None:
        self._get(lease_id).keys[key] = None

    def detach(self, lease_id: int, key: str) -> None:
        lease = self._leases.get(lease_id)
        if lease is not None:
            lease.keys.pop(key, None)

    def remove(self, lease_id: int) -> list[str]:
        """Forgets the lease and returns its keys in key order."""
        keys = self.keys(lease_id)
        del self._leases[lease_id]
        return keys

    def expired(self, now: float) -> list[int]:
        """Ids of the leases whose expiry is at or before `now`, earliest first (ties by id)."""
        found: dict[int, None] = {}
        while self._expiries and self._expiries[0][0] <= now:
            expiry, lease_id = heapq.heappop(self._expiries)
            lease = self._leases.get(lease_id)
            # Entries left behind by a keep-alive or a revoke are skipped; a keep-alive that
            # landed on the same expiry leaves a duplicate entry.
            if lease is not None and lease.expiry == expiry:
                found[lease_id] = None
        return list(found)

    def next_expiry(self) -> float | None:
        """The earliest expiry time of a live lease, or None when no lease is granted."""
        while self._expiries:
            expiry, lease_id = self._expiries[0]
            lease = self._leases.get(lease_id)
            if lease is not None and lease.expiry == expiry:
                return expiry
            heapq.heappop(self._expiries)  # left behind by a keep-alive or a revoke
        return None

    def _get(self, lease_id: int) -> _Lease:
        lease = self._leases.get(lease_id)
        if lease is None:
            raise LeaseNotFound(lease_id)
        return lease

    def _live(self, lease_id: int, now: float) -> _Lease:
        lease = self._get(lease_id)
        if lease.expiry <= now:
            raise LeaseNotFound(lease_id)
        return lease
