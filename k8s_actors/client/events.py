"""The Event recorder: `kind: Event` objects with Kubernetes' reasons and messages.

Role: what client-go's record.EventRecorder and its EventCorrelator do for every component. An
event about an object is written as a core/v1 Event named `<object name>.<hex nanoseconds>`;
the same (object, type, reason, message) seen again within 10 minutes bumps `count` and
`lastTimestamp` of the existing Event instead of creating another (events_cache.go's
EventAggregator/eventLogger). Like client-go's, the cache of events seen is an LRU of 4,096
entries (maxLruCacheEntries), so a recorder's memory does not grow with the pods it has seen.
Write failures are logged, never raised. Neighbours: the
components (callers), `client` (the API client).
"""

from __future__ import annotations

from typing import Any

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Event, EventSource
from k8s_actors.api.objects.common import ObjectReference
from k8s_actors.client.client import ApiClient
from k8s_actors.client.errors import AlreadyExists, ApiError
from k8s_actors.kernel import Logger, TraceContext

__all__ = ["AGGREGATE_WINDOW", "SEEN_CACHE_SIZE", "EventRecorder"]

# An identical event within this window updates the previous one.
AGGREGATE_WINDOW = 600.0
# client-go's maxLruCacheEntries: how many (object, type, reason, message) keys are remembered.
SEEN_CACHE_SIZE = 4096
NAME_ATTEMPTS = 5


class EventRecorder:
    def __init__(self, api: ApiClient, component: str, log: Logger, host: str = "") -> None:
        self.api = api
        self.component = component
        self.host = host
        self.log = log
        self._seen: dict[tuple[str, str, str, str], tuple[Event, float]] = {}
        self._last_nanos = 0

    async def event(
        self, obj: Any, type_: str, reason: str, message: str, span: TraceContext | None = None
    ) -> None:
        """Record an event about `obj` (type Normal or Warning)."""
        clock = self.api.ctx.clock
        now = clock.now()
        self.log.info(
            "event_recorded", ctx=span, obj=obj, type=type_, reason=reason, message=message
        )
        key = (obj.metadata.uid, type_, reason, message)
        previous = self._seen.get(key)
        try:
            if previous is not None and now - previous[1] < AGGREGATE_WINDOW:
                old = previous[0]
                stored: Event = await self.api.patch(
                    Event,
                    old.metadata.namespace,
                    old.metadata.name,
                    {"count": (old.count or 1) + 1, "lastTimestamp": clock.timestamp()},
                    span=span,
                )
            else:
                stored = await self._create(obj, type_, reason, message, span)
        except ApiError as error:
            self.log.warning("event_write_failed", ctx=span, reason=reason, error=str(error))
            return
        self._seen.pop(key, None)  # reinserted last: the most recently used
        self._seen[key] = (stored, now)
        if len(self._seen) > SEEN_CACHE_SIZE:
            del self._seen[next(iter(self._seen))]  # the least recently used key

    async def _create(
        self, obj: Any, type_: str, reason: str, message: str, span: TraceContext | None
    ) -> Event:
        # Several components name their events about the same object the same way; in virtual
        # time they may share the instant, so a taken name moves on to the next nanosecond.
        for _ in range(NAME_ATTEMPTS - 1):
            try:
                created: Event = await self.api.create(
                    self._new(obj, type_, reason, message), span=span
                )
                return created
            except AlreadyExists:
                continue
        last: Event = await self.api.create(self._new(obj, type_, reason, message), span=span)
        return last

    def _new(self, obj: Any, type_: str, reason: str, message: str) -> Event:
        clock = self.api.ctx.clock
        meta = obj.metadata
        stamp = clock.timestamp()
        # Named after the object and the time in nanoseconds, as client-go names events.
        nanos = round(clock.now() * 1e9) + int(clock.epoch.timestamp()) * 1_000_000_000
        nanos = max(nanos, self._last_nanos + 1)
        self._last_nanos = nanos
        return Event(
            metadata=ObjectMeta(
                name=f"{meta.name}.{nanos:x}", namespace=meta.namespace or "default"
            ),
            involved_object=ObjectReference(
                api_version=obj.api_version,
                kind=obj.kind,
                namespace=meta.namespace,
                name=meta.name,
                uid=meta.uid,
                resource_version=meta.resource_version,
            ),
            reason=reason,
            message=message,
            type=type_,
            count=1,
            first_timestamp=stamp,
            last_timestamp=stamp,
            source=EventSource(component=self.component, host=self.host),
            reporting_component=self.component,
            reporting_instance=self.host or self.component,
        )
