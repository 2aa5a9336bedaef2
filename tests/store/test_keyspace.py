"""Tests of `k8s_actors.store.keyspace`: the live keys and the writes of one transaction."""

from __future__ import annotations

from k8s_actors.store import EventType, KeyValue
from k8s_actors.store.history import History
from k8s_actors.store.keyrange import KeyRange
from k8s_actors.store.keyspace import Batch, KeySpace
from k8s_actors.store.lease import Lessor


def _space() -> tuple[KeySpace, History, Lessor]:
    history, lessor = History(first_revision=2), Lessor()
    return KeySpace(history, lessor), history, lessor


def test_writes_of_a_batch_share_its_revision_and_meta() -> None:
    space, _, _ = _space()
    batch = Batch(2, meta="span")
    space.put(batch, "a", 1, lease=0)
    space.put(batch, "b", 1, lease=0)
    assert [(e.type, e.kv.mod_revision, e.meta) for e in batch.events] == [
        (EventType.PUT, 2, "span"),
        (EventType.PUT, 2, "span"),
    ]


def test_every_write_is_recorded_in_history() -> None:
    space, history, _ = _space()
    batch = Batch(2, meta=None)
    space.put(batch, "a", 1, lease=0)
    history.record_events(2, tuple(batch.events))
    later = Batch(3, meta=None)
    prev = space.get("a")
    assert prev is not None
    space.delete(later, prev)
    assert history.version_at("a", 2) == KeyValue("a", 1, 2, 2, 1)
    assert history.version_at("a", 3) is None
    assert space.get("a") is None


def test_range_counts_without_reading_the_keys() -> None:
    space, _, _ = _space()
    batch = Batch(2, meta=None)
    for index in range(10):
        space.put(batch, f"k{index}", index, lease=0)
    kvs, count = space.range(KeyRange.of("k", prefix=True), limit=0, count_only=True)
    assert (kvs, count) == ([], 10)
    kvs, count = space.range(KeyRange.of("k3", "k6"), limit=2, count_only=False)
    assert ([kv.key for kv in kvs], count) == (["k3", "k4"], 3)


def test_put_and_delete_keep_lease_attachments_in_step() -> None:
    space, _, lessor = _space()
    lease = lessor.grant(10, now=0)
    batch = Batch(2, meta=None)
    space.put(batch, "a", 1, lease=lease)
    assert lessor.keys(lease) == ["a"]
    prev = space.get("a")
    assert prev is not None
    space.delete(batch, prev)
    assert lessor.keys(lease) == []
