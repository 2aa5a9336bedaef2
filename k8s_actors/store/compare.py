"""Evaluation of transaction guards (etcd's Compare) against the current version of a key.

Role: decides whether a `txn` takes its success or its failure branch. This is what makes the
apiserver's writes safe: an update guards on `mod_revision == <revision it read>` (compare-and-swap)
and a create on `create_revision == 0` (create-if-absent).
Neighbours: `model` (Compare, KeyValue), `mvcc.Store.txn` (the caller).

Follows applyCompare / compareKV in go.etcd.io/etcd server/etcdserver/txn: a missing key has
version, create_revision, mod_revision and lease 0, and any VALUE compare on it fails.
"""

from __future__ import annotations

from typing import Any

from k8s_actors.store.model import Compare, CompareResult, CompareTarget, KeyValue


def compare_holds(compare: Compare, kv: KeyValue | None) -> bool:
    """Whether `compare` holds for `kv`, the key's current version (None when absent)."""
    if kv is None and compare.target is CompareTarget.VALUE:
        return False
    actual = _target_of(compare.target, kv)
    return _apply(compare.result, actual, compare.value)


def _target_of(target: CompareTarget, kv: KeyValue | None) -> Any:
    if kv is None:
        return 0
    match target:
        case CompareTarget.VERSION:
            return kv.version
        case CompareTarget.CREATE:
            return kv.create_revision
        case CompareTarget.MOD:
            return kv.mod_revision
        case CompareTarget.LEASE:
            return kv.lease
        case CompareTarget.VALUE:
            return kv.value


def _apply(result: CompareResult, actual: Any, expected: Any) -> bool:
    match result:
        case CompareResult.EQUAL:
            return bool(actual == expected)
        case CompareResult.NOT_EQUAL:
            return bool(actual != expected)
        case CompareResult.LESS:
            return bool(actual < expected)
        case CompareResult.GREATER:
            return bool(actual > expected)
