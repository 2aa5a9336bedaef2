"""Informers: a local, indexed mirror of one resource, kept current by list + watch.

Role: client-go's reflector and shared index informer in one. `Informer.run` lists the resource,
replaces the cache (telling the handlers what was added, changed or removed), then watches from the
list's resourceVersion with bookmarks and applies each event to the cache before calling the
handlers with the event's trace span (work caused by an event becomes a child span of the write that
caused it). A watch ends after a timeout drawn from [5 min, 10 min), or when it broke (an event went
missing, as on a lost connection), and is reopened from the last resourceVersion; a 410 Expired or a
failure leads to a relist after the reflector's back-off (0.8 s doubling to 30 s, reset after 2 min
calm, k8s.io/client-go/tools/cache/reflector.go). Every `resync_period` the handlers get
on_update(obj, obj) for every cached object. `SharedInformerFactory` hands out one informer per
(kind, namespace, selectors) and starts them in the actor's task group. Neighbours: `cache`
(Indexer, Lister), `client` (list and watch), `watch` (streams), the controllers (handlers and
listers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio

from k8s_actors.api.objects.machinery import Status
from k8s_actors.client.cache import Indexer, IndexFunc, Lister, object_key
from k8s_actors.client.client import ApiClient, KindRef, resource_info
from k8s_actors.client.errors import ApiError, Gone, error_from_status
from k8s_actors.client.watch import StreamEvent, WatchStream
from k8s_actors.kernel import KernelError, TraceContext

if TYPE_CHECKING:
    import random  # annotations only: the run's generator is always handed in

__all__ = [
    "MIN_WATCH_TIMEOUT",
    "EventHandler",
    "Informer",
    "ReflectorBackoff",
    "SharedInformerFactory",
]

MIN_WATCH_TIMEOUT = 300.0
"""client-go's minWatchTimeout: each watch lasts between this and twice this."""

OnAdd = Callable[[Any, TraceContext | None], None]
OnUpdate = Callable[[Any, Any, TraceContext | None], None]
OnDelete = Callable[[Any, TraceContext | None], None]


@dataclass(frozen=True)
class EventHandler:
    """Callbacks of one consumer; each gets the object(s) and the span of the event."""

    on_add: OnAdd | None = None
    on_update: OnUpdate | None = None
    on_delete: OnDelete | None = None


class ReflectorBackoff:
    """Exponential back-off between list-and-watch attempts, as client-go's reflector uses:
    0.8 s doubling to 30 s, with up to +100% jitter, reset after 2 min without a back-off
    (wait.NewExponentialBackoffManager(800ms, 30s, 2min, 2.0, 1.0))."""

    def __init__(
        self,
        rng: random.Random,
        initial: float = 0.8,
        cap: float = 30.0,
        reset_after: float = 120.0,
        jitter: float = 1.0,
    ) -> None:
        self._rng = rng
        self.initial = initial
        self.cap = cap
        self.reset_after = reset_after
        self.jitter = jitter
        self._next = initial
        self._last: float | None = None

    def delay(self, now: float) -> float:
        """The wait before the next attempt, made at simulated time `now`."""
        if self._last is None or now - self._last > self.reset_after:
            self._next = self.initial
        self._last = now
        base = self._next
        self._next = min(self._next * 2.0, self.cap)
        return base + self._rng.random() * self.jitter * base


