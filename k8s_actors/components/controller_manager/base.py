"""The shape of every controller: informer handlers feed a rate-limited work queue of keys,
workers sync one key at a time.

Role: what controller-runtime and kube-controller-manager's controllers share. A controller
registers handlers on the shared informers in `setup`, turns events into keys ("namespace/name")
with `enqueue`, and implements `sync(key, span)`. A sync that raises is requeued with the
queue's rate limiter (5 ms doubling to 1000 s per key, 10 qps overall); a sync that succeeds is
forgotten. A key is never synced by two workers at once (the work queue's promise).
Neighbours: `manager` (hosts controllers), `k8s_actors.client` (informers, work queue, client),
`events` (the Event recorder).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from k8s_actors.client import ApiClient, AsyncWorkQueue, SharedInformerFactory
from k8s_actors.client.cache import object_key
from k8s_actors.client.events import EventRecorder
from k8s_actors.kernel import ActorContext, Logger, TraceContext


@dataclass
class ControllerContext:
    """What the manager hands each controller."""

    actor: ActorContext
    api: ApiClient
    informers: SharedInformerFactory
    recorder: EventRecorder
    log: Logger
    settings: dict[str, Any]


class Controller:
    """Base class: subclasses set `name`, override `setup` and `sync`."""

    name = "controller"
    workers = 5

    def __init__(self, ctx: ControllerContext) -> None:
        self.ctx = ctx
        self.api = ctx.api
        self.log = ctx.log
        self.recorder = ctx.recorder
        self.queue: AsyncWorkQueue[str] = AsyncWorkQueue(ctx.actor.clock)
        # The span of the event that last queued each key, so the sync is its child.
        self._causes: dict[str, TraceContext | None] = {}

    def setup(self) -> None:
        """Register informer handlers (called before the informers start)."""

    def enqueue(self, obj: Any, span: TraceContext | None = None) -> None:
        key = object_key(obj)
        self.enqueue_key(key, span)

    def enqueue_key(self, key: str, span: TraceContext | None = None) -> None:
        if span is not None or key not in self._causes:
            self._causes[key] = span
        self.queue.add(key)

    def enqueue_after(self, key: str, delay: float) -> None:
        self.queue.add_after(key, delay)

    async def sync(self, key: str, span: TraceContext) -> None:
        """Make the world match the desired state of `key`; raise to be retried."""

    async def run_background(self) -> None:
        """Periodic work besides the queue (node monitoring, ...); none by default."""

    async def run_worker(self) -> None:
        actor = self.ctx.actor
        while True:
            key = await self.queue.get()
            if key is None:
                return
            span = actor.child_span(self._causes.pop(key, None))
            try:
                await self.sync(key, span)
            except Exception as error:  # a failed sync is retried with back-off, as client-go does
                delay = self.queue.add_rate_limited(key)
                self.log.warning(
                    "controller_sync_failed",
                    ctx=span,
                    controller=self.name,
                    key=key,
                    error=str(error),
                    retry_in=round(delay, 6),
                )
            else:
                self.queue.forget(key)
            finally:
                self.queue.done(key)
