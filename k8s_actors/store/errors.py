"""Errors raised by the MVCC store, with etcd's own messages.

Role: the small exception hierarchy of `k8s_actors.store`. Every error derives from `StoreError`, so
the etcd actor can turn any of them into a reply on the bus with one `except` clause.
Neighbours: `mvcc` (range, watch and compaction raise `Compacted` / `FutureRevision`), `lease`
(`LeaseNotFound`).

Messages are etcd's (go.etcd.io/etcd server/mvcc/kvstore.go and server/lease/lessor.go) because the
kube-apiserver matches on them: a compacted watch becomes "410 Gone" in Kubernetes.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store raises."""


class Compacted(StoreError):
    """The requested revision is older than the compaction point: its history is gone."""

    message = "mvcc: required revision has been compacted"

    def __init__(self, compact_revision: int, requested_revision: int) -> None:
        super().__init__(self.message)
        self.compact_revision = compact_revision
        self.requested_revision = requested_revision


class FutureRevision(StoreError):
    """The requested revision has not been written yet."""

    message = "mvcc: required revision is a future revision"

    def __init__(self, current_revision: int, requested_revision: int) -> None:
        super().__init__(self.message)
        self.current_revision = current_revision
        self.requested_revision = requested_revision


class LeaseNotFound(StoreError):
    """The lease id was never granted, or has been revoked or has expired."""

    message = "etcdserver: requested lease not found"

    def __init__(self, lease_id: int) -> None:
        super().__init__(self.message)
        self.lease_id = lease_id