class Informer:
    """A cache of one resource (optionally one namespace and selectors) and its handlers."""

    def __init__(
        self,
        api: ApiClient,
        kind: KindRef,
        *,
        namespace: str = "",
        label_selector: str = "",
        field_selector: str = "",
        resync_period: float = 0.0,
        indexers: dict[str, IndexFunc] | None = None,
    ) -> None:
        self.api = api
        self.info = resource_info(kind)
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.resync_period = resync_period
        self.indexer = Indexer(indexers)
        self.lister = Lister(self.indexer)
        self.last_resource_version = ""
        self.lists = 0
        self.watches = 0
        self._handlers: list[EventHandler] = []
        self._synced = anyio.Event()
        self._stream: WatchStream | None = None
        self._backoff = ReflectorBackoff(api.ctx.rng)

    # -- consumers -------------------------------------------------------------------------------

    def add_handler(
        self,
        on_add: OnAdd | None = None,
        on_update: OnUpdate | None = None,
        on_delete: OnDelete | None = None,
    ) -> EventHandler:
        """Register callbacks; a late handler first gets on_add for what is cached already."""
        handler = EventHandler(on_add, on_update, on_delete)
        self._handlers.append(handler)
        if on_add is not None:
            for obj in self.indexer.list():
                on_add(obj, None)
        return handler

    @property
    def has_synced(self) -> bool:
        """True once the first list has been stored and announced."""
        return self._synced.is_set()

    async def wait_synced(self) -> None:
        await self._synced.wait()

    @property
    def stream(self) -> WatchStream | None:
        """The watch currently open, if any."""
        return self._stream

    # -- the reflector ---------------------------------------------------------------------------

    async def run(self) -> None:
        """List and watch forever (cancel the task to stop), resyncing when asked to."""
        async with anyio.create_task_group() as tasks:
            if self.resync_period > 0:
                tasks.start_soon(self._resync_loop)
            while True:
                try:
                    await self._list_and_watch()
                except (ApiError, KernelError) as error:
                    self.api.ctx.log.warning(
                        "informer_watch_failed",
                        resource=self.info.resource,
                        namespace=self.namespace,
                        error=str(error),
                    )
                finally:
                    self._stop_stream()
                await self.api.ctx.clock.sleep(self._backoff.delay(self.api.ctx.clock.now()))

    async def _list_and_watch(self) -> None:
        """One list, then watches until a 410 asks for a relist (returns) or a failure (raises)."""
        span = self.api.ctx.child_span(None)
        listed = await self.api.list(
            self.info,
            self.namespace,
            self.label_selector,
            self.field_selector,
            span=span,
        )
        self.lists += 1
        self._replace(list(listed.items), span)
        self.last_resource_version = listed.metadata.resource_version
        self.api.ctx.log.info(
            "informer_listed",
            ctx=span,
            resource=self.info.resource,
            namespace=self.namespace,
            items=len(listed.items),
            resource_version=self.last_resource_version,
        )
        self._synced.set()
        while True:
            try:
                await self._watch_once()
            except Gone:
                return  # our resourceVersion was compacted away: relist

    async def _watch_once(self) -> None:
        """Watch from the last resourceVersion until the watch times out or the server ends it."""
        rng = self.api.ctx.rng
        timeout = MIN_WATCH_TIMEOUT * (rng.random() + 1.0)
        stream = await self.api.watch(
            self.info,
            self.namespace,
            self.label_selector,
            self.field_selector,
            resource_version=self.last_resource_version,
            allow_bookmarks=True,
            timeout_seconds=float(int(timeout)),
        )
        self._stream = stream
        self.watches += 1
        try:
            with self.api.move_on_after(timeout):
                async for event in stream:
                    self._apply(event)
                if stream.broken:
                    self.api.ctx.log.warning(
                        "informer_watch_broken",
                        resource=self.info.resource,
                        namespace=self.namespace,
                        resource_version=self.last_resource_version,
                    )
        finally:
            self._stop_stream()

    def _stop_stream(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream = None

    # -- applying changes ------------------------------------------------------------------------

    def _apply(self, event: StreamEvent) -> None:
        kind, obj, span = event
        if kind == "ERROR":
            status = obj if isinstance(obj, Status) else Status(message=str(obj), code=500)
            raise error_from_status(status)
        version = obj.metadata.resource_version
        if kind == "BOOKMARK":
            self.last_resource_version = version
            return
        if kind == "DELETED":
            self.indexer.delete(obj)
            self._deleted(obj, span)
        else:
            old = self.indexer.add(obj)
            if old is None:
                self._added(obj, span)
            else:
                self._updated(old, obj, span)
        self.last_resource_version = version

    def _replace(self, items: list[Any], span: TraceContext) -> None:
        """Store a fresh list and announce the differences with the cache it replaces."""
        previous = {object_key(obj): obj for obj in self.indexer.list()}
        self.indexer.replace(items)
        for obj in self.indexer.list():
            old = previous.pop(object_key(obj), None)
            if old is None:
                self._added(obj, span)
            elif old.metadata.resource_version != obj.metadata.resource_version:
                self._updated(old, obj, span)
        for key in sorted(previous):
            self._deleted(previous[key], span)

    def _added(self, obj: Any, span: TraceContext | None) -> None:
        for handler in self._handlers:
            if handler.on_add is not None:
                handler.on_add(obj, span)

    def _updated(self, old: Any, new: Any, span: TraceContext | None) -> None:
        for handler in self._handlers:
            if handler.on_update is not None:
                handler.on_update(old, new, span)

    def _deleted(self, obj: Any, span: TraceContext | None) -> None:
        for handler in self._handlers:
            if handler.on_delete is not None:
                handler.on_delete(obj, span)

    async def _resync_loop(self) -> None:
        clock = self.api.ctx.clock
        await self._synced.wait()
        while True:
            await clock.sleep(self.resync_period)
            for obj in self.indexer.list():
                self._updated(obj, obj, None)


InformerKey = tuple[str, str, str, str, str]


class SharedInformerFactory:
    """One informer per (resource, namespace, selectors), shared by every consumer of an actor."""

    def __init__(self, api: ApiClient, *, resync_period: float = 0.0) -> None:
        self.api = api
        self.resync_period = resync_period
        self._informers: dict[InformerKey, Informer] = {}
        self._started: dict[InformerKey, None] = {}

    def informer(
        self,
        kind: KindRef,
        namespace: str = "",
        label_selector: str = "",
        field_selector: str = "",
        *,
        resync_period: float | None = None,
    ) -> Informer:
        """The informer for these parameters, created on first request."""
        info = resource_info(kind)
        key = (info.group, info.resource, namespace, label_selector, field_selector)
        informer = self._informers.get(key)
        if informer is None:
            period = self.resync_period if resync_period is None else resync_period
            informer = Informer(
                self.api,
                info,
                namespace=namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                resync_period=period,
            )
            self._informers[key] = informer
        return informer

    def lister(self, kind: KindRef, namespace: str = "") -> Lister:
        return self.informer(kind, namespace).lister

    def start(self) -> None:
        """Start every informer not yet running, in the owning actor's task group."""
        for key, informer in self._informers.items():
            if key not in self._started:
                self._started[key] = None
                self.api.ctx.tasks.start_soon(informer.run)

    async def wait_for_cache_sync(self) -> None:
        """Return once every informer created so far has done its first list."""
        for informer in list(self._informers.values()):
            await informer.wait_synced()
