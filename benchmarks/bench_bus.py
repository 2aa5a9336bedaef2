"""Bus throughput: messages per second from one actor to another, against a raw asyncio.Queue.

Run: python -m benchmarks.bench_bus [--messages N]
Both measurements run in the same process on the same virtual-time loop, one after the other, and
the ratio bus/raw is printed (the goal is >= 0.5).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from k8s_actors.kernel import (
    Actor,
    ActorSpec,
    Bus,
    Clock,
    Envelope,
    IdSource,
    Supervisor,
    run,
)


class Ping(Actor):
    """Counts what it receives and signals when the expected number arrived."""

    def __init__(self, name: str, expected: int, finished: asyncio.Event) -> None:
        super().__init__(name)
        self.expected = expected
        self.received = 0
        self.finished = finished

    def receive(self, envelope: Envelope) -> None:
        self.received += 1
        if self.received == self.expected:
            self.finished.set()


async def raw_queue(messages: int, batch: int) -> float:
    queue: asyncio.Queue[object] = asyncio.Queue()
    payload = object()

    async def consumer() -> None:
        for _ in range(messages):
            await queue.get()

    async def producer() -> None:
        for start in range(0, messages, batch):
            for _ in range(min(batch, messages - start)):
                queue.put_nowait(payload)
            await asyncio.sleep(0)

    started = time.perf_counter()
    await asyncio.gather(consumer(), producer())
    return messages / (time.perf_counter() - started)


async def bus_actors(messages: int, batch: int) -> float:
    clock = Clock()
    clock.bind(asyncio.get_running_loop())
    rng = random.Random(0)
    bus = Bus(clock, rng)
    finished = asyncio.Event()
    async with Supervisor(bus, clock, IdSource(rng), rng) as supervisor:
        await supervisor.start(ActorSpec("pong", lambda: Ping("pong", messages, finished)))
        sender = bus
        payload = object()
        started = time.perf_counter()
        for start in range(0, messages, batch):
            for _ in range(min(batch, messages - start)):
                sender.send("ping", "pong", payload)
            await asyncio.sleep(0)
        await finished.wait()
        elapsed = time.perf_counter() - started
        await supervisor.stop("pong")
    return messages / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=500_000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()

    async def measure() -> tuple[float, float]:
        raw = await raw_queue(args.messages, args.batch)
        bus = await bus_actors(args.messages, args.batch)
        return raw, bus

    raw, bus = run(measure)
    print(f"raw asyncio.Queue : {raw:12,.0f} msg/s")
    print(f"bus actor->actor  : {bus:12,.0f} msg/s")
    print(f"ratio bus/raw     : {bus / raw:12.2f}  (goal >= 0.5)")


if __name__ == "__main__":
    main()
