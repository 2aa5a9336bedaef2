"""Tests for the work queue: the synchronous core, a model-based state machine, the async shell."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from k8s_actors.client.ratelimit import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
)
from k8s_actors.client.workqueue import AsyncWorkQueue, QueueClock, WorkQueue
from k8s_actors.kernel.clock import Clock, VirtualEventLoop

R = TypeVar("R")


# -- the basic queue ------------------------------------------------------------------------------


def drain(queue: WorkQueue[str]) -> list[str]:
    """Take every queued item, finishing each at once."""
    taken = []
    while (item := queue.get()) is not None:
        taken.append(item)
        queue.done(item)
    return taken


def test_items_come_out_in_the_order_they_were_added() -> None:
    queue: WorkQueue[str] = WorkQueue()
    for item in ["c", "a", "b"]:
        queue.add(item)
    assert drain(queue) == ["c", "a", "b"]


def test_an_item_added_twice_before_processing_is_handed_out_once() -> None:
    queue: WorkQueue[str] = WorkQueue()
    for item in ["a", "b", "a", "a"]:
        queue.add(item)
    assert queue.len() == 2
    assert drain(queue) == ["a", "b"]


def test_an_item_being_processed_is_not_handed_out_again() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    assert queue.get() == "a"
    queue.add("a")
    assert queue.get() is None
    assert queue.len() == 0


def test_an_item_added_while_processing_is_queued_again_when_done() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.add("b")
    assert queue.get() == "a"
    queue.add("a")
    queue.done("a")
    assert drain(queue) == ["b", "a"]


def test_done_of_an_item_not_processing_queues_nothing() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.done("a")
    queue.done("b")
    assert drain(queue) == ["a"]


def test_none_cannot_be_queued() -> None:
    queue: WorkQueue[str | None] = WorkQueue()
    with pytest.raises(TypeError, match="None"):
        queue.add(None)


def test_after_shut_down_new_items_are_ignored_but_queued_ones_drain() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.shut_down()
    queue.add("b")
    queue.add_after("c", 0.0, now=0.0)
    assert queue.shutting_down
    assert drain(queue) == ["a"]


def test_shut_down_drops_delayed_items() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 1.0, now=0.0)
    queue.shut_down()
    assert queue.next_ready_time() is None
    assert queue.advance(now=5.0) == 0
    assert queue.get() is None


# -- delays ---------------------------------------------------------------------------------------


def test_a_delayed_item_is_queued_only_once_its_time_has_come() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 2.0, now=1.0)
    assert queue.next_ready_time() == 3.0
    assert queue.advance(now=2.999) == 0
    assert queue.get() is None
    assert queue.advance(now=3.0) == 1
    assert queue.get() == "a"
    assert queue.next_ready_time() is None


def test_a_delay_that_is_not_positive_queues_at_once() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 0.0, now=1.0)
    queue.add_after("b", -1.0, now=1.0)
    assert queue.next_ready_time() is None
    assert drain(queue) == ["a", "b"]


def test_delayed_items_fall_due_in_time_order_then_call_order() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("late", 5.0, now=0.0)
    queue.add_after("tie-first", 1.0, now=0.0)
    queue.add_after("tie-second", 1.0, now=0.0)
    assert queue.advance(now=10.0) == 3
    assert drain(queue) == ["tie-first", "tie-second", "late"]


def test_adding_a_waiting_item_earlier_moves_it_earlier() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 10.0, now=0.0)
    queue.add_after("a", 1.0, now=0.0)
    assert queue.next_ready_time() == 1.0
    assert queue.advance(now=1.0) == 1
    assert queue.next_ready_time() is None  # the later entry is gone, not merely postponed


def test_adding_a_waiting_item_later_keeps_the_earlier_time() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 1.0, now=0.0)
    queue.add_after("a", 10.0, now=0.0)
    assert queue.next_ready_time() == 1.0
    assert queue.advance(now=1.0) == 1
    assert queue.next_ready_time() is None


# -- retries --------------------------------------------------------------------------------------


def test_rate_limited_adds_back_off_exponentially_until_forgotten() -> None:
    queue: WorkQueue[str] = WorkQueue()
    assert [queue.add_rate_limited("a", now=0.0) for _ in range(3)] == [0.005, 0.01, 0.02]
    assert queue.num_requeues("a") == 3
    queue.forget("a")
    assert queue.num_requeues("a") == 0
    assert queue.add_rate_limited("a", now=0.0) == 0.005


def test_a_rate_limited_item_is_queued_after_its_delay() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_rate_limited("a", now=1.0)
    assert queue.next_ready_time() == 1.005
    queue.advance(now=1.005)
    assert queue.get() == "a"


# -- the model ------------------------------------------------------------------------------------

ITEMS = st.sampled_from(["a", "b", "c", "d"])
DELAYS = st.sampled_from([-1.0, 0.0, 0.004, 0.005, 0.1, 1.0, 30.0])
STEPS = st.sampled_from([0.0, 0.001, 0.005, 0.05, 0.5, 10.0, 2000.0])
QPS, BURST = 10.0, 3  # a small burst, so that the bucket's delay shows within a few steps


@settings(max_examples=150, stateful_step_count=40, deadline=None)
class WorkQueueMachine(RuleBasedStateMachine):
    """The core against a model kept in plain lists and dicts."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: WorkQueue[str] = WorkQueue(
            MaxOfRateLimiter(
                ItemExponentialFailureRateLimiter(base=0.005, max=1000.0),
                BucketRateLimiter(qps=QPS, burst=BURST),
            )
        )
        self.now = 0.0
        self.pending: list[str] = []  # queued, in the order they must come out
        self.processing: list[str] = []
        self.added_while_processing: list[str] = []
        self.waiting: dict[str, tuple[float, int]] = {}  # ready time, order of the add_after
        self.calls = 0
        self.failures: dict[str, int] = {}
        self.tokens, self.bucket_time = float(BURST), 0.0
        self.owed: dict[str, None] = {}  # added since it was last handed out

    def model_add(self, item: str) -> None:
        self.owed[item] = None
        if item in self.processing:
            if item not in self.added_while_processing:
                self.added_while_processing.append(item)
        elif item not in self.pending:
            self.pending.append(item)

    def model_done(self, item: str) -> None:
        self.processing.remove(item)
        if item in self.added_while_processing:
            self.added_while_processing.remove(item)
            self.pending.append(item)

    def model_add_after(self, item: str, delay: float) -> None:
        ready = self.now + delay
        if ready <= self.now:
            self.model_add(item)
        elif item not in self.waiting or ready < self.waiting[item][0]:
            self.calls += 1
            self.waiting[item] = (ready, self.calls)

    def model_bucket_delay(self) -> float:
        refill = (self.now - self.bucket_time) * QPS
        self.tokens = min(float(BURST), self.tokens + refill) - 1
        self.bucket_time = self.now
        return max(0.0, -self.tokens / QPS)

    @rule(item=ITEMS)
    def add(self, item: str) -> None:
        self.queue.add(item)
        self.model_add(item)

    @rule()
    def get(self) -> None:
        got = self.queue.get()
        assert got == (self.pending.pop(0) if self.pending else None)
        if got is not None:
            assert got not in self.processing, "handed out while still being processed"
            assert got in self.owed, "handed out although not added since its last hand-out"
            del self.owed[got]
            self.processing.append(got)

    @precondition(lambda self: bool(self.processing))
    @rule(data=st.data())
    def done(self, data: st.DataObject) -> None:
        item = data.draw(st.sampled_from(self.processing))
        self.queue.done(item)
        self.model_done(item)

    @rule(item=ITEMS, delay=DELAYS)
    def add_after(self, item: str, delay: float) -> None:
        self.queue.add_after(item, delay, self.now)
        self.model_add_after(item, delay)

    @rule(step=STEPS)
    def advance(self, step: float) -> None:
        self.advance_to(self.now + step)

    def advance_to(self, now: float) -> None:
        self.now = now
        due = sorted((ready, call, item) for item, (ready, call) in self.waiting.items())
        due = [entry for entry in due if entry[0] <= now]
        for _, _, item in due:
            del self.waiting[item]
            self.model_add(item)
        assert self.queue.advance(now) == len(due)

    @rule(item=ITEMS)
    def add_rate_limited(self, item: str) -> None:
        failures = self.failures.get(item, 0) + 1
        self.failures[item] = failures
        backoff = min(0.005 * 2 ** (failures - 1), 1000.0)
        expected = max(backoff, self.model_bucket_delay())
        delay = self.queue.add_rate_limited(item, self.now)
        assert delay == pytest.approx(expected, rel=1e-12, abs=1e-12)
        self.model_add_after(item, delay)

    @rule(item=ITEMS)
    def forget(self, item: str) -> None:
        self.queue.forget(item)
        self.failures.pop(item, None)

    @rule()
    def finish_everything(self) -> None:
        """Every item added since its last hand-out comes out exactly once, in model order."""
        for item in list(self.processing):
            self.queue.done(item)
            self.model_done(item)
        latest = max((ready for ready, _ in self.waiting.values()), default=self.now)
        self.advance_to(latest)
        expected = list(self.pending)
        assert drain(self.queue) == expected
        assert sorted(expected) == sorted(self.owed)
        self.pending.clear()
        self.owed.clear()

    @invariant()
    def queue_length_matches(self) -> None:
        assert self.queue.len() == len(self.pending)

    @invariant()
    def nothing_due_is_left_waiting(self) -> None:
        ready = self.queue.next_ready_time()
        assert ready == min((ready for ready, _ in self.waiting.values()), default=None)
        assert ready is None or ready > self.now

    @invariant()
    def requeues_are_counted_until_forgotten(self) -> None:
        for item in ["a", "b", "c", "d"]:
            assert self.queue.num_requeues(item) == self.failures.get(item, 0)

    def teardown(self) -> None:
        self.finish_everything()


