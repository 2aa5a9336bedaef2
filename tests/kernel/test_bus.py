"""The bus: ordered delayed delivery, per-link latency, request/reply, taps, pause and resume."""

from __future__ import annotations

import asyncio

import pytest

from k8s_actors.kernel import (
    Actor,
    ActorSpec,
    AddressSet,
    Envelope,
    Latency,
    Mailbox,
    MessageLoss,
    Outcome,
    Partition,
    RequestTimeout,
    TraceContext,
    Unreachable,
)

from .conftest import World, simulate


def arrivals() -> list[tuple[float, object]]:
    return []


def received_at(box: Mailbox, world: World, log: list[tuple[float, object]]) -> asyncio.Task[None]:
    """A task that appends (time, payload) for everything arriving in `box`."""

    async def drain() -> None:
        while True:
            for envelope in await box.take():
                log.append((world.clock.now(), envelope.payload))

    return asyncio.ensure_future(drain())


class Echo(Actor):
    """Replies to every request with ("echo", payload), after `delay` seconds when set."""

    def __init__(self, name: str, delay: float = 0.0) -> None:
        super().__init__(name)
        self.delay = delay

    def receive(self, envelope: Envelope) -> None:
        if self.delay:
            self.ctx.tasks.start_soon(self._reply_later, envelope)
        else:
            self.ctx.reply(envelope, ("echo", envelope.payload))

    async def _reply_later(self, envelope: Envelope) -> None:
        await self.ctx.clock.sleep(self.delay)
        self.ctx.reply(envelope, ("echo", envelope.payload))


class Silent(Actor):
    """Receives requests and never answers."""


def test_send_returns_the_envelope_with_seq_time_and_span() -> None:
    """send numbers envelopes in send order and stamps the send time and trace context."""
    span = TraceContext(trace_id="t", span_id="s")

    async def body(world: World) -> list[Envelope]:
        await world.clock.sleep(4.0)
        return [world.bus.send("a", "b", 1, span), world.bus.send("a", "b", 2)]

    first, second = simulate(body)
    assert (first.seq, second.seq) == (1, 2)
    assert (first.sent_at, first.ctx, second.ctx) == (4.0, span, None)


def test_delivery_follows_delivery_time_then_sequence() -> None:
    """Messages arrive by when they are due; messages due together arrive in send order."""

    async def body(world: World) -> list[tuple[float, object]]:
        box, log = Mailbox(), arrivals()
        world.bus.register("b", box)
        task = received_at(box, world, log)
        bus = world.bus
        bus.link_latency[("slow", "b")] = 2.0
        bus.link_latency[("mid", "b")] = 1.0
        bus.send("slow", "b", "s1")
        bus.send("mid", "b", "m1")
        bus.send("fast", "b", "f1")
        bus.send("slow", "b", "s2")
        bus.send("mid", "b", "m2")
        await world.clock.sleep(1.0)
        bus.send("mid", "b", "m3")  # due at 2.0, like s1 and s2 but sent after them
        await world.clock.sleep(5.0)
        task.cancel()
        return log

    assert simulate(body) == [
        (0.0, "f1"),
        (1.0, "m1"),
        (1.0, "m2"),
        (2.0, "s1"),
        (2.0, "s2"),
        (2.0, "m3"),
    ]


def test_delayed_messages_due_now_go_before_instant_ones_sent_now() -> None:
    """A delayed message due at t precedes an instant message sent at t (lower sequence)."""

    async def body(world: World) -> list[object]:
        box, log = Mailbox(), arrivals()
        world.bus.register("b", box)
        task = received_at(box, world, log)

        async def late_sender() -> None:
            await world.clock.sleep(1.0)
            world.bus.send("fast", "b", "instant")

        sender = asyncio.ensure_future(late_sender())  # its timer is scheduled first
        await asyncio.sleep(0)
        world.bus.link_latency[("slow", "b")] = 1.0
        world.bus.send("slow", "b", "delayed-1")
        world.bus.send("slow", "b", "delayed-2")
        await world.clock.sleep(2.0)
        await sender
        task.cancel()
        return [payload for _, payload in log]

    assert simulate(body) == ["delayed-1", "delayed-2", "instant"]


def test_latency_is_per_directed_link_with_a_default() -> None:
    """link_latency applies to one direction of one link; other messages take the default."""

    async def body(world: World) -> list[tuple[float, object]]:
        box, log = Mailbox(), arrivals()
        world.bus.register("b", box)
        world.bus.register("a", box)
        task = received_at(box, world, log)
        world.bus.link_latency[("a", "b")] = 3.0
        world.bus.send("a", "b", "a->b")
        world.bus.send("b", "a", "b->a")
        world.bus.send("c", "b", "c->b")
        await world.clock.sleep(5.0)
        task.cancel()
        return log

    assert simulate(body, latency=0.5) == [(0.5, "b->a"), (0.5, "c->b"), (3.0, "a->b")]


