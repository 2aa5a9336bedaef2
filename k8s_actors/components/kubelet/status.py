"""The status manager's rules: pod phase, kubelet-owned conditions and container statuses.

Role: pure functions from what the kubelet knows (the pod, the runtime's containers, the waiting
reasons of the last sync, probe results) to a core/v1 PodStatus. `get_phase` follows getPhase of
pkg/kubelet/kubelet_pods.go (1.29+, sidecar aware); the conditions follow
pkg/kubelet/status/generate.go and keep their lastTransitionTime while unchanged, as the status
manager does; a terminal phase never changes. `needs_reconcile` and `reconciled_status` are
the status manager's periodic reconcile: a status in the API that differs, in what the kubelet
owns, from the one the kubelet wrote (another party set Ready=False, say) is written again.
Neighbours: `podworker` (builds and writes the
status), `runtime` (container records), `config` (image names).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec

from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import (
    ContainerState,
    ContainerStateRunning,
    ContainerStateTerminated,
    ContainerStateWaiting,
    ContainerStatus,
    HostIP,
    PodCondition,
    PodIP,
    PodSpec,
    PodStatus,
)
from k8s_actors.components.kubelet.config import normalise_image
from k8s_actors.components.kubelet.runtime import RuntimeContainer

KUBELET_CONDITIONS = (
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
)
TERMINAL_PHASES = ("Succeeded", "Failed")
Stamp = Callable[[float], str]
replace = msgspec.structs.replace


def is_sidecar(container: Container) -> bool:
    """A restartable init container (restartPolicy: Always in initContainers)."""
    return container.restart_policy == "Always"


# -- phase ----------------------------------------------------------------------------------------


def get_phase(spec: PodSpec, statuses: Sequence[ContainerStatus], pod_is_terminal: bool) -> str:
    """The pod phase from init, sidecar and regular container statuses (kubelet_pods.go)."""
    by_name = {status.name: status for status in statuses}
    pending_init, failed_init = _init_counts(spec, by_name)
    unknown = running = waiting = stopped = succeeded = 0
    for container in spec.init_containers:
        if not is_sidecar(container):
            continue
        found = by_name.get(container.name)
        state = found.state if found is not None else None
        if found is None or state is None:
            unknown += 1
        elif state.running is not None:
            if not found.started:
                pending_init += 1
            running += 1
        elif state.terminated is not None:
            pass  # a stopped sidecar does not count for the phase
        elif state.waiting is not None:
            if found.last_state.terminated is None:
                pending_init += 1
                waiting += 1
        else:
            pending_init += 1
            unknown += 1
    for container in spec.containers:
        found = by_name.get(container.name)
        if found is None:
            unknown += 1
        elif found.state.running is not None:
            running += 1
        elif found.state.terminated is not None:
            stopped += 1
            succeeded += found.state.terminated.exit_code == 0
        elif found.state.waiting is not None:
            if found.last_state.terminated is not None:
                stopped += 1
            else:
                waiting += 1
        else:
            unknown += 1
    if failed_init > 0 and spec.restart_policy == "Never":
        return "Failed"
    if pending_init > 0 and not _any_regular_started(spec, by_name):
        return "Pending"
    if waiting > 0:
        return "Pending"
    if running > 0 and unknown == 0:
        return "Running"
    if running == 0 and stopped > 0 and unknown == 0:
        if pod_is_terminal:
            return "Succeeded" if stopped == succeeded else "Failed"
        if spec.restart_policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        return "Failed" if spec.restart_policy == "Never" else "Running"
    return "Pending"


def _init_counts(spec: PodSpec, by_name: dict[str, ContainerStatus]) -> tuple[int, int]:
    pending = failed = 0
    for container in spec.init_containers:
        if is_sidecar(container):
            continue
        found = by_name.get(container.name)
        if found is None or found.state.running is not None:
            pending += 1
        elif found.state.terminated is not None:
            failed += found.state.terminated.exit_code != 0
        elif found.state.waiting is not None:
            last = found.last_state.terminated
            if last is None:
                pending += 1
            elif last.exit_code != 0:
                failed += 1
        else:
            pending += 1
    return pending, failed


def _any_regular_started(spec: PodSpec, by_name: dict[str, ContainerStatus]) -> bool:
    """HasAnyRegularContainerStarted: a regular container runs, ran, or is restarting."""
    for container in spec.containers:
        found = by_name.get(container.name)
        if found is None:
            continue
        state = found.state
        if state.running is not None or state.terminated is not None:
            return True
        if state.waiting is not None and found.last_state.terminated is not None:
            return True
    return False


# -- conditions -----------------------------------------------------------------------------------


def _condition(kind: str, ok: bool, reason: str = "", message: str = "") -> PodCondition:
    return PodCondition(
        type=kind,
        status="True" if ok else "False",
        reason="" if ok else reason,
        message="" if ok else message,
    )


def containers_ready(
    spec: PodSpec, statuses: Sequence[ContainerStatus], phase: str
) -> PodCondition:
    by_name = {status.name: status for status in statuses}
    unknown: list[str] = []
    unready: list[str] = []
    ordered = [c for c in spec.init_containers if is_sidecar(c)] + list(spec.containers)
    for container in ordered:
        found = by_name.get(container.name)
        if found is None:
            unknown.append(container.name)
        elif not found.ready:
            unready.append(container.name)
    if phase == "Failed":
        return _condition("ContainersReady", False, "PodFailed")
    if phase == "Succeeded" and not unknown:
        return _condition("ContainersReady", False, "PodCompleted")
    parts = []
    if unknown:
        parts.append(f"containers with unknown status: [{' '.join(unknown)}]")
    if unready:
        parts.append(f"containers with unready status: [{' '.join(unready)}]")
    if parts:
        return _condition("ContainersReady", False, "ContainersNotReady", ", ".join(parts))
    return _condition("ContainersReady", True)


def pod_ready(
    spec: PodSpec,
    statuses: Sequence[ContainerStatus],
    phase: str,
    conditions: Sequence[PodCondition],
) -> PodCondition:
    """Ready: ContainersReady, then the readiness gates."""
    ready = containers_ready(spec, statuses, phase)
    if ready.status != "True":
        return _condition("Ready", False, ready.reason, ready.message)
    found = {condition.type: condition for condition in conditions}
    problems = []
    for gate in spec.readiness_gates:
        condition = found.get(gate.condition_type)
        if condition is None:
            problems.append(
                f'corresponding condition of pod readiness gate "{gate.condition_type}" '
                "does not exist."
            )
        elif condition.status != "True":
            problems.append(
                f'the status of pod readiness gate "{gate.condition_type}" is not "True", '
                f"but {condition.status}"
            )
    if problems:
        return _condition("Ready", False, "ReadinessGatesNotReady", ", ".join(problems))
    return _condition("Ready", True)


def initialized(spec: PodSpec, statuses: Sequence[ContainerStatus], phase: str) -> PodCondition:
    by_name = {status.name: status for status in statuses}
    for container in spec.containers:
        found = by_name.get(container.name)
        if found is not None and (
            found.state.running is not None or found.state.terminated is not None
        ):
            return _condition("Initialized", True)
    unknown: list[str] = []
    incomplete: list[str] = []
    for container in spec.init_containers:
        found = by_name.get(container.name)
        if found is None:
            unknown.append(container.name)
        elif not (found.started if is_sidecar(container) else found.ready):
            incomplete.append(container.name)
    if phase == "Succeeded" and not unknown:
        return _condition("Initialized", True, "PodCompleted")
    parts = []
    if unknown:
        parts.append(f"containers with unknown status: [{' '.join(unknown)}]")
    if incomplete:
        parts.append(f"containers with incomplete status: [{' '.join(incomplete)}]")
    if parts:
        return _condition("Initialized", False, "ContainersNotInitialized", ", ".join(parts))
    return _condition("Initialized", True)


def kubelet_conditions(
    spec: PodSpec,
    statuses: Sequence[ContainerStatus],
    phase: str,
    sandbox_ready: bool,
    others: Sequence[PodCondition],
) -> list[PodCondition]:
    """Conditions not owned by the kubelet first, then its own five in the API's order."""
    kept = [c for c in others if c.type not in KUBELET_CONDITIONS]
    own = [
        _condition("PodReadyToStartContainers", sandbox_ready),
        initialized(spec, statuses, phase),
        pod_ready(spec, statuses, phase, others),
        containers_ready(spec, statuses, phase),
        _condition("PodScheduled", True),
    ]
    return kept + own


