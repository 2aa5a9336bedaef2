"""Tests of `k8s_actors.store.mvcc.Store`: revisions, reads, writes and transactions."""

from __future__ import annotations

import pytest

from k8s_actors.store import (
    ALL_FROM_START,
    Compare,
    CompareResult,
    CompareTarget,
    Delete,
    DeleteResponse,
    FutureRevision,
    KeyValue,
    LeaseNotFound,
    Put,
    PutResponse,
    Range,
    RangeResult,
    Store,
)


def _mod_equals(key: str, revision: int) -> Compare:
    return Compare(key, CompareTarget.MOD, CompareResult.EQUAL, revision)


def _absent(key: str) -> Compare:
    return Compare(key, CompareTarget.CREATE, CompareResult.EQUAL, 0)


def _filled(keys: list[str]) -> Store:
    store = Store()
    for key in keys:
        store.put(key, key.upper())
    return store


def test_empty_store_is_at_revision_one() -> None:
    assert Store().revision == 1


def test_each_put_bumps_the_revision_by_one() -> None:
    store = Store()
    assert store.put("a", 1)[0] == 2
    assert store.put("b", 1)[0] == 3
    assert store.revision == 3


def test_put_returns_the_previous_version() -> None:
    store = Store()
    _, first = store.put("a", 1)
    _, prev = store.put("a", 2)
    assert first is None
    assert prev == KeyValue("a", 1, 2, 2, 1)


def test_version_counts_puts_and_create_revision_stays() -> None:
    store = Store()
    store.put("a", 1)
    store.put("a", 2)
    store.put("a", 3)
    assert store.get("a") == KeyValue("a", 3, create_revision=2, mod_revision=4, version=3)


def test_delete_resets_version_and_create_revision() -> None:
    store = Store()
    store.put("a", 1)
    store.put("a", 2)
    store.delete("a")
    store.put("a", 3)
    assert store.get("a") == KeyValue("a", 3, create_revision=5, mod_revision=5, version=1)


def test_the_store_keeps_values_by_reference() -> None:
    store = Store()
    value = ("frozen", 1)
    store.put("a", value)
    kv = store.get("a")
    assert kv is not None and kv.value is value


def test_get_of_a_missing_key_is_none() -> None:
    assert Store().get("nope") is None


def test_range_of_a_prefix_is_in_key_order() -> None:
    store = _filled(["/p/c", "/q/a", "/p/a", "/p/b", "/pa"])
    result = store.range("/p/", prefix=True)
    assert [kv.key for kv in result.kvs] == ["/p/a", "/p/b", "/p/c"]
    assert result.count == 3
    assert result.revision == store.revision


def test_range_of_the_empty_prefix_is_every_key() -> None:
    store = _filled(["b", "a", "c"])
    assert [kv.key for kv in store.range("", prefix=True).kvs] == ["a", "b", "c"]


def test_range_with_end_is_half_open() -> None:
    store = _filled(["a", "b", "c", "d"])
    assert [kv.key for kv in store.range("b", "d").kvs] == ["b", "c"]


def test_range_end_nul_means_every_key_from_start() -> None:
    store = _filled(["a", "b", "c"])
    assert [kv.key for kv in store.range("b", ALL_FROM_START).kvs] == ["b", "c"]


def test_range_without_end_reads_one_key() -> None:
    store = _filled(["a", "ab"])
    assert [kv.key for kv in store.range("a").kvs] == ["a"]


def test_range_limit_cuts_the_keys_but_not_the_count() -> None:
    store = _filled(["a", "b", "c"])
    result = store.range("", prefix=True, limit=2)
    assert [kv.key for kv in result.kvs] == ["a", "b"]
    assert (result.count, result.more) == (3, True)
    assert not store.range("", prefix=True, limit=3).more


def test_count_only_returns_the_count_without_keys() -> None:
    store = _filled(["a", "b"])
    result = store.range("", prefix=True, count_only=True)
    assert (result.kvs, result.count) == ((), 2)


