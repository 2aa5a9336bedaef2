"""The kubelet's Event recorder: Events about pods and its node, source kubelet/<node>.

Role: client-go's EventRecorder as the kubelet uses it. An Event is named
`<object>.<hex nanoseconds>` and the same (object, type, reason, message) within 10 minutes bumps
`count` and `lastTimestamp` of the existing Event (events_cache.go). Writing is best effort: a
failure is traced, never raised. Neighbours: `worker` and `agent` (callers), the API client.
"""

from __future__ import annotations

from typing import Any

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Event, EventSource
from k8s_actors.api.objects.common import ObjectReference
from k8s_actors.client import AlreadyExists, ApiClient, ApiError
from k8s_actors.kernel import TraceContext

AGGREGATE_WINDOW = 600.0


class KubeletEvents:
    def __init__(self, api: ApiClient, node: str) -> None:
        self.api = api
        self.node = node
        self._seen: dict[tuple[str, str, str, str], tuple[Event, float]] = {}
        self._last_nanos = 0

    async def event(
        self,
        obj: Any,
        type_: str,
        reason: str,
        message: str,
        span: TraceContext | None = None,
        field_path: str = "",
    ) -> None:
        """Record an Event about `obj` (a pod, or the node)."""
        clock = self.api.ctx.clock
        log = self.api.ctx.log
        log.info(
            "kubelet_event_recorded", ctx=span, obj=obj, type=type_, reason=reason, message=message
        )
        key = (obj.metadata.uid or obj.metadata.name, type_, reason, message)
        previous = self._seen.get(key)
        try:
            if previous is not None and clock.now() - previous[1] < AGGREGATE_WINDOW:
                stored = await self._bump(previous[0], span)
            else:
                stored = await self._create_unique(obj, type_, reason, message, span, field_path)
        except ApiError as error:
            log.warning("kubelet_event_write_failed", ctx=span, reason=reason, error=str(error))
            return
        self._seen[key] = (stored, clock.now())

    async def _create_unique(
        self,
        obj: Any,
        type_: str,
        reason: str,
        message: str,
        span: TraceContext | None,
        field_path: str,
    ) -> Event:
        """Create; another component may have used the same name in the same instant."""
        for _ in range(8):
            try:
                return await self._create(obj, type_, reason, message, span, field_path)
            except AlreadyExists:
                self._last_nanos += 1
        return await self._create(obj, type_, reason, message, span, field_path)

    async def _create(
        self,
        obj: Any,
        type_: str,
        reason: str,
        message: str,
        span: TraceContext | None,
        field_path: str,
    ) -> Event:
        clock = self.api.ctx.clock
        meta = obj.metadata
        nanos = round(clock.now() * 1e9) + int(clock.epoch.timestamp()) * 1_000_000_000
        nanos = max(nanos, self._last_nanos + 1)
        self._last_nanos = nanos
        stamp = clock.timestamp()
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
                field_path=field_path,
            ),
            reason=reason,
            message=message,
            type=type_,
            count=1,
            first_timestamp=stamp,
            last_timestamp=stamp,
            source=EventSource(component="kubelet", host=self.node),
            reporting_component="kubelet",
            reporting_instance=self.node,
        )
        created: Event = await self.api.create(event, span=span)
        return created

    async def _bump(self, event: Event, span: TraceContext | None) -> Event:
        count = (event.count or 1) + 1
        patched: Event = await self.api.patch(
            Event,
            event.metadata.namespace,
            event.metadata.name,
            {"count": count, "lastTimestamp": self.api.ctx.clock.timestamp()},
            span=span,
        )
        return patched
