"""Store invariants: revisions strictly increase and uids are never reused.

Role: read etcd's retained history (since its last compaction). Neighbours: `common`.
"""

from __future__ import annotations

from k8s_actors.testing.invariants.common import Source, store_of


def store_revisions_increase(source: Source) -> list[str]:
    """In etcd's retained history each write has a higher revision than the one before, and
    each key's version counts up from 1 within one life of the key."""
    store = store_of(source)
    violations = []
    last = store.compact_revision
    versions: dict[str, int] = {}
    for event in store.events_since(store.compact_revision):
        if event.revision < last:
            violations.append(
                f"store_revisions_increase: {event.kv.key} at {event.revision} after {last}"
            )
        last = event.revision
        kv = event.kv
        if kv.is_tombstone:
            versions.pop(kv.key, None)
            continue
        expected = versions.get(kv.key, (event.prev_kv.version if event.prev_kv else 0)) + 1
        if kv.version != expected:
            violations.append(
                f"store_revisions_increase: {kv.key} version {kv.version}, expected {expected}"
            )
        versions[kv.key] = kv.version
    return violations


def uids_never_reused(source: Source) -> list[str]:
    """No uid is given to two objects: each uid is created once in etcd's retained history."""
    store = store_of(source)
    first_key: dict[str, str] = {}
    violations = []
    for event in store.events_since(store.compact_revision):
        kv = event.kv
        if kv.is_tombstone or kv.version != 1:
            continue
        uid = getattr(getattr(kv.value, "metadata", None), "uid", "")
        if not uid:
            continue
        if uid in first_key:
            violations.append(
                f"uids_never_reused: {uid} created as {first_key[uid]} and again as {kv.key}"
            )
        first_key.setdefault(uid, kv.key)
    return violations
