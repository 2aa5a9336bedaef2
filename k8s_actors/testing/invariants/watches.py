"""Watch invariants: each watch delivers changes in order and once; informer caches converge.

Role: invariant 3. A `WatchLog` taps the bus (`install`): it learns each watch a component opens
(the `Watch` request kube-apiserver receives, with the resourceVersion it starts from) and the
events delivered on it. `watch_events_in_order` (safety) reports a watch whose object events do
not have strictly increasing resourceVersions above its starting one (an event delivered twice,
out of order, or from before the start), or whose bookmark goes back. A watch opened without a
resourceVersion ("" or "0") begins with the current objects in key order, so it is not judged.
A component that lost events must relist: `informer_caches_converge` (liveness) compares, once
the cluster settled, the cache of every synced informer of every running component with what
etcd holds for its resource, namespace and selectors (the same keys, uids and resourceVersions).
Neighbours: `common`, `k8s_actors.client.informer` (the caches), `k8s_actors.kernel.bus` (taps).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from k8s_actors.api.fields import FieldSelector, check_supported
from k8s_actors.api.labels import Selector
from k8s_actors.client.cache import object_key
from k8s_actors.client.informer import Informer, SharedInformerFactory
from k8s_actors.components.apiserver.selectable import selectable_fields
from k8s_actors.kernel import Envelope
from k8s_actors.messages import Watch, WatchEvent
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing.invariants.common import Source, store_of

APISERVER = "kube-apiserver"
UNORDERED_STARTS = ("", "0")  # watches that first list the current objects, in key order


@dataclass
class WatchState:
    """One open watch: what it watches, and the resourceVersion it reached."""

    resource: str
    last: int
    ordered: bool


class WatchLog:
    """The watches components opened and the order of the events delivered on them."""

    def __init__(self) -> None:
        self._watches: dict[tuple[str, int], WatchState] = {}
        self.violations: list[str] = []
        self.events = 0

    def tap(self, envelope: Envelope, outcome: str, reason: str) -> None:
        """A bus tap: every delivery, drop and late reply passes here."""
        if outcome != "delivered":
            return
        payload = envelope.payload
        if isinstance(payload, Watch) and envelope.dst == APISERVER:
            start = payload.resource_version
            self._watches[(envelope.src, payload.watch_id)] = WatchState(
                resource=payload.resource,
                last=int(start) if start not in UNORDERED_STARTS else 0,
                ordered=start not in UNORDERED_STARTS,
            )
        elif isinstance(payload, WatchEvent) and envelope.src == APISERVER:
            self._event(envelope.dst, payload)

    def _event(self, watcher: str, event: WatchEvent) -> None:
        state = self._watches.get((watcher, event.watch_id))
        if state is None or not state.ordered or event.type == "ERROR":
            return
        self.events += 1
        version = int(event.obj.metadata.resource_version or 0)  # type: ignore[attr-defined]
        if version > state.last or (event.type == "BOOKMARK" and version == state.last):
            state.last = version
            return
        meta = event.obj.metadata  # type: ignore[attr-defined]
        self.violations.append(
            f"watch_events_in_order: {watcher} watch {event.watch_id} on {state.resource} got "
            f"{event.type} {meta.namespace}/{meta.name} at resourceVersion {version} after "
            f"{state.last}".replace(" /", " ")
        )


def install(cluster: Cluster) -> WatchLog:
    """A `WatchLog` fed by the cluster's bus from now on."""
    log = WatchLog()
    cluster.bus.taps.append(log.tap)
    return log


def watch_events_in_order(log: WatchLog) -> list[str]:
    """Every watch delivered its events in resourceVersion order, each once."""
    return list(log.violations)


# -- informer caches -------------------------------------------------------------------------------


def informer_caches_converge(cluster: Cluster, skip: tuple[str, ...] = ("kubectl",)) -> list[str]:
    """The cache of each synced informer of each running component holds what etcd holds for
    its resource, namespace and selectors: the same keys, with the same uids and versions."""
    violations = []
    for name in cluster.supervisor.names():
        actor = cluster.supervisor.actor(name)
        if name in skip or actor is None:
            continue
        for informer in informers_of(actor):
            if informer.has_synced:
                violations += _compare(name, informer, cluster)
    return violations


def informers_of(actor: object, depth: int = 7) -> list[Informer]:
    """The informers a component holds, found through its attributes (its controllers, their
    context and shared informer factory, ...) up to `depth` steps away, each once, in the
    order found (breadth first)."""
    found: list[Informer] = []
    visited: dict[int, None] = {id(actor): None}
    layer: list[object] = [actor]
    for _ in range(depth):
        following = []
        for value in layer:
            for child in _children(value):
                if id(child) in visited:
                    continue
                visited[id(child)] = None
                if isinstance(child, Informer):
                    found.append(child)
                else:
                    following.append(child)
        layer = following
    return found


def _children(value: object) -> list[object]:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list | tuple):
        return list(value)
    # Only the components' own objects and informer factories are walked (not the kernel's).
    module = type(value).__module__
    walked = module.startswith("k8s_actors.components.") or isinstance(value, SharedInformerFactory)
    return list(vars(value).values()) if walked and hasattr(value, "__dict__") else []


def _compare(component: str, informer: Informer, source: Source) -> list[str]:
    cached = {object_key(obj): _version(obj) for obj in informer.indexer.list()}
    held = expected_cache(source, informer)
    what = f"{component} informer of {informer.info.resource}"
    if informer.namespace or informer.label_selector or informer.field_selector:
        selectors = [informer.namespace, informer.label_selector, informer.field_selector]
        what += f" ({', '.join(s for s in selectors if s)})"
    violations = []
    for key in sorted({**cached, **held}):
        if cached.get(key) != held.get(key):
            violations.append(
                f"informer_caches_converge: {what} holds {key} as {cached.get(key)}, "
                f"etcd as {held.get(key)}"
            )
    return violations


def expected_cache(source: Source, informer: Informer) -> dict[str, tuple[str, str]]:
    """What the informer should hold: key -> (uid, resourceVersion) of the objects etcd holds
    for its resource, namespace and selectors."""
    info = informer.info
    prefix = info.key_prefix() + (f"{informer.namespace}/" if informer.namespace else "")
    labels = Selector.parse(informer.label_selector) if informer.label_selector else None
    fields = None
    if informer.field_selector:
        fields = check_supported(info.kind, FieldSelector.parse(informer.field_selector))
    held = {}
    for kv in store_of(source).range(prefix, prefix=True).kvs:
        obj = kv.value
        if labels is not None and not labels.matches(obj.metadata.labels):
            continue
        if fields is not None and not fields.matches(selectable_fields(obj)):
            continue
        held[object_key(obj)] = (obj.metadata.uid, str(kv.mod_revision))
    return held


def _version(obj: Any) -> tuple[str, str]:
    return (obj.metadata.uid, obj.metadata.resource_version)
