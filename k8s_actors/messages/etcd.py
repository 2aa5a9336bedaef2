"""The etcd protocol: what kube-apiserver asks of etcd and what etcd answers.

Role: requests and replies of the etcd v3 KV, Watch and Lease services, carried over the bus between
`kube-apiserver` and `etcd-0`. Values are the apiserver's frozen objects; etcd stores them as given.
Neighbours: `k8s_actors.store` (what etcd runs), components `etcd` and `apiserver` (the two ends).
"""

from __future__ import annotations

from typing import Literal

from k8s_actors.messages.base import Message

CompareTarget = Literal["mod", "create", "version", "value"]
CompareResult = Literal["=", "!=", "<", ">"]


class EtcdCompare(Message, frozen=True, kw_only=True):
    key: str
    target: CompareTarget
    result: CompareResult
    value: object


class EtcdPutOp(Message, frozen=True, kw_only=True):
    key: str
    value: object
    lease: int = 0


class EtcdDeleteOp(Message, frozen=True, kw_only=True):
    key: str


class EtcdRange(Message, frozen=True, kw_only=True):
    """Read one key, or every key under a prefix; `count_only` answers the count alone."""

    key: str
    prefix: bool = False
    revision: int = 0
    limit: int = 0
    count_only: bool = False


class EtcdTxn(Message, frozen=True, kw_only=True):
    """If every compare holds, apply `success`, else `failure`; one revision for the whole txn."""

    compares: tuple[EtcdCompare, ...] = ()
    success: tuple[EtcdPutOp | EtcdDeleteOp, ...] = ()
    failure: tuple[EtcdPutOp | EtcdDeleteOp, ...] = ()
    meta: object = None


class EtcdWatch(Message, frozen=True, kw_only=True):
    """Start a watch stream; events flow back as `EtcdWatchEvents` tagged with `watch_id`.

    Sent as a request, it is answered once the watch is created (etcd's `created` response),
    with an `EtcdReply`, or with its `error` and `compact_revision` when `start_revision` is
    compacted."""

    watch_id: int
    key: str
    prefix: bool = True
    start_revision: int = 0


class EtcdCancelWatch(Message, frozen=True, kw_only=True):
    watch_id: int


class EtcdWatchProgress(Message, frozen=True, kw_only=True):
    """Ask for a progress notification on a watch (etcd's RequestProgress): an empty batch,
    numbered after the batches already sent; unnumbered (`seq` 0) when no such watch is open."""

    watch_id: int


class EtcdCompact(Message, frozen=True, kw_only=True):
    revision: int


class EtcdLeaseGrant(Message, frozen=True, kw_only=True):
    ttl: int


class EtcdLeaseKeepAlive(Message, frozen=True, kw_only=True):
    lease: int


class EtcdLeaseRevoke(Message, frozen=True, kw_only=True):
    lease: int


class EtcdStatus(Message, frozen=True, kw_only=True):
    """Ask for the current revision (what a consistent read waits for)."""


class EtcdKeyValue(Message, frozen=True, kw_only=True):
    key: str
    value: object
    create_revision: int
    mod_revision: int
    version: int
    lease: int = 0


class EtcdEvent(Message, frozen=True, kw_only=True):
    type: Literal["PUT", "DELETE"]
    kv: EtcdKeyValue
    prev_kv: EtcdKeyValue | None = None
    meta: object = None


class EtcdReply(Message, frozen=True, kw_only=True):
    """Every etcd answer: the header revision, plus what the request asked for."""

    revision: int
    kvs: tuple[EtcdKeyValue, ...] = ()
    count: int = 0
    succeeded: bool = True
    prev_kvs: tuple[EtcdKeyValue, ...] = ()
    lease: int = 0
    ttl: int = 0
    error: str = ""
    compact_revision: int = 0


class EtcdWatchEvents(Message, frozen=True, kw_only=True):
    """A batch of events of one write, or the cancellation of a compacted watch.

    `seq` numbers the batches of one watch from 1: a watch is one gRPC stream, where nothing is
    lost without the stream breaking, so a gap tells its owner that the watch is broken."""

    watch_id: int
    events: tuple[EtcdEvent, ...] = ()
    canceled: bool = False
    compact_revision: int = 0
    seq: int = 0
