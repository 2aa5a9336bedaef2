"""The supervisor: registered starts, restarts with back-off, injected crashes, pause and resume."""

from __future__ import annotations

from typing import Any, ClassVar

import anyio
import pytest

from k8s_actors.kernel import Actor, ActorContext, ActorSpec, Envelope, Supervisor

from .conftest import Recorder, RecordingLogger, World, simulate


class Counter(Actor):
    """Counts messages in memory; raises on "boom"; notes the time each incarnation started."""

    incarnations: ClassVar[list[tuple[float, Counter]]] = []

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.count = 0

    async def started(self) -> None:
        Counter.incarnations.append((self.ctx.clock.now(), self))

    def receive(self, envelope: Envelope) -> None:
        if envelope.payload == "boom":
            raise ValueError("boom")
        self.count += 1


class Sluggish(Actor):
    """Leaves its mailbox alone for ten seconds after starting, so messages pile up."""

    async def run(self, ctx: ActorContext) -> None:
        self._ctx = ctx
        await ctx.clock.sleep(10.0)
        await super().run(ctx)


class Ticker(Actor):
    """Starts a child task that appends the time every second."""

    def __init__(self, name: str, ticks: list[float]) -> None:
        super().__init__(name)
        self.ticks = ticks

    async def started(self) -> None:
        self.ctx.tasks.start_soon(self._tick)

    async def _tick(self) -> None:
        while True:
            await self.ctx.clock.sleep(1.0)
            self.ticks.append(self.ctx.clock.now())


class Spawner(Actor):
    """Spawns one task per message: "sleep" records the time after a second, "boom" raises."""

    def __init__(self, name: str, done: list[tuple[str, float]]) -> None:
        super().__init__(name)
        self.done = done

    def receive(self, envelope: Envelope) -> None:
        self.ctx.spawn(self._work(str(envelope.payload)))

    async def _work(self, what: str) -> None:
        if what == "boom":
            raise ValueError("spawned boom")
        await self.ctx.clock.sleep(1.0)
        self.done.append((what, self.ctx.clock.now()))


class BrokenStart(Actor):
    """Raises as soon as it starts."""

    async def started(self) -> None:
        raise RuntimeError("cannot start")


def events(log: RecordingLogger, name: str) -> list[dict[str, Any]]:
    return [fields for event, fields in log.events if event == name]


def test_start_registers_the_actor_before_returning() -> None:
    """When start returns, the address accepts messages and the instance is known."""

    async def body(world: World) -> tuple[bool, bool, list[str]]:
        log = RecordingLogger()
        async with world.supervisor(log) as supervisor:
            actor = await supervisor.start(ActorSpec("a", lambda: Recorder("a"), groups=("g",)))
            registered = world.bus.is_registered("a")
            known = supervisor.actor("a") is actor and supervisor.names() == ["a"]
            assert world.bus.groups == {"g": ["a"]}
            world.bus.send("x", "a", "hello")
            await world.clock.sleep(0.0)
            await world.clock.sleep(0.0)
            assert isinstance(actor, Recorder) and actor.payloads() == ["hello"]
        return registered, known, log.names()

    assert simulate(body) == (True, True, ["actor_started"])


def test_start_outside_the_supervisor_context_is_refused() -> None:
    """A supervisor that is not entered has no task group to start actors in."""

    async def body(world: World) -> None:
        with pytest.raises(RuntimeError, match="not running"):
            await world.supervisor().start(ActorSpec("a", lambda: Recorder("a")))

    simulate(body)


def test_raising_actor_restarts_after_growing_back_off_with_fresh_state() -> None:
    """An actor whose code raises is logged, then rebuilt from its factory after 1 s, 2 s, ..."""
    Counter.incarnations = []

    async def body(world: World) -> RecordingLogger:
        log = RecordingLogger()
        async with world.supervisor(log) as supervisor:
            await supervisor.start(ActorSpec("c", lambda: Counter("c"), restart_delay=1.0))
            world.bus.send("x", "c", "one")
            world.bus.send("x", "c", "boom")
            await world.clock.sleep(1.5)
            world.bus.send("x", "c", "boom")
            await world.clock.sleep(5.0)
            world.bus.send("x", "c", "two")
            await world.clock.sleep(1.0)
            await supervisor.stop("c")
        return log

    log = simulate(body)
    assert [t for t, _ in Counter.incarnations] == [0.0, 1.0, 3.5]
    assert [actor.count for _, actor in Counter.incarnations] == [1, 0, 1]
    assert len({id(actor) for _, actor in Counter.incarnations}) == 3
    assert [e["delay"] for e in events(log, "actor_restart_scheduled")] == [1.0, 2.0]
    crashed = events(log, "actor_crashed")
    assert len(crashed) == 2 and "boom" in crashed[0]["error"] and crashed[0]["target"] == "c"