def test_a_burst_is_taken_in_one_batch() -> None:
    """Messages sent in one step are handed over by a single `take`, oldest first."""

    async def body(world: World) -> list[list[object]]:
        box = Mailbox()
        world.bus.register("b", box)
        for n in range(100):
            world.bus.send("a", "b", n)
        batch = await box.take()
        return [[e.payload for e in batch]]

    assert simulate(body) == [list(range(100))]


def test_request_gets_the_reply_after_a_round_trip() -> None:
    """request returns the reply envelope, correlated, after latency there and back."""

    async def body(world: World) -> tuple[float, Envelope, int]:
        async with world.supervisor() as supervisor:
            await supervisor.start(ActorSpec("server", lambda: Echo("server")))
            reply = await world.bus.request("client", "server", "hi")
            pending = len(world.bus._pending)
            await supervisor.stop("server")
        return world.clock.now(), reply, pending

    now, reply, pending = simulate(body, latency=0.25)
    assert now == 0.5
    assert reply.payload == ("echo", "hi")
    assert (reply.src, reply.dst, reply.reply_to) == ("server", "client", 1)
    assert pending == 0


def test_request_without_reply_times_out() -> None:
    """A request nobody answers raises RequestTimeout exactly at its timeout."""

    async def body(world: World) -> float:
        async with world.supervisor() as supervisor:
            await supervisor.start(ActorSpec("server", lambda: Silent("server")))
            with pytest.raises(RequestTimeout, match="no reply from server within 3s"):
                await world.bus.request("client", "server", "hi", timeout=3.0)
            await supervisor.stop("server")
        return world.clock.now()

    assert simulate(body, latency=0.1) == 3.0


def test_request_to_an_unregistered_address_is_unreachable() -> None:
    """A request to an address nobody holds fails fast with Unreachable (connection refused)."""

    async def body(world: World) -> float:
        with pytest.raises(Unreachable, match="nowhere: connection refused"):
            await world.bus.request("client", "nowhere", "hi", timeout=30.0)
        return world.clock.now()

    assert simulate(body, latency=0.2) == 0.2


def test_late_reply_is_dropped_and_tapped() -> None:
    """A reply arriving after the timeout reaches no one; taps see it as late_reply."""

    async def body(world: World) -> tuple[list[tuple[Outcome, object]], int]:
        seen: list[tuple[Outcome, object]] = []
        world.bus.taps.append(lambda envelope, outcome, _: seen.append((outcome, envelope.payload)))
        client_box = Mailbox()
        world.bus.register("client", client_box)
        async with world.supervisor() as supervisor:
            await supervisor.start(ActorSpec("server", lambda: Echo("server", delay=5.0)))
            with pytest.raises(RequestTimeout):
                await world.bus.request("client", "server", "hi", timeout=2.0)
            await world.clock.sleep(10.0)
            await supervisor.stop("server")
        return seen, len(client_box)

    seen, queued = simulate(body)
    assert seen == [("delivered", "hi"), ("late_reply", ("echo", "hi"))]
    assert queued == 0


def test_taps_see_every_outcome_with_its_reason() -> None:
    """Taps observe delivered, dropped (with the rule's reason) and unreachable messages."""

    async def body(world: World) -> list[tuple[object, Outcome, str]]:
        seen: list[tuple[object, Outcome, str]] = []
        world.bus.taps.append(
            lambda envelope, outcome, why: seen.append((envelope.payload, outcome, why))
        )
        world.bus.register("b", Mailbox())
        world.bus.register("c", Mailbox())
        world.bus.faults.append(Partition(source=AddressSet(("a",)), target=AddressSet(("c",))))
        world.bus.send("a", "b", 1)
        world.bus.send("a", "c", 2)
        world.bus.send("a", "z", 3)
        await world.clock.sleep(1.0)
        return seen

    assert simulate(body) == [
        (2, "dropped", "partition"),
        (1, "delivered", ""),
        (3, "unreachable", "no actor at address"),
    ]


def test_loss_makes_requests_time_out() -> None:
    """With every message lost, a request ends in RequestTimeout rather than a reply."""

    async def body(world: World) -> None:
        async with world.supervisor() as supervisor:
            await supervisor.start(ActorSpec("server", lambda: Echo("server")))
            world.bus.faults.append(MessageLoss(rate=1.0))
            with pytest.raises(RequestTimeout):
                await world.bus.request("client", "server", "hi", timeout=1.0)
            await supervisor.stop("server")

    simulate(body)


def test_a_link_marked_local_is_spared_by_faults_both_ways() -> None:
    """With every message lost, a request and its reply between two addresses marked local
    still arrive, while the same request from another address is lost."""

    async def body(world: World) -> None:
        async with world.supervisor() as supervisor:
            await supervisor.start(ActorSpec("server", lambda: Echo("server")))
            world.bus.faults.append(MessageLoss(rate=1.0))
            world.bus.mark_local("terminal", "server")
            reply = await world.bus.request("terminal", "server", "hi", timeout=1.0)
            assert reply.payload == ("echo", "hi")
            with pytest.raises(RequestTimeout):
                await world.bus.request("client", "server", "hi", timeout=1.0)
            await supervisor.stop("server")

    simulate(body)