def with_transition_times(
    conditions: Sequence[PodCondition], old: Sequence[PodCondition], now: str
) -> tuple[PodCondition, ...]:
    """Keep lastTransitionTime of conditions whose status did not change; stamp the others."""
    before = {condition.type: condition for condition in old}
    stamped = []
    for condition in conditions:
        previous = before.get(condition.type)
        if previous is not None and previous.status == condition.status:
            when = previous.last_transition_time or now
        else:
            when = now
        stamped.append(replace(condition, last_transition_time=when, last_probe_time=None))
    return tuple(stamped)


# -- container statuses ---------------------------------------------------------------------------


class ContainerView(msgspec.Struct, frozen=True, kw_only=True):
    """What the kubelet knows of one container of the pod."""

    name: str
    image: str
    current: RuntimeContainer | None = None
    previous: RuntimeContainer | None = None
    waiting: tuple[str, str] | None = None
    ready: bool = False
    started: bool = False


def _terminated(container: RuntimeContainer, stamp: Stamp) -> ContainerState:
    return ContainerState(
        terminated=ContainerStateTerminated(
            exit_code=container.exit_code or 0,
            reason=container.reason,
            started_at=stamp(container.started_at) if container.started_at is not None else None,
            finished_at=stamp(container.finished_at) if container.finished_at is not None else None,
            container_id=container.uri,
        )
    )


