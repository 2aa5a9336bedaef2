"""Pod phase and conditions: getPhase of kubelet_pods.go and generate.go, cases as data.

The phase cases follow the groups of TestPodPhaseWithRestart* and the sidecar tables of
pkg/kubelet/kubelet_pods_test.go: each row is (restartPolicy, init containers, containers,
podIsTerminal, expected phase) with container states written as short codes:
run (running), run- (running, not started), wait (waiting), crash (waiting after a failed exit),
ok (terminated 0), err (terminated 1), none (no status).
"""

from __future__ import annotations

import msgspec
import pytest

from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import (
    ContainerState,
    ContainerStateRunning,
    ContainerStateTerminated,
    ContainerStateWaiting,
    ContainerStatus,
    PodCondition,
    PodReadinessGate,
    PodSpec,
    PodStatus,
)
from k8s_actors.components.kubelet.status import (
    containers_ready,
    get_phase,
    initialized,
    needs_reconcile,
    pod_ready,
    reconciled_status,
)

RUNNING = ContainerState(running=ContainerStateRunning(started_at="2025-01-01T00:00:00Z"))
WAITING = ContainerState(waiting=ContainerStateWaiting(reason="ContainerCreating"))


def terminated(code: int) -> ContainerState:
    return ContainerState(terminated=ContainerStateTerminated(exit_code=code))


def status(name: str, code: str) -> ContainerStatus | None:
    if code == "none":
        return None
    if code in ("run", "run-"):
        return ContainerStatus(name=name, state=RUNNING, started=code == "run", ready=True)
    if code == "wait":
        return ContainerStatus(name=name, state=WAITING)
    if code == "crash":
        return ContainerStatus(name=name, state=WAITING, last_state=terminated(1))
    return ContainerStatus(
        name=name, state=terminated(0 if code == "ok" else 1), ready=code == "ok"
    )


def case(policy: str, init: str, regular: str) -> tuple[PodSpec, list[ContainerStatus]]:
    """init like "i1=ok s1:side=run"; regular like "c1=run c2=wait"."""
    inits, containers, statuses = [], [], []
    for item in init.split():
        name, code = item.split("=")
        sidecar = name.endswith(":side")
        name = name.removesuffix(":side")
        inits.append(Container(name=name, image="x", restart_policy="Always" if sidecar else None))
        statuses.append(status(name, code))
    for item in regular.split():
        name, code = item.split("=")
        containers.append(Container(name=name, image="x"))
        statuses.append(status(name, code))
    spec = PodSpec(
        restart_policy=policy, init_containers=tuple(inits), containers=tuple(containers)
    )
    return spec, [s for s in statuses if s is not None]


PHASES = [
    # regular containers (TestPodPhaseWithRestartAlways / Never / OnFailure)
    ("Always", "", "c1=run c2=run", False, "Running"),
    ("Always", "", "c1=ok c2=err", False, "Running"),
    ("Always", "", "c1=run c2=wait", False, "Pending"),
    ("Always", "", "c1=run c2=none", False, "Pending"),
    ("Always", "", "c1=run c2=crash", False, "Running"),
    ("Always", "", "c1=ok c2=ok", True, "Succeeded"),
    ("Always", "", "c1=ok c2=err", True, "Failed"),
    ("Never", "", "c1=ok c2=ok", False, "Succeeded"),
    ("Never", "", "c1=ok c2=err", False, "Failed"),
    ("Never", "", "c1=run c2=ok", False, "Running"),
    ("OnFailure", "", "c1=ok c2=ok", False, "Succeeded"),
    ("OnFailure", "", "c1=ok c2=err", False, "Running"),
    ("OnFailure", "", "c1=run c2=crash", False, "Running"),
    ("Always", "", "c1=wait", False, "Pending"),
    # init containers (TestPodPhaseWithRestartAlwaysInitContainers / Never...)
    ("Always", "i1=run", "c1=wait", False, "Pending"),
    ("Always", "i1=crash", "c1=wait", False, "Pending"),
    ("Always", "i1=ok", "c1=run", False, "Running"),
    ("Never", "i1=err", "c1=wait", False, "Failed"),
    ("Never", "i1=crash", "c1=wait", False, "Failed"),
    ("OnFailure", "i1=err", "c1=wait", False, "Pending"),
    ("Always", "i1=none", "c1=none", False, "Pending"),
    # restartable init containers (TestPodPhaseWithRestartAlwaysRestartableInitContainers)
    ("Always", "s1:side=none", "c1=none", False, "Pending"),
    ("Always", "s1:side=run-", "c1=wait", False, "Pending"),
    ("Always", "s1:side=run", "c1=wait", False, "Pending"),
    ("Always", "s1:side=run", "c1=run", False, "Running"),
    ("Always", "s1:side=crash", "c1=run", False, "Running"),
    ("Always", "s1:side=run-", "c1=run", False, "Running"),
    ("Never", "s1:side=run", "c1=ok", False, "Running"),
    ("Never", "s1:side=ok", "c1=ok", False, "Succeeded"),
    ("Never", "s1:side=err", "c1=err", False, "Failed"),
    ("Never", "s1:side=run", "c1=ok", True, "Running"),
    ("OnFailure", "i1=ok s1:side=run", "c1=ok", False, "Running"),
]