def test_pause_holds_messages_both_ways_until_resume() -> None:
    """Messages to and from a paused address wait; resume releases them in send order."""

    async def body(world: World) -> list[tuple[float, object]]:
        box, log = Mailbox(), arrivals()
        for name in ("a", "b"):
            world.bus.register(name, box)
        task = received_at(box, world, log)
        world.bus.pause("b")
        world.bus.send("a", "b", "to-b-1")
        world.bus.send("b", "a", "from-b")
        world.bus.send("a", "b", "to-b-2")
        world.bus.send("c", "a", "unrelated")
        await world.clock.sleep(10.0)
        world.bus.resume("b")
        await world.clock.sleep(1.0)
        task.cancel()
        return log

    assert simulate(body, latency=0.5) == [
        (0.5, "unrelated"),
        (10.5, "to-b-1"),
        (10.5, "from-b"),
        (10.5, "to-b-2"),
    ]


def test_registering_an_address_twice_is_refused() -> None:
    """One address, one mailbox; addresses() lists them sorted; unregister frees the name."""

    async def body(world: World) -> list[str]:
        world.bus.register("b", Mailbox())
        world.bus.register("a", Mailbox())
        with pytest.raises(ValueError, match="already registered"):
            world.bus.register("a", Mailbox())
        names = world.bus.addresses()
        world.bus.unregister("a")
        assert not world.bus.is_registered("a")
        world.bus.register("a", Mailbox())
        return names

    assert simulate(body) == ["a", "b"]


def test_timer_deliveries_survive_a_clock_bound_late() -> None:
    """A delayed message is delivered even when the clock's origin makes times round down."""

    async def body(world: World) -> tuple[float, object]:
        box, log = Mailbox(), arrivals()
        world.bus.register("b", box)
        task = received_at(box, world, log)
        world.bus.link_latency[("a", "b")] = 0.1
        world.bus.send("a", "b", "x")
        await world.clock.sleep(1.0)
        task.cancel()
        first: tuple[float, object] = log[0]
        return first

    async def late(world: World) -> tuple[float, object]:
        # Rebind after 0.7 s: (0.1 + 0.7) - 0.7 is just below 0.1 in floating point.
        await asyncio.sleep(0.7)
        world.clock.bind(asyncio.get_running_loop())
        return await body(world)

    at, payload = simulate(late)
    assert payload == "x" and at == pytest.approx(0.1)


def test_jitter_never_reorders_the_messages_of_one_link() -> None:
    """A link keeps send order as TCP does: a message drawn a shorter delay than the one sent
    before it waits for that one; another link is not held back by it."""

    async def body(world: World) -> list[tuple[float, object]]:
        box, log = Mailbox(), arrivals()
        world.bus.register("b", box)
        task = received_at(box, world, log)
        world.bus.faults.append(Latency(source=AddressSet(("a",)), add=0.1, jitter=1.0))
        for n in range(20):
            world.bus.send("a", "b", n)
            await world.clock.sleep(0.05)
        world.bus.send("c", "b", "other link")
        await world.clock.sleep(5.0)
        task.cancel()
        return log

    payloads = [payload for _, payload in simulate(body)]
    assert [payload for payload in payloads if payload != "other link"] == list(range(20))
    assert payloads[-1] != "other link"  # it overtook the backlog of a->b


def test_a_message_sent_after_latency_is_lifted_waits_for_those_still_travelling() -> None:
    """Lifting a latency rule does not let a fast message overtake the slow ones of its link."""

    async def body(world: World) -> list[tuple[float, object]]:
        box, log = Mailbox(), arrivals()
        world.bus.register("b", box)
        task = received_at(box, world, log)
        rule = Latency(add=2.0)
        world.bus.faults.append(rule)
        world.bus.send("a", "b", "slow")
        world.bus.faults.remove(rule)
        world.bus.send("a", "b", "after")
        world.bus.send("c", "b", "elsewhere")
        await world.clock.sleep(3.0)
        task.cancel()
        return log

    assert simulate(body) == [(0.0, "elsewhere"), (2.0, "slow"), (2.0, "after")]


def test_each_kind_of_message_keeps_its_own_order_on_a_link() -> None:
    """Order is kept per link and kind of message (a stream of a connection): a reply does not
    queue behind a late message of another kind."""

    async def body(world: World) -> list[tuple[float, object]]:
        box, log = Mailbox(), arrivals()
        world.bus.register("b", box)
        task = received_at(box, world, log)
        rule = Latency(add=2.0)
        world.bus.faults.append(rule)
        world.bus.send("a", "b", "late text")
        world.bus.faults.remove(rule)
        world.bus.send("a", "b", 7)
        await world.clock.sleep(3.0)
        task.cancel()
        return log

    assert simulate(body) == [(0.0, 7), (2.0, "late text")]
