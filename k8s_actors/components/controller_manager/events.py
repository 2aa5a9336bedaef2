"""The Event recorder: `kind: Event` objects with Kubernetes' reasons and messages.

Role: what client-go's record.EventRecorder and its EventCorrelator do for controllers. An event
about an object is written as a core/v1 Event named `<object name>.<hex nanoseconds>`; the same
(object, type, reason, message) seen again within 10 minutes bumps `count` and `lastTimestamp` of
the existing Event instead of creating another (events_cache.go's EventAggregator/eventLogger).
Neighbours: controllers (callers), `k8s_actors.client` (the API client).
"""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Event, EventSource
from k8s_actors.api.objects.common import ObjectReference
from k8s_actors.client import ApiClient, ApiError
from k8s_actors.kernel import Logger, TraceContext

# An identical event within this window updates the previous one (maxLruCacheEntries aside).
AGGREGATE_WINDOW = 600.0


class EventRecorder:
    def __init__(self, api: ApiClient, component: str, log: Logger, host: str = "") -> None:
        self.api = api
        self.component = component
        self.host = host
        self.log = log
        self._seen: dict[tuple[str, str, str, str], tuple[Event, float]] = {}
        self._last_nanos = 0

    async def event(
        self,
        obj: Any,
        type_: str,
        reason: str,
        message: str,
        span: TraceContext | None = None,
    ) -> None:
        """Record an event about `obj`; failures are logged, never raised (as client-go)."""
        clock = self.api.ctx.clock
        now = clock.now()
        meta = obj.metadata
        self.log.info(
            "event_recorded", ctx=span, obj=obj, type=type_, reason=reason, message=message
        )
        key = (meta.uid, type_, reason, message)
        previous = self._seen.get(key)
        try:
            if previous is not None and now - previous[1] < AGGREGATE_WINDOW:
                stored = await self._bump(previous[0], clock.timestamp(), span)
            else:
                stored = await self._create(obj, type_, reason, message, span)
        except ApiError as error:
            self.log.warning("event_write_failed", ctx=span, reason=reason, error=str(error))
            return
        self._seen[key] = (stored, now)

    async def _create(
        self, obj: Any, type_: str, reason: str, message: str, span: TraceContext | None
    ) -> Event:
        clock = self.api.ctx.clock
        meta = obj.metadata
        stamp = clock.timestamp()
        # Named after the object and the time in nanoseconds, as client-go names events. Virtual
        # time lets several events share an instant, so names from one recorder keep increasing.
        nanos = round(clock.now() * 1e9) + int(clock.epoch.timestamp()) * 1_000_000_000
        nanos = max(nanos, self._last_nanos + 1)
        self._last_nanos = nanos
        event = Event(
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
        created: Event = await self.api.create(event, span=span)
        return created

    async def _bump(self, event: Event, stamp: str, span: TraceContext | None) -> Event:
        count = (event.count or 1) + 1
        patched: Event = await self.api.patch(
            Event,
            event.metadata.namespace,
            event.metadata.name,
            {"count": count, "lastTimestamp": stamp},
            span=span,
        )
        return msgspec.structs.replace(patched)
