"""Tests of `k8s_actors.store.errors`: one hierarchy, etcd's messages, the revisions involved."""

from __future__ import annotations

from k8s_actors.store import Compacted, FutureRevision, LeaseNotFound, StoreError


def test_every_error_is_a_store_error() -> None:
    for error in (Compacted(5, 3), FutureRevision(5, 9), LeaseNotFound(1)):
        assert isinstance(error, StoreError)


def test_compacted_carries_etcds_message_and_both_revisions() -> None:
    error = Compacted(5, 3)
    assert str(error) == "mvcc: required revision has been compacted"
    assert (error.compact_revision, error.requested_revision) == (5, 3)


def test_future_revision_carries_etcds_message() -> None:
    error = FutureRevision(5, 9)
    assert str(error) == "mvcc: required revision is a future revision"
    assert (error.current_revision, error.requested_revision) == (5, 9)


def test_lease_not_found_carries_etcds_message() -> None:
    error = LeaseNotFound(4)
    assert str(error) == "etcdserver: requested lease not found"
    assert error.lease_id == 4
