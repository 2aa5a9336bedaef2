"""Time for a run: a virtual-time asyncio event loop and the clock actors read.

Role: the only source of "now" in the project. In virtual mode the event loop never blocks: when
every task is idle and a timer is pending, time jumps straight to that timer, so a simulated hour
of a cluster costs only the work done in it. In wall mode the ordinary loop runs and the clock
follows real time. Neighbours: `bus` (delivery times), `supervisor` (runs actors on this loop),
`runtime` (starts a run).

The virtual loop wraps the real selector: every poll is non-blocking, and a poll that would have
slept for `timeout` seconds instead moves the virtual time to the earliest scheduled timer. Nothing
here reads the wall clock, so a run's timing depends only on its inputs.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import selectors
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from _typeshed import FileDescriptorLike

# A fixed origin for timestamps written into objects (creationTimestamp, lease renewTime, ...) in
# virtual mode, so that traces do not depend on the day they were produced.
VIRTUAL_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


class SimulationStalled(RuntimeError):
    """Every task waits, no timer is pending and the run has not finished: nothing can happen."""


class _VirtualSelector(selectors.BaseSelector):
    """Delegates registration to a real selector but never sleeps: it advances virtual time."""

    def __init__(self, loop: VirtualEventLoop, real: selectors.BaseSelector) -> None:
        self._loop = loop
        self._real = real

    def register(
        self, fileobj: FileDescriptorLike, events: int, data: Any = None
    ) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: FileDescriptorLike) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(
        self, fileobj: FileDescriptorLike, events: int, data: Any = None
    ) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self._real.select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            raise SimulationStalled("every actor is idle and no timer is pending")
        self._loop._advance_to_next_timer(timeout)
        return ready

    def close(self) -> None:
        self._real.close()

    def get_key(self, fileobj: FileDescriptorLike) -> selectors.SelectorKey:
        return self._real.get_key(fileobj)

    def get_map(self) -> Mapping[FileDescriptorLike, selectors.SelectorKey]:
        return self._real.get_map()


class VirtualEventLoop(asyncio.SelectorEventLoop):
    """An asyncio loop whose `time()` is virtual and jumps to the next timer when all is idle."""

    def __init__(self) -> None:
        self._virtual_now = 0.0
        super().__init__(_VirtualSelector(self, selectors.DefaultSelector()))

    def time(self) -> float:
        return self._virtual_now

    def _advance_to_next_timer(self, timeout: float) -> None:
        # Jump exactly to the earliest timer rather than adding `timeout`, so that repeated jumps
        # do not accumulate floating point error.
        scheduled: list[asyncio.TimerHandle] = self._scheduled  # type: ignore[attr-defined]
        while scheduled and scheduled[0].cancelled():
            heapq.heappop(scheduled)
        target = scheduled[0].when() if scheduled else self._virtual_now + timeout
        # Whole nanoseconds where that is not earlier than the timer: sums of fractional delays
        # would otherwise drift (4.9999999999999964 instead of 5). Never below the due time, or
        # the timer would not fire and timeouts would re-arm forever.
        self._virtual_now = max(self._virtual_now, target, round(target, 9))


class Cancellable(Protocol):
    """What `call_later` returns: something that can be cancelled."""

    def cancel(self) -> None: ...


def _unbound_time() -> float:
    raise RuntimeError("clock is not bound to a running loop")


class Clock:
    """Simulated seconds since the run started, read from the running loop.

    Works for both modes: on the virtual loop the seconds are virtual, on a normal loop they are
    real. `epoch` is the calendar time that second zero stands for, used for object timestamps.
    """

    def __init__(self, epoch: datetime = VIRTUAL_EPOCH) -> None:
        self.epoch = epoch
        self._loop: asyncio.AbstractEventLoop | None = None
        # The loop's `time`, kept bound: `now` is read for every message and trace record.
        self._loop_time: Callable[[], float] = _unbound_time
        self._origin = 0.0
        # The last instant `timestamp` formatted, for which epoch, and its text.
        self._stamped_at = math.nan
        self._stamped_epoch = epoch
        self._stamp = ""

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the loop the run executes on; time zero is now."""
        self._loop = loop
        self._loop_time = loop.time
        self._origin = loop.time()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("clock is not bound to a running loop")
        return self._loop

    def now(self) -> float:
        """Seconds since the start of the run (exact loop time; round it only for display)."""
        return self._loop_time() - self._origin

    def call_later(self, delay: float, callback: Callable[[], object]) -> Cancellable:
        return self.loop.call_later(max(0.0, delay), callback)

    def call_at(self, when: float, callback: Callable[[], object]) -> Cancellable:
        return self.loop.call_at(when + self._origin, callback)

    async def sleep(self, delay: float) -> None:
        await asyncio.sleep(max(0.0, delay))

    async def sleep_until(self, deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - self.now()))

    def timestamp(self, at: float | None = None) -> str:
        """RFC 3339 time with second precision, as Kubernetes writes metav1.Time."""
        seconds = self.now() if at is None else at
        # Most stamps of a burst are taken at one instant: format each instant once.
        if seconds != self._stamped_at or self.epoch is not self._stamped_epoch:
            moment = self.epoch + timedelta(seconds=seconds)
            self._stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            self._stamped_at, self._stamped_epoch = seconds, self.epoch
        return self._stamp

    def micro_timestamp(self, at: float | None = None) -> str:
        """RFC 3339 time with microseconds, as Kubernetes writes metav1.MicroTime."""
        moment = self.epoch + timedelta(seconds=self.now() if at is None else at)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def parse_timestamp(self, text: str) -> float:
        """Seconds since the run started for a timestamp written by `timestamp`."""
        fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in text else "%Y-%m-%dT%H:%M:%SZ"
        moment = datetime.strptime(text, fmt).replace(tzinfo=UTC)
        return (moment - self.epoch).total_seconds()
