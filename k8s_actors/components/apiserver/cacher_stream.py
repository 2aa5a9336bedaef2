"""The etcd watch that feeds the watch cache: which one is current and which batch comes next.

Role: kube-apiserver's reflector over etcd's watch, reduced to its bookkeeping. etcd numbers the
batches of each watch from 1; a batch of an older watch is stale, a batch out of turn means the
stream broke (a batch was lost), and a cancelled watch means its start revision was compacted.
The server acts on each verdict: it applies, cancels the stale watch, watches again from the
cache's revision, or relists (as the cacher's reflector does on 410 Gone).
Synchronous and pure. Neighbours: `server` (sends the etcd requests), `cacher` (the cache fed).
"""

from __future__ import annotations

import enum

from k8s_actors.messages import EtcdWatchEvents


class Verdict(enum.Enum):
    APPLY = "apply"
    STALE = "stale"
    GAP = "gap"
    CANCELED = "canceled"


class EtcdStream:
    """The current etcd watch (0: none open) and the number of its last batch."""

    def __init__(self) -> None:
        self.watch_id = 0
        self.seq = 0
        self._last_id = 0

    def open(self) -> tuple[int, int]:
        """A fresh watch id for a new stream, and the id it replaces (0: none)."""
        previous = self.close()
        self._last_id += 1
        self.watch_id, self.seq = self._last_id, 0
        return self.watch_id, previous

    def close(self) -> int:
        """Stop following the current watch; its id (0: none). Its later batches are stale."""
        previous, self.watch_id = self.watch_id, 0
        return previous

    def judge(self, batch: EtcdWatchEvents) -> Verdict:
        if batch.watch_id != self.watch_id or self.watch_id == 0:
            # Never open this id later (a previous incarnation's watch may hold it): a cancel of
            # it, sent now, could then reach etcd after the open and end the new watch.
            self._last_id = max(self._last_id, batch.watch_id)
            return Verdict.STALE
        if batch.seq != self.seq + 1:
            return Verdict.GAP
        self.seq = batch.seq
        return Verdict.CANCELED if batch.canceled else Verdict.APPLY