def test_read_at_an_old_revision_sees_the_state_then() -> None:
    store = Store()
    store.put("a", 1)
    store.put("b", 1)
    store.put("a", 2)
    store.delete("b")
    old = store.range("", prefix=True, revision=3)
    assert [(kv.key, kv.value) for kv in old.kvs] == [("a", 1), ("b", 1)]
    assert old.revision == store.revision
    assert store.get("b", revision=4) is not None
    assert store.get("b") is None


def test_read_at_a_future_revision_fails() -> None:
    store = Store()
    with pytest.raises(FutureRevision, match="mvcc: required revision is a future revision"):
        store.get("a", revision=2)


def test_delete_of_a_prefix_is_one_revision() -> None:
    store = _filled(["/p/a", "/p/b", "/q"])
    revision, deleted = store.delete("/p/", prefix=True)
    assert revision == 5
    assert [kv.key for kv in deleted] == ["/p/a", "/p/b"]
    assert len(store) == 1


def test_delete_of_nothing_keeps_the_revision() -> None:
    store = _filled(["a"])
    assert store.delete("b") == (2, ())
    assert store.revision == 2


def test_delete_of_a_range() -> None:
    store = _filled(["a", "b", "c"])
    _, deleted = store.delete("a", "c")
    assert [kv.key for kv in deleted] == ["a", "b"]


def test_txn_compare_and_swap_succeeds_on_the_current_mod_revision() -> None:
    store = Store()
    revision, _ = store.put("a", 1)
    result = store.txn([_mod_equals("a", revision)], [Put("a", 2)], [Range("a")])
    assert result.succeeded
    assert result.revision == revision + 1
    assert store.get("a") == KeyValue("a", 2, revision, revision + 1, 2)


def test_txn_compare_and_swap_fails_on_a_stale_mod_revision() -> None:
    store = Store()
    stale, _ = store.put("a", 1)
    store.put("a", 2)
    result = store.txn([_mod_equals("a", stale)], [Put("a", 3)], [Range("a")])
    assert not result.succeeded
    assert result.revision == stale + 1
    current = result.responses[0]
    assert isinstance(current, RangeResult) and current.kvs[0].value == 2


def test_txn_create_if_absent() -> None:
    store = Store()
    assert store.txn([_absent("a")], [Put("a", 1)]).succeeded
    assert not store.txn([_absent("a")], [Put("a", 2)]).succeeded
    assert store.get("a") == KeyValue("a", 1, 2, 2, 1)


def test_txn_with_several_writes_bumps_the_revision_once() -> None:
    store = _filled(["c"])
    result = store.txn([], [Put("a", 1), Put("b", 1), Delete("c")])
    assert result.revision == 3
    assert [kv.mod_revision for kv in store.range("", prefix=True).kvs] == [3, 3]
    first, _, deleted = result.responses
    assert first == PutResponse(None)
    assert isinstance(deleted, DeleteResponse) and deleted.deleted[0].key == "c"


def test_txn_that_only_reads_keeps_the_revision() -> None:
    store = _filled(["a"])
    result = store.txn([], [Range("a")])
    assert result.revision == 2 == store.revision


def test_reads_inside_a_txn_see_its_earlier_writes() -> None:
    store = Store()
    result = store.txn([], [Put("a", 1), Range("a")])
    read = result.responses[1]
    assert isinstance(read, RangeResult)
    assert read.kvs == (KeyValue("a", 1, 2, 2, 1),)
    assert read.revision == 2


def test_two_puts_of_one_key_in_a_txn_keep_the_last() -> None:
    store = Store()
    store.txn([], [Put("a", 1), Put("a", 2)])
    assert store.get("a", revision=2) == KeyValue("a", 2, 2, 2, 2)


def test_put_with_an_unknown_lease_fails_and_writes_nothing() -> None:
    store = Store()
    with pytest.raises(LeaseNotFound, match="etcdserver: requested lease not found"):
        store.txn([], [Put("a", 1), Put("b", 1, lease=7)])
    assert (store.revision, len(store)) == (1, 0)


def test_put_and_delete_carry_meta_to_their_events() -> None:
    store = Store()
    seen: list[object] = []
    store.watch("", prefix=True, callback=lambda events: seen.extend(e.meta for e in events))
    store.put("a", 1, meta="span-1")
    store.delete("a", meta="span-2")
    assert seen == ["span-1", "span-2"]