# The core behaves like its model under any sequence of operations.
TestWorkQueueAgainstModel = WorkQueueMachine.TestCase


# -- the async shell ------------------------------------------------------------------------------


def run_virtual(main: Callable[[Clock], Awaitable[R]]) -> R:
    """Run `main` on the kernel's virtual-time loop, with a clock starting at zero."""

    async def bound() -> R:
        clock = Clock()
        clock.bind(asyncio.get_running_loop())
        return await main(clock)

    with asyncio.Runner(loop_factory=VirtualEventLoop) as runner:
        return runner.run(bound())


def test_get_returns_a_queued_item_without_waiting() -> None:
    async def main(clock: Clock) -> tuple[str | None, float]:
        queue: AsyncWorkQueue[str] = AsyncWorkQueue(clock)
        queue.add("a")
        return await queue.get(), clock.now()

    assert run_virtual(main) == ("a", 0.0)


def test_get_waits_until_a_delayed_item_is_due() -> None:
    async def main(clock: Clock) -> tuple[str | None, float]:
        queue: AsyncWorkQueue[str] = AsyncWorkQueue(clock)
        queue.add_after("a", 5.0)
        return await queue.get(), clock.now()

    assert run_virtual(main) == ("a", 5.0)


def test_get_wakes_when_another_task_adds_an_item() -> None:
    async def main(clock: Clock) -> tuple[str | None, float]:
        queue: AsyncWorkQueue[str] = AsyncWorkQueue(clock)

        async def produce() -> None:
            await clock.sleep_until(2.0)
            queue.add("a")

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(produce)
            item = await queue.get()
        return item, clock.now()

    assert run_virtual(main) == ("a", 2.0)


