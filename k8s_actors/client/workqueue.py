"""The controller work queue: deduplicating, delaying and rate-limited, as client-go's workqueue.

Role: where informer event handlers put object keys and controller workers take them from. It keeps
the promises of client-go's `util/workqueue` (queue.go, delaying_queue.go, rate_limiting_queue.go):
an item added several times before it is processed is processed once; an item is never handed to
two workers at once; an item added while it is being processed is handed out again after `done`;
otherwise items come out first in, first out.
Neighbours: `ratelimit` (retry delays), informers (call `add`), controllers in
`components.controller_manager` (loop on `get`, `done`, `forget`, `add_rate_limited`), and the
kernel clock, which satisfies `QueueClock`.

`WorkQueue` is the synchronous core: it never reads a clock and awaits nothing; every operation that
depends on time takes `now`. `AsyncWorkQueue` is the thin shell actors use: it reads the clock and
sleeps until an item is available or a delayed item falls due.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Hashable
from typing import Generic, Protocol, TypeVar

import anyio

from k8s_actors.client.ratelimit import RateLimiter, default_controller_rate_limiter

T = TypeVar("T", bound=Hashable)

__all__ = ["AsyncWorkQueue", "QueueClock", "WorkQueue"]


class WorkQueue(Generic[T]):
    """A work queue whose every operation is immediate; time is passed in, never read.

    `None` cannot be queued: `get` returns it to mean "nothing to hand out".
    """

    def __init__(self, rate_limiter: RateLimiter[T] | None = None) -> None:
        self._rate_limiter: RateLimiter[T] = (
            rate_limiter if rate_limiter is not None else default_controller_rate_limiter()
        )
        # Items ready to hand out, oldest first. Each is also dirty and none is processing.
        self._queue: deque[T] = deque()
        # Items that need processing (queued, or re-added while processing).
        self._dirty: dict[T, None] = {}
        # Items handed out by `get` and not yet `done`.
        self._processing: dict[T, None] = {}
        # Delayed items: a heap of (ready time, sequence, item); the sequence breaks ties in the
        # order of `add_after` calls. `_ready_at` holds the live entry of each item, so entries
        # superseded by an earlier time are skipped when they surface.
        self._waiting: list[tuple[float, int, T]] = []
        self._ready_at: dict[T, tuple[float, int]] = {}
        self._sequence = 0
        self._shutting_down = False

    # -- the basic queue (client-go queue.go) -----------------------------------------------------

    def add(self, item: T) -> None:
        """Mark `item` as needing processing. Ignored once the queue is shutting down."""
        if item is None:
            raise TypeError("None cannot be queued: get() returns None for an empty queue")
        if self._shutting_down or item in self._dirty:
            return
        self._dirty[item] = None
        if item not in self._processing:
            self._queue.append(item)

    def get(self) -> T | None:
        """Hand out the oldest queued item, now being processed; None if nothing is queued.

        Items queued before `shut_down` are still handed out, as in client-go, so workers can
        drain the queue; None then means the queue is empty.
        """
        if not self._queue:
            return None
        item = self._queue.popleft()
        self._processing[item] = None
        del self._dirty[item]
        return item

    def done(self, item: T) -> None:
        """Finish processing `item`; queue it again if it was added meanwhile.

        An item that is not being processed is ignored (client-go would queue a duplicate).
        """
        if item not in self._processing:
            return
        del self._processing[item]
        if item in self._dirty:
            self._queue.append(item)

    def len(self) -> int:
        """How many items are queued (not those processing or waiting for their delay)."""
        return len(self._queue)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def shut_down(self) -> None:
        """Refuse new items and drop delayed ones; already queued items can still be taken."""
        self._shutting_down = True
        self._waiting.clear()
        self._ready_at.clear()

    # -- delays (client-go delaying_queue.go) -----------------------------------------------------

    def add_after(self, item: T, delay: float, now: float) -> None:
        """Add `item` once `delay` seconds have passed after `now`.

        An item already waiting keeps the earlier of its two ready times.
        """
        if self._shutting_down:
            return
        ready = now + delay
        if ready <= now:
            self.add(item)
            return
        current = self._ready_at.get(item)
        if current is not None and current[0] <= ready:
            return
        self._sequence += 1
        self._ready_at[item] = (ready, self._sequence)
        heapq.heappush(self._waiting, (ready, self._sequence, item))

    def advance(self, now: float) -> int:
        """Add every delayed item due at `now` (ready time <= now); return how many were added."""
        added = 0
        while self._waiting and self._waiting[0][0] <= now:
            ready, sequence, item = heapq.heappop(self._waiting)
            if self._ready_at.get(item) != (ready, sequence):
                continue  # superseded by an earlier ready time
            del self._ready_at[item]
            self.add(item)
            added += 1
        return added

    def next_ready_time(self) -> float | None:
        """When the earliest delayed item falls due, or None if nothing is waiting."""
        while self._waiting:
            ready, sequence, item = self._waiting[0]
            if self._ready_at.get(item) == (ready, sequence):
                return ready
            heapq.heappop(self._waiting)
        return None

    # -- retries (client-go rate_limiting_queue.go) -----------------------------------------------

    def add_rate_limited(self, item: T, now: float) -> float:
        """Add `item` after the delay the rate limiter chooses; return that delay."""
        delay = self._rate_limiter.when(item, now)
        self.add_after(item, delay, now)
        return delay

    def forget(self, item: T) -> None:
        """Stop counting retries of `item` (call after it was processed successfully)."""
        self._rate_limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        return self._rate_limiter.num_requeues(item)


class QueueClock(Protocol):
    """The time source `AsyncWorkQueue` needs; the kernel's clock provides it."""

    def now(self) -> float: ...

    async def sleep_until(self, deadline: float) -> None: ...


