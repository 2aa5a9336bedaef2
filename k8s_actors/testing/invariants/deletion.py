"""Deletion invariants: an owner deleted in the foreground outlives its blocking dependents.

Role: `foreground_deletion_waits` (safety) reads etcd's history: an object that carried the
`foregroundDeletion` finalizer is removed from etcd only once no object still names it as owner
with blockOwnerDeletion: true (the garbage collector removes the finalizer when the last blocking
dependent is gone; pkg/controller/garbagecollector/garbagecollector.go
processDeletingDependentsItem). A `DeletionHistory` carries what was read between calls.
Neighbours: `replay`, `common`, the garbage collector it judges.
"""

from __future__ import annotations

from typing import Any

from k8s_actors.store import Store
from k8s_actors.testing.invariants.common import Source, describe, store_of
from k8s_actors.testing.invariants.replay import Replay

FOREGROUND = "foregroundDeletion"


class DeletionHistory(Replay):
    """A replay of etcd, plus the uids of the objects seen being deleted in the foreground."""

    def __init__(self) -> None:
        super().__init__()
        self.foreground: dict[str, None] = {}

    def _restart(self, store: Store) -> None:
        super()._restart(store)
        for obj in self.objects.values():
            meta = getattr(obj, "metadata", None)
            if meta is not None and FOREGROUND in meta.finalizers:
                self.foreground[meta.uid] = None


def foreground_deletion_waits(source: Source, history: DeletionHistory | None = None) -> list[str]:
    """No object deleted in the foreground leaves etcd while a dependent that blocks its
    deletion (ownerReference with blockOwnerDeletion: true) is still stored.

    With `history` (updated by the call) only the writes since the last call are read."""
    seen = history if history is not None else DeletionHistory()
    violations = []
    for event in seen.events(store_of(source)):
        if not event.kv.is_tombstone:
            meta = getattr(event.kv.value, "metadata", None)
            if meta is not None and FOREGROUND in meta.finalizers:
                seen.foreground[meta.uid] = None
            continue
        owner = event.prev_kv.value if event.prev_kv is not None else None
        uid = getattr(getattr(owner, "metadata", None), "uid", "")
        if uid not in seen.foreground:
            continue
        del seen.foreground[uid]
        for dependent in _blocking(seen.objects, uid):
            violations.append(
                f"foreground_deletion_waits: {describe(owner)} removed at revision "
                f"{event.revision} while {describe(dependent)} still blocks its deletion"
            )
    return violations


def _blocking(objects: dict[str, Any], owner_uid: str) -> list[Any]:
    """The stored objects naming `owner_uid` as an owner with blockOwnerDeletion: true."""
    return [
        obj
        for _, obj in sorted(objects.items())
        if any(
            ref.uid == owner_uid and ref.block_owner_deletion
            for ref in getattr(getattr(obj, "metadata", None), "owner_references", ())
        )
    ]
