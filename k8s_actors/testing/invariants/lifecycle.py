"""Lifecycle invariants: only legal pod and container state transitions, read from etcd.

Role: `pod_transitions_legal` replays etcd's retained history of pods (since its last
compaction) and judges each write against the pod's state before it: the phase never goes back
(Pending -> Running -> Succeeded | Failed, the last two final), spec.nodeName is set once, a
container's restartCount never decreases, a container runs again (after running or dying)
only with a higher restartCount (a dead one may wait for it with the same count, its death in
lastState, as the kubelet reports a back-off), and Ready=True comes with ContainersReady=True
and PodScheduled=True. A `PodHistory` carries the last state of each pod between calls, so that
a transition across a compaction is judged too. The order of the steps
of one pod in the trace is judged in `lifecycle_trace`. Neighbours: `common`, `store`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from k8s_actors.api.objects.pod import ContainerState, ContainerStatus, Pod
from k8s_actors.testing.invariants.common import Source, describe, store_of

# Pending -> Running -> Succeeded | Failed (pkg/kubelet/status/status_manager.go refuses to
# leave a terminal phase; the kubelet never reports Pending again once a container ran).
PHASE_RANK = {"Pending": 0, "Running": 1, "Succeeded": 2, "Failed": 2}
FINAL_PHASES = ("Succeeded", "Failed")


@dataclass
class PodHistory:
    """What `pod_transitions_legal` read so far: the revision reached and each pod's state."""

    revision: int = 0
    pods: dict[str, Pod] = field(default_factory=dict)  # uid -> last state seen


def pod_transitions_legal(source: Source, history: PodHistory | None = None) -> list[str]:
    """Each write of a pod in etcd's retained history is a legal step from the state before it.

    With `history` (updated by the call) only writes after the last call are read, and the
    state before them is remembered even once etcd compacted it away."""
    store = store_of(source)
    seen = history if history is not None else PodHistory()
    start = max(store.compact_revision, seen.revision)
    violations = []
    for event in store.events_since(start):
        seen.revision = event.revision
        kv = event.kv
        if kv.is_tombstone:
            gone = event.prev_kv.value if event.prev_kv else None
            if isinstance(gone, Pod):
                seen.pods.pop(gone.metadata.uid, None)
            continue
        pod = kv.value
        if not isinstance(pod, Pod):
            continue
        before = seen.pods.get(pod.metadata.uid)
        if before is None and event.prev_kv is not None:
            previous = event.prev_kv.value
            if isinstance(previous, Pod) and previous.metadata.uid == pod.metadata.uid:
                before = previous
        where = f"{describe(pod)} at revision {event.revision}"
        violations += [f"pod_transitions_legal: {where}: {v}" for v in pod_step(before, pod)]
        seen.pods[pod.metadata.uid] = pod
    return violations


def pod_step(before: Pod | None, after: Pod) -> list[str]:
    """What is illegal in the step from `before` (None: first seen) to `after`."""
    problems = _conditions(after)
    if before is None:
        return problems
    problems += _phase(before.status.phase, after.status.phase)
    old_node, new_node = before.spec.node_name, after.spec.node_name
    if old_node and new_node != old_node:
        problems.append(f"nodeName changed from {old_node} to {new_node or 'none'}")
    old = {status.name: status for status in before.status.container_statuses}
    for status in after.status.container_statuses:
        if status.name in old:
            problems += _container(old[status.name], status)
    return problems


def _phase(old: str, new: str) -> list[str]:
    if old not in PHASE_RANK or new not in PHASE_RANK or old == new:
        return []
    if old in FINAL_PHASES:
        return [f"phase left the final phase {old} for {new}"]
    if PHASE_RANK[new] < PHASE_RANK[old]:
        return [f"phase went back from {old} to {new}"]
    return []


def _container(old: ContainerStatus, new: ContainerStatus) -> list[str]:
    """A container runs again only as a new attempt, which counts a restart. A dead one may
    wait for that restart with the same count, its death kept in lastState (the kubelet's
    CrashLoopBackOff: pkg/kubelet/kubelet_pods.go convertToAPIContainerStatuses)."""
    name = new.name
    if new.restart_count < old.restart_count:
        return [
            f"container {name} restartCount fell from {old.restart_count} to {new.restart_count}"
        ]
    if new.restart_count > old.restart_count:
        return []
    step = (state_of(old.state), state_of(new.state))
    awaiting_restart = old.last_state.terminated is not None
    illegal = (
        step == ("running", "waiting")
        or step == ("terminated", "running")
        or (step == ("terminated", "waiting") and new.last_state.terminated is None)
        or (step == ("waiting", "running") and awaiting_restart)
    )
    if not illegal:
        return []
    return [
        f"container {name} went from {step[0]} to {step[1]} without a restart "
        f"(restartCount {new.restart_count})"
    ]


def state_of(state: ContainerState) -> str | None:
    """waiting, running or terminated (None when no state is set)."""
    if state.terminated is not None:
        return "terminated"
    if state.running is not None:
        return "running"
    if state.waiting is not None:
        return "waiting"
    return None


def _conditions(pod: Pod) -> list[str]:
    conditions = {c.type: c.status for c in pod.status.conditions}
    if conditions.get("Ready") != "True":
        return []
    return [
        f"Ready=True without {needed}=True"
        for needed in ("ContainersReady", "PodScheduled")
        if conditions.get(needed) != "True"
    ]
