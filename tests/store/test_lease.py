"""Tests of leases (`k8s_actors.store.lease` and the store's lease calls), in simulated time."""

from __future__ import annotations

import pytest

from k8s_actors.store import EventType, LeaseNotFound, Store
from k8s_actors.store.lease import Lessor


def test_lease_ids_are_granted_in_sequence() -> None:
    store = Store()
    assert [store.lease_grant(10, now=0) for _ in range(3)] == [1, 2, 3]


def test_lease_ttl_counts_down_with_the_given_time() -> None:
    store = Store()
    lease = store.lease_grant(10, now=100)
    assert store.lease_ttl(lease, now=104) == 6
    assert store.lease_ttl(lease, now=200) == 0


def test_keepalive_restarts_the_ttl() -> None:
    store = Store()
    lease = store.lease_grant(10, now=0)
    assert store.lease_keepalive(lease, now=8) == 10
    assert store.lease_ttl(lease, now=8) == 10
    assert store.expire(now=12) == []


def test_a_keepalive_to_the_same_expiry_revokes_once() -> None:
    store = Store()
    lease = store.lease_grant(10, now=0)
    store.lease_keepalive(lease, now=0)
    assert store.expire(now=10) == [lease]


def test_keepalive_of_an_expired_lease_fails() -> None:
    store = Store()
    lease = store.lease_grant(10, now=0)
    with pytest.raises(LeaseNotFound):
        store.lease_keepalive(lease, now=10)


def test_expiry_revokes_the_lease_and_deletes_its_keys_in_one_revision() -> None:
    store = Store()
    lease = store.lease_grant(10, now=0)
    store.put("b", 1, lease=lease)
    store.put("a", 1, lease=lease)
    store.put("c", 1)
    deleted: list[tuple[str, int]] = []
    store.watch(
        "",
        prefix=True,
        callback=lambda events: deleted.extend(
            (e.kv.key, e.revision) for e in events if e.type is EventType.DELETE
        ),
    )
    assert store.expire(now=9.9) == []
    assert store.expire(now=10) == [lease]
    assert deleted == [("a", 5), ("b", 5)]
    assert [kv.key for kv in store.range("", prefix=True).kvs] == ["c"]
    with pytest.raises(LeaseNotFound):
        store.lease_ttl(lease, now=10)


def test_expire_revokes_leases_earliest_first() -> None:
    store = Store()
    late = store.lease_grant(20, now=0)
    early = store.lease_grant(5, now=0)
    assert store.expire(now=30) == [early, late]


def test_revoke_of_a_lease_without_keys_writes_nothing() -> None:
    store = Store()
    lease = store.lease_grant(10, now=0)
    assert store.lease_revoke(lease) == 1


def test_revoke_of_an_unknown_lease_fails() -> None:
    with pytest.raises(LeaseNotFound):
        Store().lease_revoke(3)


def test_a_key_moves_between_leases_on_put() -> None:
    store = Store()
    first = store.lease_grant(10, now=0)
    second = store.lease_grant(100, now=0)
    store.put("a", 1, lease=first)
    store.put("a", 2, lease=second)
    assert (store.lease_keys(first), store.lease_keys(second)) == ([], ["a"])
    store.put("a", 3)
    assert store.lease_keys(second) == []
    store.expire(now=200)
    assert store.get("a") is not None


def test_a_deleted_key_leaves_its_lease() -> None:
    store = Store()
    lease = store.lease_grant(10, now=0)
    store.put("a", 1, lease=lease)
    store.delete("a")
    assert store.lease_keys(lease) == []


def test_put_with_an_unknown_lease_fails() -> None:
    with pytest.raises(LeaseNotFound):
        Store().put("a", 1, lease=1)


def test_a_lease_needs_a_positive_ttl() -> None:
    with pytest.raises(ValueError, match="positive"):
        Lessor().grant(0, now=0)