def test_back_off_is_capped() -> None:
    """The restart delay doubles up to max_restart_delay and stays there."""

    async def body(world: World) -> list[float]:
        log = RecordingLogger()
        spec = ActorSpec("b", lambda: BrokenStart("b"), restart_delay=1.0, max_restart_delay=4.0)
        async with world.supervisor(log) as supervisor:
            await supervisor.start(spec)
            await world.clock.sleep(20.0)
            await supervisor.stop("b")
        return [e["delay"] for e in events(log, "actor_restart_scheduled")]

    assert simulate(body) == [1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]


def test_never_policy_leaves_a_failed_actor_down() -> None:
    """With restart="never" a raising actor is unregistered and not started again."""

    async def body(world: World) -> tuple[bool, list[str]]:
        log = RecordingLogger()
        async with world.supervisor(log) as supervisor:
            await supervisor.start(ActorSpec("b", lambda: BrokenStart("b"), restart="never"))
            await world.clock.sleep(100.0)
            registered = world.bus.is_registered("b")
        return registered, log.names()

    assert simulate(body) == (False, ["actor_started", "actor_crashed"])


def test_injected_crash_loses_state_and_queued_messages_and_stays_down() -> None:
    """crash kills at once: the mailbox is emptied, the address vanishes, nothing restarts it."""

    async def body(world: World) -> tuple[int, bool, list[str]]:
        log = RecordingLogger()
        async with world.supervisor(log) as supervisor:
            actor = await supervisor.start(ActorSpec("s", lambda: Sluggish("s")))
            for n in range(3):
                world.bus.send("x", "s", n)
            await world.clock.sleep(1.0)
            mailbox = actor.ctx.mailbox
            assert len(mailbox) == 3
            await supervisor.crash("s")
            await world.clock.sleep(100.0)
            gone = supervisor.actor("s") is None and not world.bus.is_registered("s")
        return len(mailbox), gone, log.names()

    assert simulate(body) == (0, True, ["actor_started", "actor_crash_injected"])


def test_restart_builds_a_fresh_instance() -> None:
    """restart after a crash starts a new instance from the factory, with empty state."""
    Counter.incarnations = []

    async def body(world: World) -> tuple[Actor, Actor, bool]:
        async with world.supervisor() as supervisor:
            first = await supervisor.start(ActorSpec("c", lambda: Counter("c")))
            world.bus.send("x", "c", "one")
            await world.clock.sleep(1.0)
            await supervisor.crash("c")
            second = await supervisor.restart("c")
            registered = world.bus.is_registered("c")
            third = await supervisor.restart("c")  # restarting a running actor replaces it
            await supervisor.stop("c")
        assert supervisor.actor("c") is None
        return first, second, registered and third is not second

    first, second, replaced = simulate(body)
    assert isinstance(first, Counter) and isinstance(second, Counter)
    assert (first.count, second.count) == (1, 0)
    assert second is not first and replaced


def test_concurrent_restarts_of_one_actor_leave_one_instance() -> None:
    """Two restarts of the same actor at the same instant (two overlapping crash faults ending
    together) run one after the other: one instance registered, no double registration."""
    Counter.incarnations = []

    async def body(world: World) -> tuple[int, bool]:
        async with world.supervisor() as supervisor:
            await supervisor.start(ActorSpec("c", lambda: Counter("c")))
            await supervisor.crash("c")
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(supervisor.restart, "c")
                tasks.start_soon(supervisor.restart, "c")
            running = world.bus.is_registered("c") and supervisor.actor("c") is not None
            await supervisor.stop("c")
        return len(Counter.incarnations), running

    assert simulate(body) == (3, True)


def test_child_tasks_die_with_their_actor() -> None:
    """A task started in ctx.tasks stops when its actor is crashed."""
    ticks: list[float] = []

    async def body(world: World) -> None:
        async with world.supervisor() as supervisor:
            await supervisor.start(ActorSpec("t", lambda: Ticker("t", ticks)))
            await world.clock.sleep(3.5)
            await supervisor.crash("t")
            await world.clock.sleep(10.0)

    simulate(body)
    assert ticks == [1.0, 2.0, 3.0]


def test_spawned_work_runs_concurrently_and_is_forgotten_when_done() -> None:
    """Tasks from ctx.spawn run side by side, in spawn order, and leave no trace once finished."""
    done: list[tuple[str, float]] = []

    async def body(world: World) -> int:
        async with world.supervisor() as supervisor:
            actor = await supervisor.start(ActorSpec("s", lambda: Spawner("s", done)))
            world.bus.send("x", "s", "first")
            world.bus.send("x", "s", "second")
            await world.clock.sleep(2.0)
            left = len(actor.ctx.spawned)
            await supervisor.stop("s")
        return left

    assert simulate(body) == 0
    assert done == [("first", 1.0), ("second", 1.0)]


