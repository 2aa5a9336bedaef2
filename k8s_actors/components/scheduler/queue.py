"""The scheduling queue: activeQ, backoffQ and the unschedulable pods, on simulated time.

Role: backend/queue/scheduling_queue.go (PriorityQueue). Pods wait in activeQ ordered by
PrioritySort (priority, then queue timestamp); a pod that failed waits out its back-off (1 s
doubling to 10 s per attempt) in backoffQ, or, if nothing that could help has happened since
its cycle began, sits with the unschedulable pods until a cluster event that one of the plugins
that rejected it registered for moves it (QueueingHints reduced to event names), or until it
has waited 5 minutes (podMaxInUnschedulablePodsDuration). Pure: every call takes `now`; the
actor flushes backoffQ every second and the unschedulable pods every 30 s.
Neighbours: `podinfo`, `agent` (owner), `framework` (which events each plugin registers).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

from k8s_actors.components.scheduler.podinfo import PodInfo

__all__ = [
    "BACKOFF_FLUSH_PERIOD",
    "UNSCHEDULABLE_FLUSH_PERIOD",
    "SchedulingQueue",
]

BACKOFF_FLUSH_PERIOD = 1.0
UNSCHEDULABLE_FLUSH_PERIOD = 30.0
EventsOf = Callable[[str], tuple[str, ...]]


class SchedulingQueue:
    def __init__(
        self,
        *,
        initial_backoff: float = 1.0,
        max_backoff: float = 10.0,
        max_unschedulable_duration: float = 300.0,
        events_of: EventsOf | None = None,
    ) -> None:
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.max_unschedulable_duration = max_unschedulable_duration
        self.events_of: EventsOf = events_of or (lambda plugin: ())
        self._active: list[tuple[int, float, int, str]] = []
        self._backoff: list[tuple[float, int, str]] = []
        self.queued: dict[str, PodInfo] = {}  # in activeQ or backoffQ
        self.where: dict[str, str] = {}  # key -> "active" | "backoff"
        self.unschedulable: dict[str, tuple[PodInfo, tuple[str, ...], float]] = {}
        self.in_flight: dict[str, PodInfo] = {}
        self.scheduling_cycle = 0
        self.move_request_cycle = -1
        self._seq = 0

    def __len__(self) -> int:
        return len(self.queued) + len(self.unschedulable)

    # -- arrivals --------------------------------------------------------------------------------

    def add(self, info: PodInfo, now: float) -> None:
        """A new pending pod goes straight to activeQ."""
        info.timestamp = now
        if info.initial_attempt is None:
            info.initial_attempt = now
        self.unschedulable.pop(info.key, None)
        self._push_active(info)

    def update(self, info: PodInfo, now: float) -> None:
        """A newer version of a pending pod; an unschedulable one is given another try."""
        key = info.key
        if key in self.queued:
            self.queued[key].update(info.pod)
            return
        waiting = self.unschedulable.pop(key, None)
        if waiting is not None:
            waiting[0].update(info.pod)
            self._requeue(waiting[0], now)
        elif key in self.in_flight:
            self.in_flight[key].update(info.pod)
        else:
            self.add(info, now)

    def delete(self, key: str) -> None:
        self.queued.pop(key, None)
        self.where.pop(key, None)
        self.unschedulable.pop(key, None)
        self.in_flight.pop(key, None)

    def get(self, key: str) -> PodInfo | None:
        if key in self.queued:
            return self.queued[key]
        if key in self.unschedulable:
            return self.unschedulable[key][0]
        return self.in_flight.get(key)

    # -- the scheduling loop ---------------------------------------------------------------------

    def pop(self) -> PodInfo | None:
        """The next pod to schedule (highest priority, oldest), or None if activeQ is empty."""
        while self._active:
            _, _, _, key = heapq.heappop(self._active)
            if self.where.get(key) != "active":
                continue  # a stale heap entry
            info = self.queued.pop(key)
            del self.where[key]
            info.attempts += 1
            self.scheduling_cycle += 1
            self.in_flight[key] = info
            return info
        return None

    def done(self, key: str) -> None:
        self.in_flight.pop(key, None)

    def add_unschedulable(
        self, info: PodInfo, plugins: tuple[str, ...], cycle: int, now: float
    ) -> None:
        """A pod that did not fit: unschedulable, or backoffQ if a move happened meanwhile."""
        self.in_flight.pop(info.key, None)
        info.timestamp = now
        if self.move_request_cycle >= cycle or not plugins:
            self._requeue(info, now)
        else:
            self.unschedulable[info.key] = (info, plugins, now)

    def add_after_error(self, info: PodInfo, now: float) -> None:
        """A cycle that failed with an error (not a misfit) retries after the back-off."""
        self.in_flight.pop(info.key, None)
        info.timestamp = now
        self._requeue(info, now)

    # -- back-off --------------------------------------------------------------------------------

    def backoff_duration(self, info: PodInfo) -> float:
        if info.attempts <= 0:
            return 0.0
        duration: float = self.initial_backoff * 2.0 ** (info.attempts - 1)
        return min(duration, self.max_backoff)

    def backoff_expiry(self, info: PodInfo) -> float:
        return info.timestamp + self.backoff_duration(info)

    def flush_backoff(self, now: float) -> int:
        """Move the pods whose back-off ended to activeQ; how many moved."""
        moved = 0
        while self._backoff and self._backoff[0][0] <= now:
            _, _, key = heapq.heappop(self._backoff)
            if self.where.get(key) != "backoff":
                continue
            info = self.queued[key]
            if self.backoff_expiry(info) > now:
                continue  # re-pushed with a later expiry
            self._push_active(info)
            moved += 1
        return moved

    def flush_unschedulable(self, now: float) -> int:
        """Move pods unschedulable for too long (flushUnschedulablePodsLeftover)."""
        stale = [
            key
            for key, (_, _, since) in self.unschedulable.items()
            if now - since >= self.max_unschedulable_duration
        ]
        for key in stale:
            info = self.unschedulable.pop(key)[0]
            self._requeue(info, now)
        return len(stale)

    def next_deadline(self) -> float | None:
        """The earliest back-off expiry or unschedulable timeout, None when nothing waits."""
        times = [
            since + self.max_unschedulable_duration for _, _, since in self.unschedulable.values()
        ]
        if self._backoff:
            times.append(self._backoff[0][0])
        return min(times, default=None)

    # -- cluster events --------------------------------------------------------------------------

    def move_on_event(self, event: str, now: float) -> int:
        """A cluster event: every unschedulable pod rejected by a plugin registered for it moves."""
        self.move_request_cycle = self.scheduling_cycle
        moving = [
            key
            for key, (_, plugins, _) in self.unschedulable.items()
            if any(event in self.events_of(plugin) for plugin in plugins)
        ]
        for key in moving:
            info = self.unschedulable.pop(key)[0]
            self._requeue(info, now)
        return len(moving)

    def active_count(self) -> int:
        return sum(1 for where in self.where.values() if where == "active")

    def backoff_count(self) -> int:
        return sum(1 for where in self.where.values() if where == "backoff")

    # -- internals -------------------------------------------------------------------------------

    def _requeue(self, info: PodInfo, now: float) -> None:
        expiry = self.backoff_expiry(info)
        if expiry > now:
            self.queued[info.key] = info
            self.where[info.key] = "backoff"
            self._seq += 1
            heapq.heappush(self._backoff, (expiry, self._seq, info.key))
        else:
            self._push_active(info)

    def _push_active(self, info: PodInfo) -> None:
        self.queued[info.key] = info
        self.where[info.key] = "active"
        self._seq += 1
        heapq.heappush(self._active, (-info.priority, info.timestamp, self._seq, info.key))
