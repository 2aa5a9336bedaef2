"""k8s_actors.store: an etcd-like MVCC key-value store, synchronous and in memory.

Role: layer 1 of the project. The etcd actor wraps a `Store`; the kube-apiserver relies on its
semantics (revisions as resourceVersions, compare-and-swap transactions, watches from a revision,
compaction giving "410 Gone", leases for TTL'd objects). It imports only the standard library,
msgspec and sortedcontainers.

Modules: `mvcc` (the Store), `model` (KeyValue, Event, transaction types), `keyspace` (current
versions and writes), `history` (old versions and the write log), `watch` (watcher index), `lease`
(lease bookkeeping), `compare` (transaction guards), `keyrange` (range bounds), `errors`.
"""

from k8s_actors.store.errors import Compacted, FutureRevision, LeaseNotFound, StoreError
from k8s_actors.store.keyrange import ALL_FROM_START, prefix_end
from k8s_actors.store.model import (
    Compare,
    CompareResult,
    CompareTarget,
    Delete,
    DeleteResponse,
    Event,
    EventType,
    KeyValue,
    Op,
    OpResponse,
    Put,
    PutResponse,
    Range,
    RangeResult,
    TxnResult,
)
from k8s_actors.store.mvcc import Store
from k8s_actors.store.watch import WatchCallback, Watcher

__all__ = [
    "ALL_FROM_START",
    "Compacted",
    "Compare",
    "CompareResult",
    "CompareTarget",
    "Delete",
    "DeleteResponse",
    "Event",
    "EventType",
    "FutureRevision",
    "KeyValue",
    "LeaseNotFound",
    "Op",
    "OpResponse",
    "Put",
    "PutResponse",
    "Range",
    "RangeResult",
    "Store",
    "StoreError",
    "TxnResult",
    "WatchCallback",
    "Watcher",
    "prefix_end",
]