def test_spawned_work_dies_with_its_actor() -> None:
    """A task started with ctx.spawn is cancelled when its actor is crashed."""
    done: list[tuple[str, float]] = []

    async def body(world: World) -> None:
        async with world.supervisor() as supervisor:
            await supervisor.start(ActorSpec("s", lambda: Spawner("s", done)))
            world.bus.send("x", "s", "slow")
            await world.clock.sleep(0.5)
            await supervisor.crash("s")
            await world.clock.sleep(5.0)

    simulate(body)
    assert done == []


def test_raising_spawned_work_fails_the_actor_like_its_own_code() -> None:
    """An exception in spawned work crashes the actor, which is logged and restarted."""
    done: list[tuple[str, float]] = []

    async def body(world: World) -> RecordingLogger:
        log = RecordingLogger()
        async with world.supervisor(log) as supervisor:
            await supervisor.start(ActorSpec("s", lambda: Spawner("s", done), restart_delay=1.0))
            world.bus.send("x", "s", "slow")
            world.bus.send("x", "s", "boom")
            await world.clock.sleep(2.0)
            world.bus.send("x", "s", "after")
            await world.clock.sleep(2.0)
            await supervisor.stop("s")
        return log

    log = simulate(body)
    crashed = events(log, "actor_crashed")
    assert len(crashed) == 1 and "spawned boom" in crashed[0]["error"]
    assert done == [("after", 3.0)]


def test_pause_holds_messages_until_resume() -> None:
    """A paused actor receives nothing; on resume it gets what was held, in order."""

    async def body(world: World) -> tuple[list[tuple[float, object]], list[str]]:
        log = RecordingLogger()
        async with world.supervisor(log) as supervisor:
            actor = await supervisor.start(ActorSpec("r", lambda: Recorder("r")))
            assert isinstance(actor, Recorder)
            supervisor.pause("r")
            world.bus.send("x", "r", 1)
            world.bus.send("x", "r", 2)
            await world.clock.sleep(30.0)
            assert actor.received == []
            supervisor.resume("r")
            await world.clock.sleep(1.0)
            await supervisor.stop("r")
        return [(t, e.payload) for t, e in actor.received], log.names()

    received, names = simulate(body)
    assert received == [(30.0, 1), (30.0, 2)]
    assert names == ["actor_started", "actor_paused", "actor_resumed", "actor_stopped"]


def test_stop_is_final_and_unknown_names_are_ignored() -> None:
    """stop unregisters without restart; crash and stop of an absent actor do nothing."""

    async def body(world: World) -> list[str]:
        log = RecordingLogger()
        async with world.supervisor(log) as supervisor:
            await supervisor.start(ActorSpec("r", lambda: Recorder("r")))
            await supervisor.stop("r")
            await supervisor.crash("nobody")
            await supervisor.stop("nobody")
            await world.clock.sleep(100.0)
            assert not world.bus.is_registered("r")
        return log.names()

    assert simulate(body) == ["actor_started", "actor_stopped"]


def test_crash_during_back_off_cancels_the_pending_restart() -> None:
    """An actor waiting to be restarted can be crashed or restarted without a second copy."""

    async def body(world: World) -> tuple[list[str], bool]:
        log = RecordingLogger()
        async with world.supervisor(log) as supervisor:
            await supervisor.start(ActorSpec("b", lambda: BrokenStart("b"), restart_delay=5.0))
            await world.clock.sleep(1.0)
            await supervisor.crash("b")
            await world.clock.sleep(20.0)
            down = not world.bus.is_registered("b")
            await supervisor.start(ActorSpec("c", lambda: BrokenStart("c"), restart_delay=5.0))
            await world.clock.sleep(1.0)
            await supervisor.restart("c")
            await world.clock.sleep(20.0)
            await supervisor.stop("c")
            await supervisor.stop("b")
        return [f["target"] for e, f in log.events if e == "actor_started"], down

    started, down = simulate(body)
    assert down
    assert started.count("b") == 1
    # c: the first start, the explicit restart, then the back-off restarts of that incarnation.
    assert started.count("c") == 2 + 2


def test_supervisor_alone_is_a_valid_context() -> None:
    """Entering and leaving a supervisor with no actors is fine."""

    async def body(world: World) -> Supervisor:
        async with world.supervisor() as supervisor:
            assert supervisor.names() == []
        return supervisor

    assert simulate(body).names() == []
