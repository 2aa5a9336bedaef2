"""The apiserver's watch cache: current objects and recent events of every resource, fed by etcd.

Role: what k8s.io/apiserver/pkg/storage/cacher does. One etcd watch on `/registry/` keeps, per
resource, the current objects (indexed by namespace and, for pods, by `spec.nodeName`) and a window
of recent events. Lists are served from here; watches start from here (synthetic ADDED events for
resourceVersion "" or "0", a replay of the window for an exact version, or 410 Expired when that
version has left the window) and then receive each change. A watch of one node's pods is reached
through the node index, so its cost follows its own pods, not the cluster.
Neighbours: `server` (feeds it and sends what it emits), `selectable` (field values).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import msgspec

from k8s_actors.api.fields import FieldSelector
from k8s_actors.api.labels import Selector
from k8s_actors.components.apiserver.selectable import node_name_of, selectable_fields
from k8s_actors.kernel import TraceContext

# Events younger than this stay replayable (cacher's eventFreshDuration is 75 s), and at least
# this many are kept per resource whatever their age.
EVENT_FRESH_SECONDS = 75.0
MIN_HISTORY = 100


class CacheEvent(NamedTuple):
    revision: int
    type: str
    obj: Any
    prev: Any
    ctx: TraceContext | None
    time: float


@dataclass(eq=False)
class Watcher:
    """One open watch: who asked, what it selects, and from which revision on."""

    owner: str
    watch_id: int
    namespace: str
    labels: Selector
    fields: FieldSelector
    after: int
    allow_bookmarks: bool = False
    node: str | None = None
    sent: int = 0

    def matches(self, obj: Any) -> bool:
        if obj is None:
            return False
        meta = obj.metadata
        if self.namespace and meta.namespace != self.namespace:
            return False
        if not self.labels.empty and not self.labels.matches(meta.labels):
            return False
        return self.fields.empty or self.fields.matches(selectable_fields(obj))


Emit = Callable[[Watcher, str, Any, TraceContext | None], None]


def with_revision(obj: Any, revision: int) -> Any:
    """The object as clients see it: metadata.resourceVersion is its last write's revision."""
    meta = obj.metadata
    text = str(revision)
    if meta.resource_version == text:
        return obj
    return msgspec.structs.replace(
        obj, metadata=msgspec.structs.replace(meta, resource_version=text)
    )


def for_storage(obj: Any) -> Any:
    """The object as etcd keeps it: no resourceVersion (the revision says it)."""
    meta = obj.metadata
    if not meta.resource_version:
        return obj
    return msgspec.structs.replace(obj, metadata=msgspec.structs.replace(meta, resource_version=""))


@dataclass(eq=False)
class ResourceCache:
    """The cached state and open watches of one resource (one storage prefix)."""

    objects: dict[str, Any] = field(default_factory=dict)
    by_namespace: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_node: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: deque[CacheEvent] = field(default_factory=deque)
    floor: int = 0
    watchers_any: dict[tuple[str, int], Watcher] = field(default_factory=dict)
    watchers_by_ns: dict[str, dict[tuple[str, int], Watcher]] = field(default_factory=dict)
    watchers_by_node: dict[str, dict[tuple[str, int], Watcher]] = field(default_factory=dict)

    # -- state ---------------------------------------------------------------------------------

    def put(self, key: str, obj: Any) -> Any:
        prev = self.objects.get(key)
        self.objects[key] = obj
        self.by_namespace.setdefault(obj.metadata.namespace, {})[key] = obj
        old_node, new_node = node_name_of(prev), node_name_of(obj)
        if old_node and old_node != new_node:
            self.by_node.get(old_node, {}).pop(key, None)
        if new_node:
            self.by_node.setdefault(new_node, {})[key] = obj
        return prev

    def remove(self, key: str) -> Any:
        prev = self.objects.pop(key, None)
        if prev is not None:
            self.by_namespace.get(prev.metadata.namespace, {}).pop(key, None)
            node = node_name_of(prev)
            if node:
                self.by_node.get(node, {}).pop(key, None)
        return prev

    def record(self, event: CacheEvent) -> None:
        history = self.history
        history.append(event)
        while len(history) > MIN_HISTORY and event.time - history[0].time > EVENT_FRESH_SECONDS:
            self.floor = history.popleft().revision

    def select(self, namespace: str, fields: FieldSelector) -> Iterable[tuple[str, Any]]:
        """Candidate objects for a list, narrowed by the cheapest index available."""
        node = _indexed_node(fields)
        if node:
            return self.by_node.get(node, {}).items()
        if namespace:
            return self.by_namespace.get(namespace, {}).items()
        return self.objects.items()

    # -- watchers ------------------------------------------------------------------------------

    def add_watcher(self, watcher: Watcher) -> None:
        key = (watcher.owner, watcher.watch_id)
        node = _indexed_node(watcher.fields)
        if node:
            watcher.node = node
            self.watchers_by_node.setdefault(node, {})[key] = watcher
        elif watcher.namespace:
            self.watchers_by_ns.setdefault(watcher.namespace, {})[key] = watcher
        else:
            self.watchers_any[key] = watcher

    def remove_watcher(self, owner: str, watch_id: int) -> Watcher | None:
        key = (owner, watch_id)
        found = self.watchers_any.pop(key, None)
        for index in (self.watchers_by_ns, self.watchers_by_node):
            for group in index.values():
                found = group.pop(key, None) or found
        return found

    def all_watchers(self) -> Iterator[Watcher]:
        yield from self.watchers_any.values()
        for group in self.watchers_by_ns.values():
            yield from group.values()
        for group in self.watchers_by_node.values():
            yield from group.values()

    def interested(self, event: CacheEvent) -> Iterator[Watcher]:
        """Watchers that may care about this event, each once, in a stable order."""
        obj = event.obj
        node = node_name_of(obj)
        prev_node = node_name_of(event.prev)
        if node:
            yield from self.watchers_by_node.get(node, {}).values()
        if prev_node and prev_node != node:
            yield from self.watchers_by_node.get(prev_node, {}).values()
        yield from self.watchers_by_ns.get(obj.metadata.namespace, {}).values()
        yield from self.watchers_any.values()


def _indexed_node(fields: FieldSelector) -> str:
    """The node a selector pins spec.nodeName to; "" (unscheduled pods) is not in the index."""
    node = fields.exact_value("spec.nodeName") if not fields.empty else None
    return node or ""


def deliver(watcher: Watcher, event: CacheEvent, emit: Emit) -> None:
    """Send one event to one watcher as Kubernetes' cacheWatcher converts it."""
    if event.revision <= watcher.after:
        return
    if event.type == "DELETED":
        if watcher.matches(event.prev):
            emit(watcher, "DELETED", event.obj, event.ctx)
        return
    now_matches = watcher.matches(event.obj)
    before_matched = event.prev is not None and watcher.matches(event.prev)
    if now_matches:
        emit(watcher, "MODIFIED" if before_matched else "ADDED", event.obj, event.ctx)
    elif before_matched:
        # An object that stops matching leaves the watcher's view: DELETED with its old state.
        emit(watcher, "DELETED", with_revision(event.prev, event.revision), event.ctx)
