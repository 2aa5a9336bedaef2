"""Pods and containers only take legal steps, judged on etcd's history of each pod."""

from __future__ import annotations

from typing import Any

from k8s_actors.api.manifest import load_manifests
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.store import Store
from k8s_actors.testing import invariants
from k8s_actors.testing.fixtures import open_cluster

KEY = "/registry/pods/default/web"
READY = "[{type: PodScheduled, status: 'True'}, {type: ContainersReady, status: 'True'}, " + (
    "{type: Ready, status: 'True'}]"
)


def _pod(
    phase: str,
    state: str = "waiting: {}",
    restarts: int = 0,
    node: str = "node-1",
    conditions: str = "[]",
    last: str = "",
) -> Any:
    text = f"""
apiVersion: v1
kind: Pod
metadata: {{name: web, namespace: default, uid: p-1}}
spec: {{nodeName: "{node}", containers: [{{name: app, image: nginx:1.24}}]}}
status:
  phase: {phase}
  conditions: {conditions}
  containerStatuses:
  - {{name: app, restartCount: {restarts}, state: {{{state}}}, lastState: {{{last}}}}}
"""
    return load_manifests(text)[0]


def _history(*pods: Any) -> Store:
    store = Store()
    for pod in pods:
        store.put(KEY, pod)
    return store


RUNNING = "running: {}"
TERMINATED = "terminated: {exitCode: 1}"


def test_a_pod_that_starts_restarts_and_succeeds_violates_nothing() -> None:
    store = _history(
        _pod("Pending", node=""),
        _pod("Pending"),
        _pod("Running", RUNNING, conditions=READY),
        _pod("Running", TERMINATED),
        _pod("Running", "waiting: {reason: CrashLoopBackOff}", last=TERMINATED),
        _pod("Running", RUNNING, restarts=1, conditions=READY, last=TERMINATED),
        _pod("Succeeded", "terminated: {exitCode: 0}", restarts=1),
    )
    assert invariants.pod_transitions_legal(store) == []


def test_a_phase_going_back_or_leaving_a_final_phase_is_reported() -> None:
    store = _history(_pod("Running", RUNNING), _pod("Pending", RUNNING), _pod("Failed", TERMINATED))
    store.put(KEY, _pod("Running", TERMINATED))
    first = store.revision - 2  # the revision of the step back to Pending
    assert invariants.pod_transitions_legal(store) == [
        f"pod_transitions_legal: Pod default/web at revision {first}: phase went back from "
        "Running to Pending",
        f"pod_transitions_legal: Pod default/web at revision {first + 2}: phase left the final "
        "phase Failed for Running",
    ]


def test_a_moved_pod_a_falling_restart_count_and_a_silent_restart_are_reported() -> None:
    store = _history(
        _pod("Running", RUNNING, restarts=2),
        _pod("Running", RUNNING, restarts=1),
        _pod("Running", "waiting: {}", restarts=1),
        _pod("Running", "waiting: {}", restarts=1, node="node-2"),
    )
    assert [v.split(": ", 2)[2] for v in invariants.pod_transitions_legal(store)] == [
        "container app restartCount fell from 2 to 1",
        "container app went from running to waiting without a restart (restartCount 1)",
        "nodeName changed from node-1 to node-2",
    ]


def test_a_dead_container_run_again_without_counting_a_restart_is_reported() -> None:
    """Waiting for its restart with the same count is the kubelet's back-off; running again
    must count the restart, whether straight from the death or after the wait."""
    back_off = "waiting: {reason: CrashLoopBackOff}"
    store = _history(
        _pod("Running", TERMINATED),
        _pod("Running", RUNNING),
        _pod("Running", TERMINATED),
        _pod("Running", back_off, last=TERMINATED),
        _pod("Running", RUNNING, last=TERMINATED),
        _pod("Running", TERMINATED, last=TERMINATED),
        _pod("Running", back_off),
    )
    assert [v.split(": ", 2)[2] for v in invariants.pod_transitions_legal(store)] == [
        "container app went from terminated to running without a restart (restartCount 0)",
        "container app went from waiting to running without a restart (restartCount 0)",
        "container app went from terminated to waiting without a restart (restartCount 0)",
    ]


def test_ready_without_containers_ready_and_scheduled_is_reported() -> None:
    store = _history(_pod("Running", RUNNING, conditions="[{type: Ready, status: 'True'}]"))
    assert [v.split(": ", 2)[2] for v in invariants.pod_transitions_legal(store)] == [
        "Ready=True without ContainersReady=True",
        "Ready=True without PodScheduled=True",
    ]


def test_a_pod_history_reads_on_across_a_compaction_and_reports_each_step_once() -> None:
    store = _history(_pod("Pending"), _pod("Running", RUNNING))
    history = invariants.PodHistory()
    assert invariants.pod_transitions_legal(store, history) == []
    store.put(KEY, _pod("Running", RUNNING, conditions=READY))
    store.compact(store.revision)  # the Running state is only in `history` now
    store.put(KEY, _pod("Pending", RUNNING))
    assert invariants.pod_transitions_legal(store, history) == [
        f"pod_transitions_legal: Pod default/web at revision {store.revision}: phase went back "
        "from Running to Pending"
    ]
    assert invariants.pod_transitions_legal(store, history) == []


def test_the_pods_of_a_rollout_take_only_legal_steps() -> None:
    async def scenario(cluster: Cluster) -> list[str]:
        history = invariants.PodHistory()
        await cluster.kubectl("create deployment web --image=nginx:1.24 --replicas=2")
        await cluster.advance(20)
        first = invariants.pod_transitions_legal(cluster, history)
        await cluster.kubectl("set image deployment/web nginx=nginx:1.25")
        await cluster.advance(60)
        return first + invariants.pod_transitions_legal(cluster, history)

    with open_cluster() as driver:
        assert driver.call(scenario) == []