def test_an_earlier_delayed_item_wakes_a_getter_waiting_for_a_later_one() -> None:
    async def main(clock: Clock) -> tuple[str | None, float]:
        queue: AsyncWorkQueue[str] = AsyncWorkQueue(clock)
        queue.add_after("late", 100.0)

        async def produce() -> None:
            await clock.sleep_until(1.0)
            queue.add_after("soon", 2.0)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(produce)
            item = await queue.get()
        return item, clock.now()

    assert run_virtual(main) == ("soon", 3.0)


class ShortClock:
    """A clock that, once time has passed, reads the loop's time a hair short (float rounding
    of the loop's origin), and counts how often it is read."""

    def __init__(self, origin: float) -> None:
        self.origin = origin
        self.readings = 0

    def now(self) -> float:
        self.readings += 1
        elapsed = asyncio.get_running_loop().time() - self.origin
        return elapsed - 1e-9 if elapsed > 0 else elapsed


def test_a_worker_woken_at_an_items_deadline_takes_it_whatever_the_clock_reads() -> None:
    async def main(clock: Clock) -> tuple[str | None, float, int]:
        short = ShortClock(asyncio.get_running_loop().time() - clock.now())
        queue: AsyncWorkQueue[str] = AsyncWorkQueue(short)  # type: ignore[arg-type]
        queue.add_after("a", 5.0)
        return await queue.get(), clock.now(), short.readings

    item, at, readings = run_virtual(main)
    # Taken at its deadline after one wait (the clock read before and after it), not waited
    # for again for the nanosecond the clock reads short.
    assert (item, at, readings) == ("a", 5.0, 4)


