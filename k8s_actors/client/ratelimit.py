"""Rate limiters that decide how long a controller waits before retrying an item.

Role: the retry policy of the work queue, with the semantics and numbers of client-go's
`util/workqueue/default_rate_limiters.go`: a per-item exponential backoff, an overall token bucket,
the maximum of several limiters, and `default_controller_rate_limiter`, which combines the first two
exactly as client-go's `DefaultControllerRateLimiter` does.
Neighbours: `workqueue` (calls `when` from `add_rate_limited`), controllers (call `forget` once an
item reconciles cleanly).

Nothing here reads a clock: `when` receives the current simulated time and returns a delay in
seconds, so the limiters are plain synchronous state machines.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Generic, Protocol, TypeVar

T = TypeVar("T", bound=Hashable)
T_contra = TypeVar("T_contra", bound=Hashable, contravariant=True)

__all__ = [
    "BucketRateLimiter",
    "ItemExponentialFailureRateLimiter",
    "MaxOfRateLimiter",
    "RateLimiter",
    "default_controller_rate_limiter",
]


class RateLimiter(Protocol[T_contra]):
    """Decides the delay before an item is retried, and tracks how often it was retried."""

    def when(self, item: T_contra, now: float) -> float:
        """Record one more failure of `item` at time `now`; return how long to wait (seconds)."""
        ...

    def forget(self, item: T_contra) -> None:
        """Stop tracking `item` (it succeeded or was given up on)."""
        ...

    def num_requeues(self, item: T_contra) -> int:
        """How many failures of `item` are being tracked."""
        ...


class ItemExponentialFailureRateLimiter(Generic[T]):
    """Per-item backoff: `base * 2**failures`, capped at `max`.

    The first retry waits `base`, the second `2 * base`, and so on; `forget` starts over.
    """

    def __init__(self, base: float = 0.005, max: float = 1000.0) -> None:
        self.base_delay = base
        self.max_delay = max
        self._failures: dict[T, int] = {}

    def when(self, item: T, now: float) -> float:
        exponent = self._failures.get(item, 0)
        self._failures[item] = exponent + 1
        try:
            backoff = math.ldexp(self.base_delay, exponent)
        except OverflowError:
            # client-go returns the cap once the backoff no longer fits its integer durations.
            return self.max_delay
        return min(backoff, self.max_delay)

    def forget(self, item: T) -> None:
        self._failures.pop(item, None)

    def num_requeues(self, item: T) -> int:
        return self._failures.get(item, 0)


class BucketRateLimiter:
    """An overall token bucket shared by every item: `qps` tokens a second, at most `burst` saved.

    Each `when` takes one token, going into debt when the bucket is empty; the delay is the time
    until that debt is repaid. This is golang.org/x/time/rate's `Limiter.Reserve().Delay()`, which
    client-go's `BucketRateLimiter` wraps: the bucket starts full and refills continuously.
    """

    def __init__(self, qps: float = 10.0, burst: int = 100) -> None:
        if qps <= 0:
            raise ValueError(f"qps must be positive, got {qps}")
        self.qps = qps
        self.burst = burst
        self._tokens = float(burst)
        self._last: float | None = None

    def when(self, item: object, now: float) -> float:
        self._tokens = self._refilled(now) - 1.0
        # Like x/time/rate, remember the reservation time (not the time the caller may act).
        self._last = now
        if self._tokens >= 0:
            return 0.0
        return -self._tokens / self.qps

    def _refilled(self, now: float) -> float:
        if self._last is None:
            return self._tokens
        # A clock that goes backwards refills nothing (x/time/rate clamps `last` to `now`).
        elapsed = max(0.0, now - self._last)
        return min(float(self.burst), self._tokens + elapsed * self.qps)

    def forget(self, item: object) -> None:
        """The bucket is not per item: nothing to forget."""

    def num_requeues(self, item: object) -> int:
        return 0


class MaxOfRateLimiter(Generic[T]):
    """Asks every limiter and keeps the worst answer: the longest delay, the most requeues."""

    def __init__(self, *limiters: RateLimiter[T]) -> None:
        self.limiters = limiters

    def when(self, item: T, now: float) -> float:
        # Every limiter must see the failure (each keeps its own count), so no short-circuit.
        delays = [limiter.when(item, now) for limiter in self.limiters]
        return max(delays, default=0.0)

    def forget(self, item: T) -> None:
        for limiter in self.limiters:
            limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        return max((limiter.num_requeues(item) for limiter in self.limiters), default=0)


def default_controller_rate_limiter() -> MaxOfRateLimiter[T]:
    """client-go's `DefaultControllerRateLimiter`.

    The worst of a per-item backoff from 5 ms doubling up to 1000 s, and an overall token bucket of
    10 retries a second with a burst of 100.
    """
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(base=0.005, max=1000.0),
        BucketRateLimiter(qps=10.0, burst=100),
    )
