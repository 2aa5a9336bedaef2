"""The virtual clock: time jumps to the next timer, stalls are detected, timestamps are stable."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from k8s_actors.kernel import VIRTUAL_EPOCH, Clock, SimulationStalled, run

from .conftest import World, simulate


def test_an_hour_of_sleeps_takes_milliseconds() -> None:
    """3,600 one-second sleeps advance virtual time by an hour at almost no real cost."""

    async def body(world: World) -> float:
        for _ in range(3600):
            await world.clock.sleep(1.0)
        return world.clock.now()

    started = time.perf_counter()
    assert simulate(body) == pytest.approx(3600.0)
    assert time.perf_counter() - started < 2.0


def test_time_jumps_exactly_to_the_next_timer() -> None:
    """Concurrent sleepers wake at their own deadlines, in deadline order, with exact times."""

    async def body(world: World) -> list[tuple[str, float]]:
        woke: list[tuple[str, float]] = []

        async def sleeper(name: str, delay: float) -> None:
            await world.clock.sleep(delay)
            woke.append((name, world.clock.now()))

        await asyncio.gather(sleeper("late", 30.0), sleeper("early", 0.25), sleeper("mid", 7.0))
        return woke

    assert simulate(body) == [("early", 0.25), ("mid", 7.0), ("late", 30.0)]


def test_sleep_until_and_call_later() -> None:
    """sleep_until wakes at the absolute deadline; call_later runs its callback after the delay."""

    async def body(world: World) -> tuple[float, list[float]]:
        fired: list[float] = []
        world.clock.call_later(5.0, lambda: fired.append(world.clock.now()))
        world.clock.call_later(-1.0, lambda: fired.append(world.clock.now()))
        await world.clock.sleep_until(12.5)
        return world.clock.now(), fired

    assert simulate(body) == (12.5, [0.0, 5.0])


def test_cancelled_timer_does_not_fire() -> None:
    """Cancelling a timer removes it: time does not stop there and the callback never runs."""

    async def body(world: World) -> list[float]:
        fired: list[float] = []
        world.clock.call_later(3.0, lambda: fired.append(world.clock.now())).cancel()
        world.clock.call_later(8.0, lambda: fired.append(world.clock.now()))
        await world.clock.sleep(10.0)
        return fired

    assert simulate(body) == [8.0]


def test_everything_waiting_without_a_timer_raises_simulation_stalled() -> None:
    """A run where every task waits and no timer is pending stops with SimulationStalled."""

    async def body(world: World) -> None:
        await asyncio.Event().wait()

    with pytest.raises(SimulationStalled):
        simulate(body)


def test_clock_counts_from_where_it_was_bound() -> None:
    """Time zero is the moment of `bind`, even when the loop has already advanced."""

    async def main() -> tuple[float, float]:
        await asyncio.sleep(100.0)
        clock = Clock()
        clock.bind(asyncio.get_running_loop())
        start = clock.now()
        await clock.sleep(2.0)
        return start, clock.now()

    assert run(main) == (0.0, 2.0)


def test_unbound_clock_refuses_to_tell_time() -> None:
    """Reading a clock before it is bound to a loop is an error, not a wall-clock reading."""
    with pytest.raises(RuntimeError, match="not bound"):
        Clock().now()


def test_timestamps_count_from_the_virtual_epoch() -> None:
    """timestamp gives seconds precision, micro_timestamp microseconds, both from the epoch."""

    async def body(world: World) -> tuple[str, str, str]:
        await world.clock.sleep(90.5)
        return (
            world.clock.timestamp(),
            world.clock.micro_timestamp(),
            world.clock.timestamp(at=86400.0),
        )

    assert datetime(2025, 1, 1, tzinfo=UTC) == VIRTUAL_EPOCH
    assert simulate(body) == (
        "2025-01-01T00:01:30Z",
        "2025-01-01T00:01:30.500000Z",
        "2025-01-02T00:00:00Z",
    )


def test_repeated_timestamps_follow_the_instant_and_the_epoch() -> None:
    """The same instant stamps the same text; a new instant or a new epoch gives a new one."""
    clock = Clock()
    first = clock.timestamp(at=45.0)
    assert clock.timestamp(at=45.0) == first == "2025-01-01T00:00:45Z"
    assert clock.timestamp(at=46.0) == "2025-01-01T00:00:46Z"
    assert clock.timestamp(at=45.0) == first
    clock.epoch = datetime(2030, 6, 1, tzinfo=UTC)
    assert clock.timestamp(at=45.0) == "2030-06-01T00:00:45Z"


def test_parse_timestamp_inverts_both_formats() -> None:
    """parse_timestamp turns either timestamp format back into run seconds."""
    clock = Clock()
    assert clock.parse_timestamp("2025-01-01T00:01:30Z") == 90.0
    assert clock.parse_timestamp("2025-01-01T00:01:30.250000Z") == 90.25
    assert clock.timestamp(at=45.0) == "2025-01-01T00:00:45Z"
