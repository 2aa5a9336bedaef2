"""The watch cache of all resources: applies etcd's events, serves lists, opens watches.

Role: the apiserver-wide half of the cacher. It routes each etcd event to the `ResourceCache` of
its resource (by storage prefix), turns it into ADDED / MODIFIED / DELETED, records it in the
window and hands it to the interested watchers. Lists and watch starts follow Kubernetes'
resourceVersion rules. Neighbours: `watchcache` (per-resource state), `server` (feeds etcd events
and the emit function), `handlers` (lists). The etcd watch that feeds it is numbered per batch: a
lost batch breaks it, and kube-apiserver watches again from `revision`, or relists into `load`
when that revision is compacted (`cacher_stream`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from k8s_actors.api.fields import FieldSelector
from k8s_actors.api.labels import Selector
from k8s_actors.api.registry import REGISTRY, ResourceInfo
from k8s_actors.components.apiserver.errors import gone
from k8s_actors.components.apiserver.watchcache import (
    CacheEvent,
    Emit,
    ResourceCache,
    Watcher,
    deliver,
    with_revision,
)
from k8s_actors.messages import EtcdEvent


class WatchCache:
    def __init__(self, emit: Emit, now: Callable[[], float]) -> None:
        self.revision = 0
        self._emit = emit
        self._now = now
        self._by_prefix: dict[str, ResourceCache] = {}
        self._prefixes: list[tuple[str, ResourceCache]] = []
        for info in REGISTRY.api_resources():
            self.resource(info)

    def resource(self, info: ResourceInfo) -> ResourceCache:
        prefix = info.key_prefix()
        cache = self._by_prefix.get(prefix)
        if cache is None:
            cache = self._by_prefix[prefix] = ResourceCache()
            # Longest prefix first, so "services/specs/" wins over any shorter prefix.
            self._prefixes = sorted(self._by_prefix.items(), key=lambda item: -len(item[0]))
        return cache

    def _cache_for(self, key: str) -> ResourceCache | None:
        for prefix, cache in self._prefixes:
            if key.startswith(prefix):
                return cache
        return None

    # -- feeding ---------------------------------------------------------------------------------

    def load(self, items: list[tuple[str, Any, int]], revision: int) -> None:
        """The state of a range read at `revision`: at start, or replacing the cache on a relist
        (an object absent from the list was deleted meanwhile)."""
        listed: dict[str, None] = {}
        for key, obj, mod_revision in items:
            listed[key] = None
            cache = self._cache_for(key)
            if cache is not None:
                cache.put(key, with_revision(obj, mod_revision))
        for cache in self._by_prefix.values():
            for key in [key for key in cache.objects if key not in listed]:
                cache.remove(key)
        for cache in self._by_prefix.values():
            cache.floor = revision
        self.revision = revision

    def apply(self, events: tuple[EtcdEvent, ...]) -> None:
        now = self._now()
        seen = self.revision
        for event in events:
            kv = event.kv
            if kv.mod_revision <= seen:
                continue  # already applied: a stream opened again never goes back, but be sure
            self.revision = max(self.revision, kv.mod_revision)
            cache = self._cache_for(kv.key)
            if cache is None:
                continue
            span = event.meta if event.meta is not None else None
            if event.type == "PUT":
                obj = with_revision(kv.value, kv.mod_revision)
                prev = cache.put(kv.key, obj)
                kind = "ADDED" if prev is None else "MODIFIED"
                cached = CacheEvent(kv.mod_revision, kind, obj, prev, span, now)  # type: ignore[arg-type]
            else:
                prev = cache.remove(kv.key)
                if prev is None:
                    continue
                last = with_revision(prev, kv.mod_revision)
                cached = CacheEvent(kv.mod_revision, "DELETED", last, prev, span, now)  # type: ignore[arg-type]
            cache.record(cached)
            for watcher in list(cache.interested(cached)):
                deliver(watcher, cached, self._emit)

    # -- reading ---------------------------------------------------------------------------------

    def select(
        self, info: ResourceInfo, namespace: str, labels: Selector, fields: FieldSelector
    ) -> list[Any]:
        cache = self.resource(info)
        probe = Watcher("", 0, namespace, labels, fields, 0)
        found = [(key, obj) for key, obj in cache.select(namespace, fields) if probe.matches(obj)]
        found.sort(key=lambda item: item[0])
        return [obj for _, obj in found]

    def get(self, info: ResourceInfo, namespace: str, name: str) -> Any:
        return self.resource(info).objects.get(info.storage_key(namespace, name))

    def watch(self, info: ResourceInfo, watcher: Watcher, resource_version: str) -> None:
        """Register a watcher and send what it must see first (or raise 410 Expired)."""
        cache = self.resource(info)
        if resource_version in ("", "0"):
            for obj in self.select(info, watcher.namespace, watcher.labels, watcher.fields):
                self._emit(watcher, "ADDED", obj, None)
            watcher.after = self.revision
        else:
            wanted = int(resource_version)
            if wanted < cache.floor:
                raise gone(f"too old resource version: {wanted} ({cache.floor + 1})")
            watcher.after = wanted
            for event in list(cache.history):
                deliver(watcher, event, self._emit)
            watcher.after = max(wanted, self.revision)
        cache.add_watcher(watcher)

    def stop(self, info: ResourceInfo, owner: str, watch_id: int) -> Watcher | None:
        return self.resource(info).remove_watcher(owner, watch_id)

    def stop_all(self, owner: str | None) -> list[Watcher]:
        """Forget every watch `owner` (None: anyone) has open; the watchers removed, by resource."""
        stopped: list[Watcher] = []
        for cache in self._by_prefix.values():
            for watcher in list(cache.all_watchers()):
                if owner is None or watcher.owner == owner:
                    cache.remove_watcher(watcher.owner, watcher.watch_id)
                    stopped.append(watcher)
        return stopped

    def bookmark_targets(self) -> list[tuple[ResourceInfo, Watcher]]:
        targets: list[tuple[ResourceInfo, Watcher]] = []
        for info in REGISTRY.api_resources():
            for watcher in self.resource(info).all_watchers():
                if watcher.allow_bookmarks:
                    targets.append((info, watcher))
        return targets
