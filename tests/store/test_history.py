"""Tests of retained history (`k8s_actors.store.history`) via the store: old reads, compaction."""

from __future__ import annotations

import pytest

from k8s_actors.store import Compacted, FutureRevision, KeyValue, Store


def _churned() -> Store:
    """a: put at 2, 3, 4; b: put at 5, deleted at 6; c: put at 7."""
    store = Store()
    for value in (1, 2, 3):
        store.put("a", value)
    store.put("b", 1)
    store.delete("b")
    store.put("c", 1)
    return store


def test_compaction_makes_older_reads_fail() -> None:
    store = _churned()
    store.compact(5)
    with pytest.raises(Compacted, match="has been compacted") as caught:
        store.get("a", revision=4)
    assert (caught.value.compact_revision, caught.value.requested_revision) == (5, 4)


def test_the_compaction_revision_itself_stays_readable() -> None:
    store = _churned()
    store.compact(5)
    at_five = store.range("", prefix=True, revision=5)
    assert [(kv.key, kv.value) for kv in at_five.kvs] == [("a", 3), ("b", 1)]


def test_compaction_keeps_the_latest_version_of_every_live_key() -> None:
    store = _churned()
    store.compact(7)
    assert store.get("a") == KeyValue("a", 3, 2, 4, 3)
    assert [kv.key for kv in store.range("", prefix=True, revision=7).kvs] == ["a", "c"]


def test_compaction_below_the_last_compaction_fails() -> None:
    store = _churned()
    store.compact(5)
    with pytest.raises(Compacted):
        store.compact(5)


def test_compaction_beyond_the_current_revision_fails() -> None:
    store = _churned()
    with pytest.raises(FutureRevision):
        store.compact(store.revision + 1)


def test_compaction_memory_follows_live_keys() -> None:
    """After compacting at the head, one version per live key and one log entry remain."""
    store = Store()
    for round_ in range(50):
        for index in range(20):
            store.put(f"k{index}", round_)
        store.put("gone", round_)
        store.delete("gone")
    store.compact(store.revision)
    history = store._history
    assert len(history._versions) == 20
    assert all(len(versions) == 1 for versions in history._versions.values())
    assert len(history._log) == 1


def test_reads_at_old_revisions_survive_a_later_compaction_point() -> None:
    store = _churned()
    store.compact(3)
    assert store.get("a", revision=3) == KeyValue("a", 2, 2, 3, 2)
    assert store.get("b", revision=6) is None
    assert store.get("b", revision=5) == KeyValue("b", 1, 5, 5, 1)
