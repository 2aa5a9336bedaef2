"""`replicaset_creations_bounded`: pods created for a ReplicaSet stay within its largest spec."""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.meta import OwnerReference
from k8s_actors.store import Store
from k8s_actors.testing.invariants.replicas import ReplicaHistory, replicaset_creations_bounded

RS = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-h, namespace: default, uid: rs-1}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: nginx:1.24}]}
"""
POD = """
apiVersion: v1
kind: Pod
metadata: {name: web-h-a, namespace: default, labels: {app: web}}
spec: {containers: [{name: app, image: nginx:1.24}]}
"""
RS_KEY = "/registry/replicasets/default/web-h"
replace = msgspec.structs.replace


def _scale(store: Store, replicas: int) -> None:
    rs: Any = load_manifests(RS)[0]
    store.put(RS_KEY, replace(rs, spec=replace(rs.spec, replicas=replicas)))


def _create_pod(store: Store, name: str, **meta: Any) -> str:
    pod: Any = load_manifests(POD)[0]
    ref = OwnerReference(
        api_version="apps/v1", kind="ReplicaSet", name="web-h", uid="rs-1", controller=True
    )
    metadata = replace(pod.metadata, name=name, uid=f"uid-{name}", owner_references=(ref,))
    key = f"/registry/pods/default/{name}"
    store.put(key, replace(pod, metadata=replace(metadata, **meta)))
    return key


def test_creations_up_to_the_spec_pass() -> None:
    """Two pods for a ReplicaSet of two replicas: nothing to report."""
    store = Store()
    _scale(store, 2)
    _create_pod(store, "a")
    _create_pod(store, "b")
    assert replicaset_creations_bounded(store) == []


def test_a_creation_beyond_the_largest_spec_is_reported() -> None:
    """A third pod for a ReplicaSet that never asked for more than two is named, with its
    revision and the counts."""
    store = Store()
    _scale(store, 2)
    for name in ("a", "b", "c"):
        _create_pod(store, name)
    (violation,) = replicaset_creations_bounded(store)
    assert violation.startswith("replicaset_creations_bounded: Pod default/c created at revision")
    assert violation.endswith(
        "makes 3 active pods of ReplicaSet default/web-h, more than the 2 replicas it ever "
        "asked for"
    )


def test_a_creation_for_a_spec_already_lowered_passes() -> None:
    """Scaled to 3 then to 1: a third pod created from a cache that still says 3 is within the
    largest spec, as the real controller may do while its informer lags the scale-down."""
    store = Store()
    _scale(store, 3)
    _scale(store, 1)
    for name in ("a", "b", "c"):
        _create_pod(store, name)
    assert replicaset_creations_bounded(store) == []


def test_terminating_pods_do_not_count() -> None:
    """A pod being deleted is not active: its replacement is no overshoot."""
    store = Store()
    _scale(store, 1)
    key = _create_pod(store, "a")
    kv = store.get(key)
    assert kv is not None
    deleting = replace(kv.value.metadata, deletion_timestamp="2024-01-01T00:00:00Z")
    store.put(key, replace(kv.value, metadata=deleting))
    _create_pod(store, "b")
    assert replicaset_creations_bounded(store) == []


def test_a_history_reads_each_write_once() -> None:
    """Carried between calls, the history reports an overshoot once, when it happens."""
    store = Store()
    history = ReplicaHistory()
    _scale(store, 1)
    _create_pod(store, "a")
    assert replicaset_creations_bounded(store, history) == []
    _create_pod(store, "b")
    assert len(replicaset_creations_bounded(store, history)) == 1
    assert replicaset_creations_bounded(store, history) == []
