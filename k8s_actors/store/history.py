"""Retained history: every version of every key since the compaction point, and the log of writes.

Role: the "multi-version" of MVCC. Per key, a list of versions ordered by revision (a deletion is a
tombstone version) answers reads at an old revision; the write log, one entry per revision, answers
watches that start in the past and `events_since`. `compact` drops what precedes the compaction
point, keeping the newest version of each live key: memory is live keys plus retained history.
Neighbours: `keyspace` (records each new version here), `mvcc.Store` (reads, replays, compacts).

Revisions are dense: every write transaction bumps the revision by exactly one and records at least
one event, so the log entry of revision r sits at index r - first_revision.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from operator import attrgetter

from sortedcontainers import SortedDict

from k8s_actors.store.keyrange import KeyRange
from k8s_actors.store.model import Event, KeyValue

_mod_revision = attrgetter("mod_revision")


class History:
    """Versions by key and events by revision, from the compaction point on."""

    def __init__(self, first_revision: int) -> None:
        # key -> versions (tombstones included) in revision order.
        self._versions: SortedDict = SortedDict()
        self._log: list[tuple[Event, ...]] = []
        self._first_revision = first_revision

    def record_version(self, kv: KeyValue) -> None:
        """Adds a version; a second change of one key in one transaction replaces the first."""
        versions: list[KeyValue] | None = self._versions.get(kv.key)
        if versions is None:
            self._versions[kv.key] = [kv]
        elif versions[-1].mod_revision == kv.mod_revision:
            versions[-1] = kv
        else:
            versions.append(kv)

    def record_events(self, revision: int, events: tuple[Event, ...]) -> None:
        assert revision == self._first_revision + len(self._log), "revisions must be dense"
        self._log.append(events)

    def version_at(self, key: str, revision: int) -> KeyValue | None:
        versions: list[KeyValue] | None = self._versions.get(key)
        if versions is None:
            return None
        return _visible(versions, revision)

    def range_at(self, keys: KeyRange, revision: int, limit: int) -> tuple[list[KeyValue], int]:
        """The versions alive at `revision` in `keys` (at most `limit` if > 0) and their count."""
        if keys.single:
            kv = self.version_at(keys.start, revision)
            return ([kv], 1) if kv is not None else ([], 0)
        found: list[KeyValue] = []
        count = 0
        for key in self._versions.irange(keys.start, keys.stop, inclusive=(True, False)):
            kv = _visible(self._versions[key], revision)
            if kv is not None:
                count += 1
                if limit <= 0 or len(found) < limit:
                    found.append(kv)
        return found, count

    def records_from(self, revision: int) -> Iterator[tuple[int, tuple[Event, ...]]]:
        """(revision, events) of every logged write at or after `revision`, oldest first."""
        start = max(revision, self._first_revision)
        for index in range(start - self._first_revision, len(self._log)):
            yield self._first_revision + index, self._log[index]

    def compact(self, revision: int) -> None:
        """Forgets the writes before `revision` and every version not visible at or after it."""
        dropped = revision - self._first_revision
        if dropped <= 0:
            return
        touched: dict[str, None] = {}
        for events in self._log[:dropped]:
            for event in events:
                touched[event.kv.key] = None
        del self._log[:dropped]
        self._first_revision = revision
        for key in touched:
            self._prune(key, revision)

    def _prune(self, key: str, revision: int) -> None:
        versions: list[KeyValue] | None = self._versions.get(key)
        if versions is None:
            return  # its tombstone went at an earlier compaction
        keep_from = bisect_right(versions, revision, key=_mod_revision) - 1
        if keep_from >= 0 and versions[keep_from].is_tombstone:
            keep_from += 1
        if keep_from > 0:
            del versions[:keep_from]
        if not versions:
            del self._versions[key]


def _visible(versions: list[KeyValue], revision: int) -> KeyValue | None:
    """The version of a key seen at `revision`: the last one written at or before it, if alive."""
    index = bisect_right(versions, revision, key=_mod_revision) - 1
    if index < 0 or versions[index].is_tombstone:
        return None
    return versions[index]
