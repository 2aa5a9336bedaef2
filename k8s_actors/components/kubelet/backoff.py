"""Back-offs of the kubelet: image pulls and restarts of crashed containers (CrashLoopBackOff).

Role: client-go's flowcontrol.Backoff as the kubelet uses it twice, both with an initial delay of
10 s doubling to 300 s (pkg/kubelet/kubelet.go backOffPeriod and MaxContainerBackOff;
pkg/kubelet/images/image_manager.go). An entry forgets its delay once the time since its last
update exceeds twice the maximum (10 minutes), which is how a container that ran quietly for 10
minutes starts again from 10 s. Pure and synchronous: every call is given "now".
Neighbours: `podworker` (asks before pulling and before restarting), `status` (the messages).
"""

from __future__ import annotations

from dataclasses import dataclass

INITIAL_BACKOFF = 10.0
MAX_BACKOFF = 300.0


@dataclass
class _Entry:
    delay: float
    last_update: float


class BackOff:
    """Per-key exponential delays (one key per pod and image, or per pod and container)."""

    def __init__(self, initial: float = INITIAL_BACKOFF, maximum: float = MAX_BACKOFF) -> None:
        self.initial = initial
        self.maximum = maximum
        self._entries: dict[str, _Entry] = {}

    def get(self, key: str) -> float:
        """The current delay of `key` (0 when it has none)."""
        entry = self._entries.get(key)
        return entry.delay if entry is not None else 0.0

    def next(self, key: str, event_time: float, now: float) -> float:
        """Record a new failure: first (or after 10 quiet minutes) 10 s, else double, capped."""
        entry = self._entries.get(key)
        if entry is None or self._expired(event_time, entry):
            entry = _Entry(self.initial, now)
        else:
            entry = _Entry(min(entry.delay * 2.0, self.maximum), now)
        self._entries[key] = entry
        return entry.delay

    def is_in_backoff_since(self, key: str, event_time: float, now: float) -> bool:
        """True while less than the delay has passed since `event_time` (a container's exit)."""
        entry = self._entries.get(key)
        if entry is None or self._expired(event_time, entry):
            return False
        return now - event_time < entry.delay

    def is_in_backoff_since_update(self, key: str, now: float) -> bool:
        """True while less than the delay has passed since the last failure (image pulls)."""
        entry = self._entries.get(key)
        if entry is None or self._expired(now, entry):
            return False
        return now - entry.last_update < entry.delay

    def remaining(self, key: str, since: float, now: float) -> float:
        """Seconds until the delay counted from `since` runs out (0 when it has)."""
        return max(0.0, since + self.get(key) - now)

    def reset(self, key: str) -> None:
        self._entries.pop(key, None)

    def _expired(self, event_time: float, entry: _Entry) -> bool:
        return event_time - entry.last_update > 2.0 * self.maximum


def go_duration(seconds: float) -> str:
    """A duration as Go prints time.Duration (to the millisecond): 500ms, 2s, 1m20s, 5m0s."""
    millis = round(seconds * 1000)
    if millis == 0:
        return "0s"
    if millis < 1000:
        return f"{millis}ms"
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs = f"{rest // 1000}" + (f".{rest % 1000:03d}".rstrip("0") if rest % 1000 else "")
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"
