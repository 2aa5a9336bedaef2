"""The current version of every live key, and the writes that change them.

Role: the "now" of the MVCC store. A sorted dict from key to its current `KeyValue` gives O(log n)
puts and O(log n + k) ranges (a range's count is O(log n)); each write also records the new version
in `history`, keeps lease attachments in step in the `Lessor`, and appends its event to the batch
of the write transaction it belongs to.
Neighbours: `mvcc.Store` (groups writes into batches, commits and dispatches them), `history`
(old versions), `lease` (which keys hang on which lease).
"""

from __future__ import annotations

from typing import Any

from sortedcontainers import SortedDict

from k8s_actors.store.history import History
from k8s_actors.store.keyrange import KeyRange
from k8s_actors.store.lease import Lessor
from k8s_actors.store.model import Event, EventType, KeyValue


class Batch:
    """The changes of one write transaction, all at revision `revision`, tagged with `meta`."""

    __slots__ = ("events", "meta", "revision")

    def __init__(self, revision: int, meta: Any) -> None:
        self.revision = revision
        self.meta = meta
        self.events: list[Event] = []


class KeySpace:
    """Live keys in key order, with the write operations of a transaction."""

    def __init__(self, history: History, lessor: Lessor) -> None:
        self._live: SortedDict = SortedDict()
        self._history = history
        self._lessor = lessor

    def __len__(self) -> int:
        return len(self._live)

    def get(self, key: str) -> KeyValue | None:
        current: KeyValue | None = self._live.get(key)
        return current

    def range(self, keys: KeyRange, limit: int, count_only: bool) -> tuple[list[KeyValue], int]:
        """Live versions in `keys` (at most `limit` if > 0, none if count_only) and their count."""
        if keys.single:
            kv = self.get(keys.start)
            return ([kv], 1) if kv is not None else ([], 0)
        low = self._live.bisect_left(keys.start)
        high = len(self._live) if keys.stop is None else self._live.bisect_left(keys.stop)
        count = max(0, high - low)
        if count_only or count == 0:
            return [], count
        take = high if limit <= 0 else min(high, low + limit)
        kvs: list[KeyValue] = self._live.values()[low:take]
        return kvs, count

    def put(self, batch: Batch, key: str, value: Any, lease: int) -> KeyValue | None:
        """Writes a new version of `key`; returns the previous one."""
        prev = self.get(key)
        rev = batch.revision
        if prev is None:
            kv = KeyValue(key, value, rev, rev, 1, lease)
        else:
            kv = KeyValue(key, value, prev.create_revision, rev, prev.version + 1, lease)
            if prev.lease != 0 and prev.lease != lease:
                self._lessor.detach(prev.lease, key)
        if lease != 0:
            self._lessor.attach(lease, key)
        self._live[key] = kv
        self._history.record_version(kv)
        batch.events.append(Event(EventType.PUT, kv, prev, batch.meta))
        return prev

    def delete(self, batch: Batch, prev: KeyValue) -> KeyValue:
        """Deletes the live key whose current version is `prev`; returns `prev`."""
        tombstone = KeyValue(prev.key, None, 0, batch.revision, 0, 0)
        del self._live[prev.key]
        if prev.lease != 0:
            self._lessor.detach(prev.lease, prev.key)
        self._history.record_version(tombstone)
        batch.events.append(Event(EventType.DELETE, tombstone, prev, batch.meta))
        return prev