def container_status(view: ContainerView, default_waiting: str, stamp: Stamp) -> ContainerStatus:
    """One containerStatuses entry, as convertToAPIContainerStatuses builds it."""
    current, previous = view.current, view.previous
    image = normalise_image(view.image)
    if current is None:
        reason, message = view.waiting or (default_waiting, "")
        return ContainerStatus(
            name=view.name,
            image=image,
            state=ContainerState(waiting=ContainerStateWaiting(reason=reason, message=message)),
            started=False,
        )
    last = ContainerState()
    if previous is not None and previous.state == "exited":
        last = _terminated(previous, stamp)
    if current.state == "running" and current.started_at is not None:
        state = ContainerState(running=ContainerStateRunning(started_at=stamp(current.started_at)))
    elif current.state == "exited" and view.waiting is not None:
        state = ContainerState(
            waiting=ContainerStateWaiting(reason=view.waiting[0], message=view.waiting[1])
        )
        last = _terminated(current, stamp)
    elif current.state == "exited":
        state = _terminated(current, stamp)
    else:
        reason, message = view.waiting or ("ContainerCreating", "")
        state = ContainerState(waiting=ContainerStateWaiting(reason=reason, message=message))
    running = current.state == "running"
    return ContainerStatus(
        name=view.name,
        image=image,
        image_id=current.image_ref,
        container_id=current.uri,
        state=state,
        last_state=last,
        ready=view.ready and running,
        started=view.started and running,
        restart_count=current.attempt,
    )


def pod_status(
    spec: PodSpec,
    old: PodStatus,
    init_statuses: Sequence[ContainerStatus],
    statuses: Sequence[ContainerStatus],
    *,
    pod_ip: str,
    host_ip: str,
    sandbox_ready: bool,
    start_time: str | None,
    now: str,
    pod_is_terminal: bool = False,
) -> PodStatus:
    """The whole status (generateAPIPodStatus): phase, conditions, IPs and container statuses."""
    phase = get_phase(spec, [*statuses, *init_statuses], pod_is_terminal)
    if old.phase in TERMINAL_PHASES:
        phase = old.phase  # pods never leave a terminal phase
    every = [*init_statuses, *statuses]
    conditions = kubelet_conditions(spec, every, phase, sandbox_ready, old.conditions)
    reason, message = (old.reason, old.message) if phase == old.phase else ("", "")
    return replace(
        old,
        phase=phase,
        reason=reason,
        message=message,
        conditions=with_transition_times(conditions, old.conditions, now),
        host_ip=host_ip,
        host_ips=(HostIP(ip=host_ip),) if host_ip else (),
        pod_ip=pod_ip,
        pod_ips=(PodIP(ip=pod_ip),) if pod_ip else (),
        start_time=old.start_time or start_time,
        init_container_statuses=tuple(init_statuses),
        container_statuses=tuple(statuses),
    )


# -- reconcile (status_manager.go: needsReconcile, isPodStatusByKubeletEqual, mergePodStatus) -----


def _owned_conditions(status: PodStatus) -> dict[str, tuple[str, str, str]]:
    return {
        c.type: (c.status, c.reason, c.message)
        for c in status.conditions
        if c.type in KUBELET_CONDITIONS
    }


def needs_reconcile(api: PodStatus, cached: PodStatus) -> bool:
    """Whether the API's status differs from the kubelet's own in what the kubelet owns.

    Its own conditions compare by status, reason and message (not by their times); conditions
    of other writers and nominatedNodeName are ignored; every other field must be equal
    (isPodStatusByKubeletEqual of pkg/kubelet/status/status_manager.go).
    """
    if api == cached:
        return False
    if _owned_conditions(api) != _owned_conditions(cached):
        return True
    aligned = replace(
        api, conditions=cached.conditions, nominated_node_name=cached.nominated_node_name
    )
    return aligned != cached


def reconciled_status(api: PodStatus, cached: PodStatus) -> PodStatus:
    """The kubelet's status with the conditions of other writers kept from the API's copy
    (mergePodStatus): what the reconcile writes."""
    others = [c for c in api.conditions if c.type not in KUBELET_CONDITIONS]
    own = [c for c in cached.conditions if c.type in KUBELET_CONDITIONS]
    return replace(cached, conditions=(*others, *own), nominated_node_name=api.nominated_node_name)
