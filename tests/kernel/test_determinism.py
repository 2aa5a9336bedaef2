"""Same run + same seed = byte-identical trace, whatever the interpreter's hash seed.

The run below has a server and three clients exchanging requests, replies and gossip under message
loss and jittered latency, traced with detail="messages". It is executed in separate interpreters
(`python -m tests.kernel.test_determinism SEED PATH`) with different PYTHONHASHSEED values.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import msgspec

from k8s_actors.kernel import (
    Actor,
    ActorSpec,
    AddressSet,
    Bus,
    Clock,
    Envelope,
    IdSource,
    Latency,
    MessageLoss,
    RequestTimeout,
    Supervisor,
    run,
)
from k8s_actors.trace import Tracer, read_trace, validate_trace

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ("client/node-1", "client/node-2", "client/node-3")


class Ask(msgspec.Struct, frozen=True):
    number: int


class Answer(msgspec.Struct, frozen=True):
    number: int
    square: int


class Gossip(msgspec.Struct, frozen=True):
    rumour: str


class Server(Actor):
    """Answers every Ask with its square."""

    def receive(self, envelope: Envelope) -> None:
        ask = envelope.payload
        assert isinstance(ask, Ask)
        span = self.ctx.child_span(envelope.ctx)
        self.ctx.log.info("ask_answered", ctx=span, number=ask.number, asker=envelope.src)
        self.ctx.reply(envelope, Answer(ask.number, ask.number**2), span)


class Client(Actor):
    """Every half second asks the server something and gossips to a randomly chosen peer."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.heard: dict[str, int] = {}

    async def started(self) -> None:
        self.ctx.tasks.start_soon(self._loop)

    def receive(self, envelope: Envelope) -> None:
        self.heard[envelope.src] = self.heard.get(envelope.src, 0) + 1
        self.ctx.log.debug("gossip_heard", origin=envelope.src, total=self.heard[envelope.src])

    async def _loop(self) -> None:
        ctx = self.ctx
        for number in range(1, 40):
            await ctx.clock.sleep(0.5)
            peer = ctx.rng.choice([name for name in CLIENTS if name != self.name])
            ctx.send(peer, Gossip(ctx.ids.uid()))
            span = ctx.child_span(None)
            try:
                reply = await ctx.request("server", Ask(number), span, timeout=0.3)
            except RequestTimeout:
                ctx.log.warning("ask_timed_out", ctx=span, number=number)
                continue
            ctx.log.info("answer_received", ctx=span, answer=reply.payload)


def client_factory(name: str) -> Callable[[], Actor]:
    return lambda: Client(name)


async def simulate(seed: int, path: Path) -> None:
    clock = Clock()
    clock.bind(asyncio.get_running_loop())
    rng = random.Random(seed)
    bus = Bus(clock, rng, default_latency=0.01)
    bus.faults.append(MessageLoss(rate=0.2, source=AddressSet(("clients",))))
    bus.faults.append(Latency(add=0.02, jitter=0.1, source=AddressSet(("node-2",))))
    with path.open("wb") as sink:
        tracer = Tracer(sink, clock, detail="messages")
        tracer.attach(bus)
        supervisor = Supervisor(bus, clock, IdSource(rng), rng, tracer.logger)
        async with supervisor:
            await supervisor.start(ActorSpec("server", lambda: Server("server")))
            for name in CLIENTS:
                await supervisor.start(ActorSpec(name, client_factory(name), groups=("clients",)))
            await clock.sleep(25.0)
            for name in [*CLIENTS, "server"]:
                await supervisor.stop(name)


def trace_in_subprocess(seed: int, hash_seed: str, path: Path) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    subprocess.run(
        [sys.executable, "-m", "tests.kernel.test_determinism", str(seed), str(path)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
    )
    return path.read_bytes()


def test_same_seed_gives_byte_identical_traces_across_hash_seeds(tmp_path: Path) -> None:
    """Two interpreters with different hash seeds write the same bytes for the same run seed."""
    first = trace_in_subprocess(11, "1", tmp_path / "a.jsonl")
    second = trace_in_subprocess(11, "2024", tmp_path / "b.jsonl")
    assert first == second
    events = [str(record["event"]) for record in read_trace(first.splitlines())]
    assert {"message_dropped", "ask_timed_out", "answer_received", "gossip_heard"} <= set(events)
    assert validate_trace(first.splitlines()) == []


def test_another_seed_gives_another_trace(tmp_path: Path) -> None:
    """Changing the run seed changes which messages are lost and so the trace."""
    path = tmp_path / "run.jsonl"
    run(lambda: simulate(11, path))
    same = path.read_bytes()
    run(lambda: simulate(12, path))
    assert path.read_bytes() != same
    run(lambda: simulate(11, path))
    assert path.read_bytes() == same


if __name__ == "__main__":
    run_seed, out = int(sys.argv[1]), Path(sys.argv[2])
    run(lambda: simulate(run_seed, out))
