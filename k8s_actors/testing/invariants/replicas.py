"""ReplicaSet invariants: the controller never creates a pod beyond what its ReplicaSet asked for.

Role: `replicaset_creations_bounded` (safety) reads etcd's history: when a pod whose controller
is a ReplicaSet is created, the active pods (not terminating, not finished) that ReplicaSet then
controls, the new one included, are no more than the largest spec.replicas it has had so far.

Why the largest so far, and why it holds for the real controller under every fault: the
ReplicaSet controller creates `spec.replicas - active pods in its informer cache` pods, and only
once it has observed every creation and deletion it made before (its expectations,
pkg/controller/replicaset/replica_set.go syncReplicaSet, pkg/controller/controller_utils.go
ControllerExpectations). Its cache may be late, but it then holds every pod it created, and a
pod it holds as active that is no longer active in etcd only lowers what it creates; so each
creation keeps etcd's count within the spec.replicas of some version of the ReplicaSet it saw,
which the largest so far bounds. The bound cannot use the current spec.replicas: a controller
whose cache lags a scale-down still acts on the higher spec it saw. A controller that skips its
expectations creates again from a cache that misses its own creations, and overshoots even the
largest spec as soon as it is asked for more twice within its informer's lag.
A `ReplicaHistory` carries what was read between calls.
Neighbours: `replay`, `common`, the ReplicaSet controller it judges.
"""

from __future__ import annotations

from typing import Any

from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.workloads import ReplicaSet
from k8s_actors.components.controller_manager.podutil import is_pod_active
from k8s_actors.store import Store
from k8s_actors.testing.invariants.common import Source, describe, store_of
from k8s_actors.testing.invariants.replay import Replay


class ReplicaHistory(Replay):
    """A replay of etcd, plus each ReplicaSet's largest spec.replicas and its active pods."""

    def __init__(self) -> None:
        super().__init__()
        self.peak: dict[str, int] = {}  # ReplicaSet uid -> largest spec.replicas seen
        self.names: dict[str, str] = {}  # ReplicaSet uid -> how to name it
        self.active: dict[str, dict[str, None]] = {}  # ReplicaSet uid -> its active pods' keys
        self.unjudged: dict[str, None] = {}  # ReplicaSets whose earlier specs were lost

    def _restart(self, store: Store) -> None:
        super()._restart(store)
        self.active = {}
        for key, obj in sorted(self.objects.items()):
            if isinstance(obj, ReplicaSet):
                # Its earlier, maybe larger, specs were compacted away: do not judge it.
                self.unjudged[obj.metadata.uid] = None
            elif isinstance(obj, Pod):
                self.track(key, obj)

    def track(self, key: str, pod: Pod | None, gone: Pod | None = None) -> None:
        """Move `key` in the active index from the pod's previous state to its new one."""
        for state, present in ((gone, False), (pod, True)):
            uid = _replica_set_uid(state)
            if uid is None:
                continue
            active = self.active.setdefault(uid, {})
            if present and state is not None and is_pod_active(state):
                active[key] = None
            else:
                active.pop(key, None)


def replicaset_creations_bounded(
    source: Source, history: ReplicaHistory | None = None
) -> list[str]:
    """No pod created for a ReplicaSet brings its active pods above the largest spec.replicas
    that ReplicaSet has had.

    With `history` (updated by the call) only the writes since the last call are read."""
    seen = history if history is not None else ReplicaHistory()
    violations = []
    for event in seen.events(store_of(source)):
        kv = event.kv
        previous = event.prev_kv.value if event.prev_kv is not None else None
        value = None if kv.is_tombstone else kv.value
        if isinstance(value, ReplicaSet):
            _note_replica_set(seen, value)
        if isinstance(value, Pod) or isinstance(previous, Pod):
            seen.track(kv.key, value, previous)
        if isinstance(value, Pod) and kv.version == 1:
            violations += _judge_creation(seen, value, event.revision)
    return violations


def _note_replica_set(seen: ReplicaHistory, rs: ReplicaSet) -> None:
    uid = rs.metadata.uid
    replicas = rs.spec.replicas if rs.spec.replicas is not None else 1
    seen.peak[uid] = max(seen.peak.get(uid, 0), replicas)
    seen.names[uid] = describe(rs)


def _judge_creation(seen: ReplicaHistory, pod: Pod, revision: int) -> list[str]:
    uid = _replica_set_uid(pod)
    if uid is None or uid in seen.unjudged or uid not in seen.peak:
        return []
    count, peak = len(seen.active.get(uid, {})), seen.peak[uid]
    if count <= peak:
        return []
    return [
        f"replicaset_creations_bounded: {describe(pod)} created at revision {revision} makes "
        f"{count} active pods of {seen.names[uid]}, more than the {peak} replicas it ever "
        "asked for"
    ]


def _replica_set_uid(pod: Any) -> str | None:
    """The uid of the ReplicaSet controlling `pod`, if a ReplicaSet does."""
    if not isinstance(pod, Pod):
        return None
    ref = pod.metadata.controller_ref()
    return ref.uid if ref is not None and ref.kind == "ReplicaSet" else None