def test_a_rate_limited_item_is_handed_out_after_its_backoff() -> None:
    async def main(clock: Clock) -> tuple[float, str | None, float]:
        queue: AsyncWorkQueue[str] = AsyncWorkQueue(clock)
        queue.add_rate_limited("a")
        delay = queue.add_rate_limited("a")
        return delay, await queue.get(), clock.now()

    assert run_virtual(main) == (0.01, "a", 0.005)


def test_an_item_is_not_handed_to_a_second_worker_until_done() -> None:
    async def main(clock: Clock) -> list[tuple[str, str | None, float]]:
        queue: AsyncWorkQueue[str] = AsyncWorkQueue(clock)
        log: list[tuple[str, str | None, float]] = []

        async def worker(name: str) -> None:
            item = await queue.get()
            log.append((name, item, clock.now()))
            await clock.sleep_until(clock.now() + 1.0)
            if item is not None:
                queue.done(item)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(worker, "first")
            tasks.start_soon(worker, "second")
            queue.add("a")
            queue.add("a")
            await clock.sleep_until(0.5)
            queue.add("a")  # while "first" processes it
        return log

    assert run_virtual(main) == [("first", "a", 0.0), ("second", "a", 1.0)]


def test_shut_down_wakes_waiting_getters_with_none() -> None:
    async def main(clock: Clock) -> list[str | None]:
        queue: AsyncWorkQueue[str] = AsyncWorkQueue(clock)
        results: list[str | None] = []

        async def worker() -> None:
            results.append(await queue.get())

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(worker)
            tasks.start_soon(worker)
            await clock.sleep_until(1.0)
            queue.shut_down()
        return results

    assert run_virtual(main) == [None, None]


def test_get_after_shut_down_drains_queued_items_then_returns_none() -> None:
    async def main(clock: Clock) -> list[str | None]:
        queue: AsyncWorkQueue[str] = AsyncWorkQueue(clock)
        queue.add("a")
        queue.add_after("b", 1.0)
        queue.shut_down()
        return [await queue.get(), await queue.get()]

    assert run_virtual(main) == ["a", None]


class AnyioClock:
    """A QueueClock on the running event loop's own time."""

    def now(self) -> float:
        return anyio.current_time()

    async def sleep_until(self, deadline: float) -> None:
        await anyio.sleep(max(0.0, deadline - self.now()))


async def get_one_delayed_item() -> str | None:
    clock: QueueClock = AnyioClock()
    queue: AsyncWorkQueue[str] = AsyncWorkQueue(clock)
    queue.add_after("a", 0.01)
    return await queue.get()


def test_the_shell_runs_under_anyio() -> None:
    assert anyio.run(get_one_delayed_item, backend="asyncio") == "a"


def test_the_shell_runs_under_plain_asyncio() -> None:
    assert asyncio.run(get_one_delayed_item()) == "a"