@pytest.mark.parametrize(("policy", "init", "regular", "terminal", "phase"), PHASES)
def test_get_phase(policy: str, init: str, regular: str, terminal: bool, phase: str) -> None:
    spec, statuses = case(policy, init, regular)
    assert get_phase(spec, statuses, terminal) == phase


def test_containers_ready_lists_unknown_then_unready_containers() -> None:
    spec, statuses = case("Always", "s1:side=none", "c1=wait c2=run")
    condition = containers_ready(spec, statuses, "Pending")
    assert (condition.status, condition.reason) == ("False", "ContainersNotReady")
    assert condition.message == (
        "containers with unknown status: [s1], containers with unready status: [c1]"
    )


def test_ready_follows_containers_ready_and_then_the_readiness_gates() -> None:
    spec, statuses = case("Always", "", "c1=run")
    assert pod_ready(spec, statuses, "Running", []).status == "True"
    gated = PodSpec(
        containers=spec.containers, readiness_gates=(PodReadinessGate(condition_type="lb"),)
    )
    missing = pod_ready(gated, statuses, "Running", [])
    assert (missing.status, missing.reason) == ("False", "ReadinessGatesNotReady")
    assert missing.message == 'corresponding condition of pod readiness gate "lb" does not exist.'
    gate = PodCondition(type="lb", status="False")
    assert pod_ready(gated, statuses, "Running", [gate]).message == (
        'the status of pod readiness gate "lb" is not "True", but False'
    )


def test_a_succeeded_pod_is_not_ready_because_completed() -> None:
    spec, statuses = case("Never", "", "c1=ok")
    condition = pod_ready(spec, statuses, "Succeeded", [])
    assert (condition.status, condition.reason) == ("False", "PodCompleted")


def test_initialized_waits_for_init_containers_and_started_sidecars() -> None:
    spec, statuses = case("Always", "i1=ok s1:side=run-", "c1=none")
    condition = initialized(spec, statuses, "Pending")
    assert condition.status == "False"
    assert condition.message == "containers with incomplete status: [s1]"
    spec, statuses = case("Always", "i1=ok s1:side=run", "c1=none")
    assert initialized(spec, statuses, "Pending").status == "True"


# -- the status manager's reconcile -------------------------------------------------------------


def _cond(kind: str, value: str, at: str = "2025-01-01T00:00:10Z") -> PodCondition:
    return PodCondition(type=kind, status=value, last_transition_time=at)


CACHED = PodStatus(
    phase="Running",
    conditions=(_cond("Ready", "True"), _cond("ContainersReady", "True")),
    pod_ip="10.244.1.2",
)


def test_a_ready_false_written_by_another_party_needs_reconcile() -> None:
    """The node lifecycle controller's Ready=False differs from the kubelet's Ready=True."""
    marked = PodStatus(
        phase="Running",
        conditions=(
            _cond("Ready", "False", "2025-01-01T00:05:00Z"),
            _cond("ContainersReady", "True"),
        ),
        pod_ip="10.244.1.2",
    )
    assert needs_reconcile(marked, CACHED)


def test_times_and_conditions_of_other_writers_do_not_need_reconcile() -> None:
    """Only what the kubelet owns counts: not transition times, not DisruptionTarget."""
    api = PodStatus(
        phase="Running",
        conditions=(
            _cond("DisruptionTarget", "True"),
            _cond("Ready", "True", "2025-01-01T00:00:11Z"),
            _cond("ContainersReady", "True"),
        ),
        nominated_node_name="node-2",
        pod_ip="10.244.1.2",
    )
    assert not needs_reconcile(api, CACHED)
    assert not needs_reconcile(CACHED, CACHED)


def test_a_field_the_kubelet_owns_outside_conditions_needs_reconcile() -> None:
    assert needs_reconcile(msgspec.structs.replace(CACHED, pod_ip="10.244.1.9"), CACHED)


def test_the_reconciled_status_keeps_other_writers_conditions_and_the_kubelets_own() -> None:
    api = PodStatus(
        phase="Running",
        conditions=(_cond("DisruptionTarget", "True"), _cond("Ready", "False")),
        pod_ip="10.244.1.2",
    )
    merged = reconciled_status(api, CACHED)
    kinds = [(c.type, c.status) for c in merged.conditions]
    assert kinds == [("DisruptionTarget", "True"), ("Ready", "True"), ("ContainersReady", "True")]
    assert merged.conditions[1].last_transition_time == "2025-01-01T00:00:10Z"