class AsyncWorkQueue(Generic[T]):
    """The work queue for actors: `get` waits for an item; the rest delegates to the core.

    Delays are measured on `clock`. Any change that can make an item available (or bring the next
    delayed item forward) wakes the waiting workers, which then look at the queue again.
    """

    def __init__(self, clock: QueueClock, core: WorkQueue[T] | None = None) -> None:
        self.clock = clock
        self.core: WorkQueue[T] = core if core is not None else WorkQueue()
        # Created on first wait: anyio events need a running event loop.
        self._changed: anyio.Event | None = None

    def add(self, item: T) -> None:
        self.core.add(item)
        self._wake()

    def add_after(self, item: T, delay: float) -> None:
        self.core.add_after(item, delay, self.clock.now())
        self._wake()

    def add_rate_limited(self, item: T) -> float:
        delay = self.core.add_rate_limited(item, self.clock.now())
        self._wake()
        return delay

    def done(self, item: T) -> None:
        self.core.done(item)
        self._wake()

    def forget(self, item: T) -> None:
        self.core.forget(item)

    def num_requeues(self, item: T) -> int:
        return self.core.num_requeues(item)

    def len(self) -> int:
        return self.core.len()

    @property
    def shutting_down(self) -> bool:
        return self.core.shutting_down

    def shut_down(self) -> None:
        self.core.shut_down()
        self._wake()

    async def get(self) -> T | None:
        """Wait for the next item and mark it processing; None once shut down and drained."""
        now = self.clock.now()
        while True:
            self.core.advance(now)
            item = self.core.get()
            if item is not None:
                return item
            if self.core.shutting_down:
                return None
            deadline = self.core.next_ready_time()
            reached = await self._wait_for_change(deadline)
            now = self.clock.now()
            if reached and deadline is not None and deadline > now:
                # The timer fired at the deadline, but the clock can read it back an ulp short;
                # trusting the deadline keeps the item from being waited for again forever.
                now = deadline

    def _wake(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    async def _wait_for_change(self, deadline: float | None) -> bool:
        """Wait for a change or the deadline; True when the deadline ended the wait."""
        if self._changed is None:
            self._changed = anyio.Event()
        changed = self._changed
        if deadline is None:
            await changed.wait()
            return False
        # A cancel scope with a deadline: one loop timer, no task spawned per wait (a worker
        # of an idle controller waits here for every delayed item it holds).
        with anyio.move_on_after(max(0.0, deadline - self.clock.now())) as timeout:
            await changed.wait()
        return timeout.cancelled_caught
