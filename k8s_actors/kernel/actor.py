"""Actors: named units of behaviour with a mailbox, run by the supervisor.

Role: the shape every component takes. An actor receives a context (its address, the bus, the clock,
its logger, the run's identifiers and generator, and a task group for its own child tasks) and runs
until cancelled. The default `run` drains the mailbox in batches and calls the synchronous `receive`
for each envelope; actors that need concurrent work (workers, timers) start child tasks in
`ctx.tasks`, which die with the actor. Neighbours: `supervisor` (lifecycle), `bus`, `mailbox`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from anyio.abc import TaskGroup

from k8s_actors.kernel.bus import Bus
from k8s_actors.kernel.clock import Clock
from k8s_actors.kernel.envelope import Envelope, TraceContext
from k8s_actors.kernel.ids import IdSource
from k8s_actors.kernel.mailbox import Mailbox


class Logger(Protocol):
    """The part of a structlog bound logger that actors use."""

    def info(self, event: str, **fields: Any) -> Any: ...
    def warning(self, event: str, **fields: Any) -> Any: ...
    def debug(self, event: str, **fields: Any) -> Any: ...
    def error(self, event: str, **fields: Any) -> Any: ...
    def bind(self, **fields: Any) -> Any: ...


class NullLogger:
    """A logger that records nothing (runs without a trace)."""

    def info(self, event: str, **fields: Any) -> None:
        return None

    warning = debug = error = info

    def bind(self, **fields: Any) -> NullLogger:
        return self


@dataclass
class ActorContext:
    """Everything an actor may touch outside itself."""

    name: str
    bus: Bus
    clock: Clock
    ids: IdSource
    rng: random.Random
    log: Logger
    mailbox: Mailbox
    tasks: TaskGroup
    # Work started with `spawn`, oldest first, and the first error one of them raised.
    spawned: dict[asyncio.Task[None], None] = field(default_factory=dict)
    failure: Exception | None = None

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` concurrently, as a plain asyncio task that dies with the actor.

        Far cheaper than `tasks.start_soon` (no cancel scope, no task-group bookkeeping), for
        short work started at a high rate, such as one task per request served. It starts at the
        same point of the loop as `start_soon` would. If `work` raises, the actor fails as if its
        own code had raised; when the actor stops, unfinished work is cancelled.
        """
        task = asyncio.get_running_loop().create_task(work)
        self.spawned[task] = None
        task.add_done_callback(self._spawned_done)

    def _spawned_done(self, task: asyncio.Task[None]) -> None:
        del self.spawned[task]
        if task.cancelled():
            return
        error = task.exception()
        if isinstance(error, Exception) and self.failure is None:
            self.failure = error
            self.tasks.cancel_scope.cancel()

    def cancel_spawned(self) -> None:
        """Cancel every unfinished task started with `spawn` (the actor is going away)."""
        for task in list(self.spawned):
            task.cancel()

    def send(self, dst: str, payload: object, ctx: TraceContext | None = None) -> Envelope:
        return self.bus.send(self.name, dst, payload, ctx)

    async def request(
        self,
        dst: str,
        payload: object,
        ctx: TraceContext | None = None,
        *,
        timeout: float = 60.0,
    ) -> Envelope:
        return await self.bus.request(self.name, dst, payload, ctx, timeout=timeout)

    def reply(self, request: Envelope, payload: object, ctx: TraceContext | None = None) -> None:
        self.bus.reply(request, payload, ctx)

    def child_span(self, parent: TraceContext | None) -> TraceContext:
        """A new span under `parent`, or the root span of a new trace when there is none."""
        if parent is None:
            return TraceContext(trace_id=self.ids.trace_id(), span_id=self.ids.span_id())
        return TraceContext(
            trace_id=parent.trace_id, span_id=self.ids.span_id(), parent_span_id=parent.span_id
        )


class Actor:
    """Base class of every actor. Subclasses override `started` and `receive`, or `run`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._ctx: ActorContext | None = None

    @property
    def ctx(self) -> ActorContext:
        if self._ctx is None:
            raise RuntimeError(f"actor {self.name} is not running")
        return self._ctx

    async def run(self, ctx: ActorContext) -> None:
        """Start, then hand each queued envelope to `receive`, a batch at a time, forever."""
        self._ctx = ctx
        await self.started()
        mailbox = ctx.mailbox
        while True:
            for envelope in await mailbox.take():
                self.receive(envelope)

    async def started(self) -> None:
        """Called once the actor is registered on the bus, before any message is received."""

    def receive(self, envelope: Envelope) -> None:
        """Handle one message. Must not block; start a child task for long work."""
