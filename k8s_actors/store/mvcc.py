"""The MVCC key-value store: etcd v3's data model, synchronous, in memory.

Role: the state behind the etcd actor. One global revision, bumped once per write transaction
(starting at 1 for an empty store, as etcd); reads at the current or any retained revision; puts,
deletes and guarded transactions; watches with history replay; compaction; leases in simulated time.
It awaits nothing and reads no clock, so the actor around it (and the tests) drive it directly.
Neighbours: `keyspace` (current versions and the writes), `history` (old versions and the write
log), `watch` (watcher index and dispatch), `lease` (lease bookkeeping), `compare` (transaction
guards), `model` (what it returns).

Costs: a put is O(log n) and a range at the current revision O(log n + k) (see `keyspace`); a read
at an old revision walks the retained keys of its range. Watch callbacks run synchronously after
each committed write, one call per watcher per transaction; a write made from inside a callback is
queued and dispatched after the current one, so every watcher still sees revisions in order.
Callbacks must not raise.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from k8s_actors.store.compare import compare_holds
from k8s_actors.store.errors import Compacted, FutureRevision, LeaseNotFound
from k8s_actors.store.history import History
from k8s_actors.store.keyrange import KeyRange
from k8s_actors.store.keyspace import Batch, KeySpace
from k8s_actors.store.lease import Lessor
from k8s_actors.store.model import (
    Compare,
    Delete,
    DeleteResponse,
    Event,
    KeyValue,
    Op,
    OpResponse,
    Put,
    PutResponse,
    RangeResult,
    TxnResult,
)
from k8s_actors.store.watch import WatchCallback, Watcher, WatchHub


class Store:
    """An etcd-like MVCC store; see the module docstring for semantics and costs."""

    def __init__(self) -> None:
        self._revision = 1
        self._compact_revision = 0
        self._history = History(first_revision=self._revision + 1)
        self._lessor = Lessor()
        self._keys = KeySpace(self._history, self._lessor)
        self._watchers = WatchHub()
        self._undispatched: deque[tuple[int, tuple[Event, ...]]] = deque()
        self._dispatched_revision = self._revision
        self._dispatching = False

    @property
    def revision(self) -> int:
        """The revision of the last write transaction (1 before any write)."""
        return self._revision

    @property
    def compact_revision(self) -> int:
        """The oldest revision still readable (0 before any compaction)."""
        return self._compact_revision

    def __len__(self) -> int:
        """The number of live keys."""
        return len(self._keys)

    # Reads

    def get(self, key: str, revision: int | None = None) -> KeyValue | None:
        at = self._readable(revision)
        if at == self._revision:
            return self._keys.get(key)
        return self._history.version_at(key, at)

    def range(
        self,
        start: str,
        end: str | None = None,
        *,
        prefix: bool = False,
        revision: int | None = None,
        limit: int = 0,
        count_only: bool = False,
    ) -> RangeResult:
        """Keys in [start, end) (one key when end is None, all from start when end is "\\0", or a
        prefix) in key order, at `revision` (None or 0 for the current one). `revision` of the
        result is the store's current revision, as etcd's response header."""
        at = self._readable(revision)
        keys = KeyRange.of(start, end, prefix=prefix)
        if at == self._revision:
            kvs, count = self._keys.range(keys, limit, count_only)
        else:
            kvs, count = self._history.range_at(keys, at, limit)
        more = 0 < limit < count
        return RangeResult(() if count_only else tuple(kvs), count, self._revision, more)

    def _readable(self, revision: int | None) -> int:
        if revision is None or revision <= 0:
            return self._revision
        if revision > self._revision:
            raise FutureRevision(self._revision, revision)
        if revision < self._compact_revision:
            raise Compacted(self._compact_revision, revision)
        return revision

    # Writes

    def put(
        self, key: str, value: Any, *, lease: int = 0, meta: Any = None
    ) -> tuple[int, KeyValue | None]:
        """Writes `value` under `key`; returns the new revision and the previous version."""
        result = self.txn((), (Put(key, value, lease),), (), meta=meta)
        response = result.responses[0]
        assert isinstance(response, PutResponse)
        return result.revision, response.prev_kv

    def delete(
        self, key: str, end: str | None = None, *, prefix: bool = False, meta: Any = None
    ) -> tuple[int, tuple[KeyValue, ...]]:
        """Deletes a key, a range or a prefix; deleting nothing leaves the revision unchanged."""
        result = self.txn((), (Delete(key, end, prefix),), (), meta=meta)
        response = result.responses[0]
        assert isinstance(response, DeleteResponse)
        return result.revision, response.deleted

    def txn(
        self,
        compares: Iterable[Compare],
        success: Iterable[Op],
        failure: Iterable[Op] = (),
        meta: Any = None,
    ) -> TxnResult:
        """Runs `success` if every compare holds, else `failure`, as one transaction: its writes
        share one new revision (none if it writes nothing) and reads see its earlier writes."""
        succeeded = all(compare_holds(c, self._keys.get(c.key)) for c in compares)
        ops = tuple(success if succeeded else failure)
        for op in ops:
            if isinstance(op, Put) and op.lease != 0 and op.lease not in self._lessor:
                raise LeaseNotFound(op.lease)
        batch = Batch(self._revision + 1, meta)
        responses = tuple(self._apply(batch, op) for op in ops)
        self._commit(batch)
        return TxnResult(succeeded, self._revision, responses)

    def _apply(self, batch: Batch, op: Op) -> OpResponse:
        if isinstance(op, Put):
            return PutResponse(self._keys.put(batch, op.key, op.value, op.lease))
        keys = KeyRange.of(op.key, op.end, prefix=op.prefix)
        if isinstance(op, Delete):
            found, _ = self._keys.range(keys, 0, count_only=False)
            return DeleteResponse(tuple(self._keys.delete(batch, kv) for kv in found))
        kvs, count = self._keys.range(keys, op.limit, op.count_only)
        seen = batch.revision if batch.events else self._revision
        return RangeResult(tuple(kvs), count, seen, 0 < op.limit < count)

    def _commit(self, batch: Batch) -> None:
        if not batch.events:
            return
        self._revision = batch.revision
        events = tuple(batch.events)
        self._history.record_events(batch.revision, events)
        self._undispatched.append((batch.revision, events))
        self._flush()

    def _flush(self) -> None:
        """Dispatches committed writes in revision order, unless a dispatch is already running."""
        if self._dispatching:
            return
        self._dispatching = True
        try:
            while self._undispatched:
                revision, events = self._undispatched.popleft()
                self._dispatched_revision = revision
                self._watchers.dispatch(revision, events)
        finally:
            self._dispatching = False

    # Watches

    def watch(
        self,
        key: str,
        *,
        prefix: bool = False,
        end: str | None = None,
        start_revision: int = 0,
        callback: WatchCallback,
    ) -> Watcher:
        """Calls `callback` with the matching events of each later write transaction.

        With `start_revision` > 0 the events from that revision on (inclusive, as etcd) are first
        replayed in one call; a revision beyond the current one waits for it to come.
        """
        keys = KeyRange.of(key, end, prefix=prefix)
        if start_revision <= 0:
            return self._watchers.add(keys, prefix, self._revision + 1, callback)
        if start_revision < self._compact_revision:
            raise Compacted(self._compact_revision, start_revision)
        replay = [
            event
            for revision, events in self._history.records_from(start_revision)
            if revision <= self._dispatched_revision
            for event in events
            if keys.contains(event.kv.key)
        ]
        first_live = max(start_revision, self._dispatched_revision + 1)
        watcher = self._watchers.add(keys, prefix, first_live, callback)
        if replay:
            self._deliver_replay(watcher, replay)
        return watcher

    def _deliver_replay(self, watcher: Watcher, events: list[Event]) -> None:
        # Writes made by the callback wait until the replay call has returned.
        if self._dispatching:
            watcher.callback(events)
            return
        self._dispatching = True
        try:
            watcher.callback(events)
        finally:
            self._dispatching = False
        self._flush()

    def events_since(self, revision: int) -> list[Event]:
        """Every event of the writes after `revision`, oldest first (for watch caches)."""
        if revision > self._revision:
            raise FutureRevision(self._revision, revision)
        if revision + 1 < self._compact_revision:
            raise Compacted(self._compact_revision, revision)
        return [event for _, events in self._history.records_from(revision + 1) for event in events]

    # Compaction

    def compact(self, revision: int) -> None:
        """Drops history before `revision`: reads and watches at older revisions raise Compacted."""
        if revision <= self._compact_revision:
            raise Compacted(self._compact_revision, revision)
        if revision > self._revision:
            raise FutureRevision(self._revision, revision)
        self._compact_revision = revision
        self._history.compact(revision)

    # Leases (times are simulated seconds passed in by the caller)

    def lease_grant(self, ttl_seconds: float, now: float) -> int:
        """Grants a lease expiring at now + ttl_seconds; ids are 1, 2, 3, ..."""
        return self._lessor.grant(ttl_seconds, now)

    def lease_keepalive(self, lease_id: int, now: float) -> float:
        """Restarts the lease's TTL from `now`; returns the granted TTL."""
        return self._lessor.keepalive(lease_id, now)

    def lease_ttl(self, lease_id: int, now: float) -> float:
        """Seconds left before the lease expires."""
        return self._lessor.remaining(lease_id, now)

    def lease_keys(self, lease_id: int) -> list[str]:
        """The keys attached to the lease, in key order."""
        return self._lessor.keys(lease_id)

    def lease_revoke(self, lease_id: int, meta: Any = None) -> int:
        """Ends the lease and deletes its keys in one transaction; returns the store's revision."""
        keys = self._lessor.remove(lease_id)
        batch = Batch(self._revision + 1, meta)
        for key in keys:
            current = self._keys.get(key)
            assert current is not None, "a lease only holds live keys"
            self._keys.delete(batch, current)
        self._commit(batch)
        return self._revision

    def next_lease_expiry(self) -> float | None:
        """When the next lease runs out (the caller arms a timer for it), or None."""
        return self._lessor.next_expiry()

    def expire(self, now: float) -> list[int]:
        """Revokes every lease whose TTL has run out by `now`, each in its own transaction."""
        expired = self._lessor.expired(now)
        for lease_id in expired:
            self.lease_revoke(lease_id)
        return expired
