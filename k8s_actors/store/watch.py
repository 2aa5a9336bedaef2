"""Watchers and the index that finds, for each event, the watchers that want it.

Role: the dispatch half of etcd's watchable store (server/mvcc/watchable_store.go), synchronous:
`WatchHub.dispatch` hands one write transaction's events to every matching watcher in a single
callback call, watchers in creation order, events in the transaction's order.
Neighbours: `mvcc.Store` (creates watchers, replays history, calls `dispatch` after each write),
`keyrange` (what a watcher covers), `model.Event` (what it receives).

Index: watchers of one key sit in a dict by key (O(1) per event); prefix watchers sit in a dict by
prefix, and an event looks up either each distinct watched prefix or each prefix of its own key,
whichever is fewer, so thousands of informers watching "/registry/pods/" cost one lookup per event.
Watchers of an arbitrary [start, end) range are kept in a list and tested one by one: few of them
are expected (the apiserver watches keys and prefixes only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from k8s_actors.store.keyrange import KeyRange
from k8s_actors.store.model import Event

WatchCallback = Callable[[list[Event]], None]


class Watcher:
    """A live subscription; `cancel()` stops delivery at once, even in the middle of a dispatch."""

    __slots__ = ("_hub", "callback", "keys", "min_revision", "prefix", "watch_id")

    def __init__(
        self,
        hub: WatchHub,
        watch_id: int,
        keys: KeyRange,
        prefix: bool,
        min_revision: int,
        callback: WatchCallback,
    ) -> None:
        self._hub: WatchHub | None = hub
        self.watch_id = watch_id
        self.keys = keys
        self.prefix = prefix
        # Events of earlier revisions were replayed at creation or are not wanted.
        self.min_revision = min_revision
        self.callback = callback

    @property
    def active(self) -> bool:
        return self._hub is not None

    def cancel(self) -> None:
        """Stops delivery; cancelling twice is harmless."""
        if self._hub is not None:
            self._hub.remove(self)
            self._hub = None

    def __repr__(self) -> str:
        return f"Watcher(id={self.watch_id}, keys={self.keys!r}, active={self.active})"


class WatchHub:
    """Every active watcher, indexed by key, by prefix, and a list for other ranges."""

    def __init__(self) -> None:
        self._last_id = 0
        self._by_key: dict[str, dict[int, Watcher]] = {}
        self._by_prefix: dict[str, dict[int, Watcher]] = {}
        self._ranges: dict[int, Watcher] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(
        self, keys: KeyRange, prefix: bool, min_revision: int, callback: WatchCallback
    ) -> Watcher:
        self._last_id += 1
        watcher = Watcher(self, self._last_id, keys, prefix, min_revision, callback)
        self._bucket_for(watcher, create=True)[watcher.watch_id] = watcher
        self._count += 1
        return watcher

    def remove(self, watcher: Watcher) -> None:
        bucket = self._bucket_for(watcher, create=False)
        if bucket.pop(watcher.watch_id, None) is None:
            return
        self._count -= 1
        if not bucket and bucket is not self._ranges:
            index = self._by_prefix if watcher.prefix else self._by_key
            del index[watcher.keys.start]

    def dispatch(self, revision: int, events: Sequence[Event]) -> None:
        """Calls each watcher wanting some of `events` (one revision's) once, in id order."""
        batches: dict[int, tuple[Watcher, list[Event]]] = {}
        for event in events:
            for watcher in self._watchers_of(event.kv.key):
                if watcher.min_revision <= revision:
                    batches.setdefault(watcher.watch_id, (watcher, []))[1].append(event)
        for watch_id in sorted(batches):
            watcher, batch = batches[watch_id]
            if watcher.active:
                watcher.callback(batch)

    def _watchers_of(self, key: str) -> Iterator[Watcher]:
        exact = self._by_key.get(key)
        if exact:
            yield from exact.values()
        for prefix in self._prefixes_of(key):
            yield from self._by_prefix[prefix].values()
        for watcher in self._ranges.values():
            if watcher.keys.contains(key):
                yield watcher

    def _prefixes_of(self, key: str) -> list[str]:
        """The watched prefixes that `key` starts with."""
        if len(self._by_prefix) <= len(key) + 1:
            return [prefix for prefix in self._by_prefix if key.startswith(prefix)]
        candidates = (key[:length] for length in range(len(key) + 1))
        return [prefix for prefix in candidates if prefix in self._by_prefix]

    def _bucket_for(self, watcher: Watcher, *, create: bool) -> dict[int, Watcher]:
        if watcher.keys.single or watcher.prefix:
            index = self._by_prefix if watcher.prefix else self._by_key
            if create:
                return index.setdefault(watcher.keys.start, {})
            return index.get(watcher.keys.start, {})
        return self._ranges
