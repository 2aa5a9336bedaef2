"""A Hypothesis state machine checking `k8s_actors.store.Store` against a plain dict model.

Promises checked after every step: revisions strictly increase, one per write transaction; reads
at the current and at every retained revision equal the model; reads before the compaction point
fail; stale compare-and-swap is rejected and create-if-absent only creates; create_revision and
version follow etcd; every watcher (including ones started from an old revision) sees every
matching change exactly once, in order, one call per transaction; lease expiry deletes keys.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from k8s_actors.store import (
    Compacted,
    Compare,
    CompareResult,
    CompareTarget,
    Event,
    KeyValue,
    Put,
    Store,
)

KEYS = st.sampled_from(["a", "ab", "b", "/p/x", "/p/y", "/q"])
PREFIXES = st.sampled_from(["", "a", "/p/", "/q"])
VALUES = st.integers(0, 5)

# What the model keeps per key: (value, create_revision, mod_revision, version, lease).
ModelKV = tuple[Any, int, int, int, int]
# One change in the model's log: (revision, "PUT" | "DELETE", key, value or None).
Change = tuple[int, str, str, Any]


class _WatchProbe:
    """A watcher under test and what the model says it must receive."""

    def __init__(self, prefix: str, first_revision: int) -> None:
        self.prefix = prefix
        self.first_revision = first_revision
        self.calls: list[list[Event]] = []

    def __call__(self, events: list[Event]) -> None:
        self.calls.append(events)


class StoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = Store()
        self.current: dict[str, ModelKV] = {}
        self.snapshots: dict[int, dict[str, ModelKV]] = {1: {}}
        self.changes: list[Change] = []
        self.revision = 1
        self.compacted = 0
        self.now = 0.0
        self.leases: dict[int, float] = {}
        self.probes: list[_WatchProbe] = []

    # Model bookkeeping

    def _model_put(self, revision: int, key: str, value: Any, lease: int) -> None:
        old = self.current.get(key)
        create, version = (revision, 1) if old is None else (old[1], old[3] + 1)
        self.current[key] = (value, create, revision, version, lease)
        self.changes.append((revision, "PUT", key, value))

    def _model_delete(self, revision: int, keys: list[str]) -> None:
        for key in keys:
            del self.current[key]
            self.changes.append((revision, "DELETE", key, None))

    def _advance(self, revision: int) -> None:
        assert revision == self.revision + 1, "each write transaction bumps the revision by one"
        self.revision = revision
        self.snapshots[revision] = dict(self.current)

    # Writes

    @rule(key=KEYS, value=VALUES, with_lease=st.booleans())
    def put(self, key: str, value: int, with_lease: bool) -> None:
        lease = min(self.leases) if with_lease and self.leases else 0
        revision, prev = self.store.put(key, value, lease=lease)
        assert _as_model(prev) == self.current.get(key)
        self._model_put(revision, key, value, lease)
        self._advance(revision)

    @rule(key=KEYS, prefix=st.booleans())
    def delete(self, key: str, prefix: bool) -> None:
        revision, deleted = self.store.delete(key, prefix=prefix)
        doomed = sorted(k for k in self.current if (k.startswith(key) if prefix else k == key))
        assert [kv.key for kv in deleted] == doomed
        if not doomed:
            assert revision == self.revision
            return
        self._model_delete(revision, doomed)
        self._advance(revision)

    @rule(key=KEYS, value=VALUES, stale=st.booleans())
    def compare_and_swap(self, key: str, value: int, stale: bool) -> None:
        model = self.current.get(key)
        expected = model[2] if model else 0
        if stale:
            expected -= 1
        guard = Compare(key, CompareTarget.MOD, CompareResult.EQUAL, expected)
        result = self.store.txn([guard], [Put(key, value)], [])
        # A missing key has mod_revision 0, so guarding on 0 creates it (etcd's compareKV).
        assert result.succeeded == (not stale)
        if result.succeeded:
            self._model_put(result.revision, key, value, 0)
            self._advance(result.revision)
        else:
            assert result.revision == self.revision

    @rule(key=KEYS, value=VALUES)
    def create_if_absent(self, key: str, value: int) -> None:
        guard = Compare(key, CompareTarget.CREATE, CompareResult.EQUAL, 0)
        result = self.store.txn([guard], [Put(key, value)], [])
        assert result.succeeded == (key not in self.current)
        if result.succeeded:
            self._model_put(result.revision, key, value, 0)
            self._advance(result.revision)

    # Compaction

    @precondition(lambda self: self.revision > self.compacted)
    @rule(data=st.data())
    def compact(self, data: st.DataObject) -> None:
        revision = data.draw(st.integers(self.compacted + 1, self.revision))
        self.store.compact(revision)
        self.compacted = revision

    # Leases, in simulated time

    @rule(ttl=st.integers(1, 20))
    def grant_lease(self, ttl: int) -> None:
        lease = self.store.lease_grant(ttl, self.now)
        assert lease not in self.leases
        self.leases[lease] = self.now + ttl

    @precondition(lambda self: bool(self.leases))
    @rule()
    def keep_first_lease_alive(self) -> None:
        lease = min(self.leases)
        if self.leases[lease] > self.now:
            self.store.lease_keepalive(lease, self.now)
            self.leases[lease] = self.now + self.store.lease_ttl(lease, self.now)

    @rule(seconds=st.integers(1, 15))
    def advance_time(self, seconds: int) -> None:
        self.now += seconds
        due = sorted((expiry, lease) for lease, expiry in self.leases.items() if expiry <= self.now)
        assert self.store.expire(self.now) == [lease for _, lease in due]
        for _, lease in due:
            del self.leases[lease]
            doomed = sorted(k for k, kv in self.current.items() if kv[4] == lease)
            if doomed:
                self._model_delete(self.revision + 1, doomed)
                self._advance(self.revision + 1)
        assert self.store.revision == self.revision

    # Watches

    @rule(prefix=PREFIXES, data=st.data())
    def start_watch(self, prefix: str, data: st.DataObject) -> None:
        start = data.draw(st.integers(0, self.revision + 2))
        probe = _WatchProbe(prefix, start if start > 0 else self.revision + 1)
        if 0 < start < self.compacted:
            with pytest.raises(Compacted):
                self.store.watch(prefix, prefix=True, start_revision=start, callback=probe)
            return
        self.store.watch(prefix, prefix=True, start_revision=start, callback=probe)
        self.probes.append(probe)

    # Reads

    @rule(data=st.data())
    def read_old_revision(self, data: st.DataObject) -> None:
        revision = data.draw(st.integers(1, self.revision))
        if revision < self.compacted:
            with pytest.raises(Compacted):
                self.store.range("", prefix=True, revision=revision)
            return
        result = self.store.range("", prefix=True, revision=revision)
        assert _listing(result.kvs) == sorted(self.snapshots[revision].items())

    @invariant()
    def current_reads_equal_the_model(self) -> None:
        assert self.store.revision == self.revision
        result = self.store.range("", prefix=True)
        assert _listing(result.kvs) == sorted(self.current.items())
        assert result.count == len(self.current) == len(self.store)

    @invariant()
    def every_watcher_saw_every_change_once_in_order(self) -> None:
        for probe in self.probes:
            wanted = [
                change
                for change in self.changes
                if change[0] >= probe.first_revision and change[2].startswith(probe.prefix)
            ]
            seen = [_as_change(event) for call in probe.calls for event in call]
            assert seen == wanted
            # Live calls hold exactly one transaction; only the first call may replay several.
            call_revisions = [{e.revision for e in call} for call in probe.calls]
            assert all(len(revisions) == 1 for revisions in call_revisions[1:])


def _as_model(kv: KeyValue | None) -> ModelKV | None:
    if kv is None:
        return None
    return (kv.value, kv.create_revision, kv.mod_revision, kv.version, kv.lease)


def _as_change(event: Event) -> Change:
    return (event.revision, event.type.value, event.kv.key, event.kv.value)


def _listing(kvs: tuple[KeyValue, ...]) -> list[tuple[str, ModelKV | None]]:
    return [(kv.key, _as_model(kv)) for kv in kvs]


StoreMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=30, deadline=None)
TestStoreMachine = StoreMachine.TestCase
