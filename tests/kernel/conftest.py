"""Kernel test helpers: run a body on the virtual loop with a fresh clock, bus and generator."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from k8s_actors.kernel import Actor, Bus, Clock, Envelope, IdSource, Supervisor, run

T = TypeVar("T")


@dataclass
class World:
    """The pieces of one run."""

    clock: Clock
    bus: Bus
    rng: random.Random
    ids: IdSource

    def supervisor(self, log: RecordingLogger | None = None) -> Supervisor:
        logger_for = (lambda name: log.bind(actor=name)) if log is not None else None
        return Supervisor(self.bus, self.clock, self.ids, self.rng, logger_for)


def simulate(body: Callable[[World], Awaitable[T]], *, seed: int = 0, latency: float = 0.0) -> T:
    """Run `body` on a fresh virtual-time loop and return what it returns."""

    async def main() -> T:
        clock = Clock()
        clock.bind(asyncio.get_running_loop())
        rng = random.Random(seed)
        world = World(clock, Bus(clock, rng, default_latency=latency), rng, IdSource(rng))
        return await body(world)

    return run(main)


@dataclass
class RecordingLogger:
    """A `Logger` that keeps (event, fields) pairs; bound values are merged into the fields."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    bound: dict[str, Any] = field(default_factory=dict)

    def _record(self, event: str, **fields: Any) -> None:
        self.events.append((event, {**self.bound, **fields}))

    info = warning = debug = error = _record

    def bind(self, **fields: Any) -> RecordingLogger:
        return RecordingLogger(self.events, {**self.bound, **fields})

    def names(self) -> list[str]:
        return [event for event, _ in self.events]


class Recorder(Actor):
    """Keeps every envelope it receives with the time it received it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.received: list[tuple[float, Envelope]] = []

    def receive(self, envelope: Envelope) -> None:
        self.received.append((self.ctx.clock.now(), envelope))

    def payloads(self) -> list[object]:
        return [envelope.payload for _, envelope in self.received]
