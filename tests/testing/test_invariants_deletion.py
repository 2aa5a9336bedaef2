"""`foreground_deletion_waits`: an owner deleted in the foreground outlives its blockers."""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.meta import OwnerReference
from k8s_actors.store import Store
from k8s_actors.testing.invariants.deletion import DeletionHistory, foreground_deletion_waits

OWNER = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-h, namespace: default, uid: rs-1}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: nginx:1.24}]}
"""
POD = """
apiVersion: v1
kind: Pod
metadata: {name: web-h-a, namespace: default, uid: p-1}
spec: {containers: [{name: app, image: nginx:1.24}]}
"""
RS_KEY = "/registry/replicasets/default/web-h"
POD_KEY = "/registry/pods/default/web-h-a"


def _dependent(block: bool) -> Any:
    pod: Any = load_manifests(POD)[0]
    ref = OwnerReference(
        api_version="apps/v1",
        kind="ReplicaSet",
        name="web-h",
        uid="rs-1",
        controller=True,
        block_owner_deletion=block,
    )
    return msgspec.structs.replace(
        pod, metadata=msgspec.structs.replace(pod.metadata, owner_references=(ref,))
    )


def _deleting_in_foreground(store: Store, block: bool = True) -> Any:
    """Store the owner and its dependent, then mark the owner as deleted in the foreground."""
    owner: Any = load_manifests(OWNER)[0]
    store.put(RS_KEY, owner)
    store.put(POD_KEY, _dependent(block))
    meta = msgspec.structs.replace(
        owner.metadata,
        deletion_timestamp="2024-01-01T00:00:00Z",
        finalizers=("foregroundDeletion",),
    )
    store.put(RS_KEY, msgspec.structs.replace(owner, metadata=meta))


def test_owner_removed_after_its_blocking_dependent_is_fine() -> None:
    """The garbage collector's order: dependent gone first, then the owner."""
    store = Store()
    _deleting_in_foreground(store)
    store.delete(POD_KEY)
    store.delete(RS_KEY)
    assert foreground_deletion_waits(store) == []


def test_owner_removed_while_a_blocking_dependent_is_stored_is_a_violation() -> None:
    """The owner leaves etcd while its pod still blocks it: reported with both names."""
    store = Store()
    _deleting_in_foreground(store)
    store.delete(RS_KEY)
    violations = foreground_deletion_waits(store)
    assert len(violations) == 1
    assert "ReplicaSet default/web-h removed" in violations[0]
    assert "Pod default/web-h-a still blocks its deletion" in violations[0]


def test_a_dependent_that_does_not_block_may_outlive_the_owner() -> None:
    """blockOwnerDeletion false (or background deletion) lets the owner go first."""
    store = Store()
    _deleting_in_foreground(store, block=False)
    store.delete(RS_KEY)
    background = Store()
    background.put(RS_KEY, load_manifests(OWNER)[0])
    background.put(POD_KEY, _dependent(True))
    background.delete(RS_KEY)
    assert foreground_deletion_waits(store) == foreground_deletion_waits(background) == []


def test_a_history_reads_each_write_once_and_survives_compaction() -> None:
    """Bound to a run, each call reads only the new writes; after a compaction past what it
    read, it starts again from the oldest state etcd keeps, still knowing the foreground owner."""
    store = Store()
    history = DeletionHistory()
    _deleting_in_foreground(store)
    assert foreground_deletion_waits(store, history) == []
    store.put("/registry/configmaps/default/other", load_manifests(OWNER)[0])
    fresh = DeletionHistory()
    store.compact(store.revision)
    store.delete(RS_KEY)
    assert len(foreground_deletion_waits(store, history)) == 1
    assert len(foreground_deletion_waits(store, fresh)) == 1
    assert fresh.restarted
    assert foreground_deletion_waits(store, history) == []
