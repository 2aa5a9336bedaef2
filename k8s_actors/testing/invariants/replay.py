"""etcd's history folded forward, for invariants about the order in which things happened.

Role: a `Replay` reads etcd's retained history event by event, holding the objects as they were
just before each event, and remembers how far it read, so that a check bound to a run reads only
what is new at each call. When etcd compacted past the point reached (the check was not called
for five minutes), it starts again from the oldest state etcd keeps and says so in `restarted`.
Neighbours: `deletion`, `readiness`, `k8s_actors.store` (events_since, range at a revision).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8s_actors.store import Store
from k8s_actors.store.model import Event


class Replay:
    """The objects etcd held at `revision`, by key; advance with `events`."""

    def __init__(self) -> None:
        self.revision = 0
        self.objects: dict[str, Any] = {}
        self.restarted = False  # True once history was lost to a compaction

    def events(self, store: Store) -> Iterator[Event]:
        """Each write since the last call, oldest first; while the caller looks at an event,
        `objects` is the state just before it."""
        if self.revision + 1 < store.compact_revision:
            self._restart(store)
        for event in store.events_since(self.revision):
            yield event
            if event.kv.is_tombstone:
                self.objects.pop(event.kv.key, None)
            else:
                self.objects[event.kv.key] = event.kv.value
            self.revision = event.revision

    def _restart(self, store: Store) -> None:
        self.revision = store.compact_revision
        kvs = store.range("/registry/", prefix=True, revision=self.revision).kvs
        self.objects = {kv.key: kv.value for kv in kvs}
        self.restarted = True
