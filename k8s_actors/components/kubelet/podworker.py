"""The per-pod state machine: what to do next for a pod, decided without awaiting anything.

Role: the synchronous core of the kubelet's pod worker, after computePodActions of
pkg/kubelet/kuberuntime/kuberuntime_manager.go (sidecar-aware, 1.29+). Given the pod's spec, its
sandbox, the newest attempt of each container in the runtime, which containers have started
(startup probe passed) and which failed a liveness or startup probe, it returns the actions:
create the sandbox (then only the first init container, or every regular container), kill
unhealthy containers, start the next init container once the previous one succeeded, start a
sidecar and wait until it has started before the next init container, restart exited containers
as the restart policy says (sidecars always), and declare the pod finished once no regular
container will run again. Neighbours: `worker` (the async shell that executes the actions),
`status` (sidecars), `runtime` (container records).
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from k8s_actors.api.objects.pod import PodSpec
from k8s_actors.components.kubelet.runtime import RuntimeContainer
from k8s_actors.components.kubelet.status import is_sidecar


class PodActions(msgspec.Struct, frozen=True, kw_only=True):
    """What one sync does, in this order: kill, create the sandbox, start."""

    create_sandbox: bool = False
    kill: tuple[tuple[str, str], ...] = ()
    start: tuple[str, ...] = ()
    finished: bool = False
    failed_init: bool = False


def should_restart(policy: str, exit_code: int | None) -> bool:
    """Whether an exited regular container runs again under the pod's restartPolicy."""
    if policy == "Never":
        return False
    if policy == "OnFailure":
        return exit_code != 0
    return True


def compute_pod_actions(
    spec: PodSpec,
    has_sandbox: bool,
    latest: Mapping[str, RuntimeContainer],
    started: Mapping[str, bool],
    unhealthy: Mapping[str, str],
) -> PodActions:
    """The next actions for the pod (see the module docstring)."""
    if not has_sandbox:
        first = spec.init_containers[:1] or spec.containers
        return PodActions(create_sandbox=True, start=tuple(c.name for c in first))
    kill: list[tuple[str, str]] = []
    start: list[str] = []
    policy = spec.restart_policy or "Always"
    for name, message in unhealthy.items():
        current = latest.get(name)
        if current is not None and current.state == "running":
            kill.append((name, message))
    killed = {name for name, _ in kill}
    regular_created = any(c.name in latest for c in spec.containers)
    done, failed = _init_actions(spec, latest, started, killed, regular_created, start)
    if failed:
        return PodActions(kill=tuple(kill), finished=True, failed_init=True)
    if not done:
        return PodActions(kill=tuple(kill), start=tuple(start))
    remaining = 0
    for container in spec.containers:
        current = latest.get(container.name)
        if current is None:
            start.append(container.name)
            remaining += 1
        elif container.name in killed or current.state == "exited":
            code = 143 if container.name in killed else current.exit_code
            if should_restart(policy, code):
                start.append(container.name)
                remaining += 1
        elif current.state == "created":
            # Created but never started (a kubelet stopped mid-start): started anew, as
            # ShouldContainerBeRestarted does for the Created state
            # (pkg/kubelet/container/helpers.go).
            start.append(container.name)
            remaining += 1
        else:
            remaining += 1
    if remaining == 0:
        # Every regular container is done for good: sidecars are not restarted any more.
        start = [name for name in start if name not in _sidecar_names(spec)]
        return PodActions(kill=tuple(kill), start=tuple(start), finished=True)
    return PodActions(kill=tuple(kill), start=tuple(start))


def _sidecar_names(spec: PodSpec) -> list[str]:
    return [c.name for c in spec.init_containers if is_sidecar(c)]


def _init_actions(
    spec: PodSpec,
    latest: Mapping[str, RuntimeContainer],
    started: Mapping[str, bool],
    killed: set[str],
    regular_created: bool,
    start: list[str],
) -> tuple[bool, bool]:
    """Add init containers to start; (initialisation done, an init container failed for good)."""
    policy = spec.restart_policy or "Always"
    for container in spec.init_containers:
        current = latest.get(container.name)
        name = container.name
        if is_sidecar(container):
            if current is None:
                start.append(name)
                return False, False
            if current.state == "exited" or name in killed:
                start.append(name)  # sidecars restart whatever the pod's policy
                if not regular_created:
                    return False, False
                continue
            waiting = current.state != "running" or not started.get(name, False)
            if waiting and not regular_created:
                return False, False
            continue
        if regular_created and current is not None and current.state == "exited":
            continue  # the pod was initialised before (a restart after init keeps it so)
        if current is None:
            start.append(name)
            return False, False
        if current.state != "exited":
            return False, False
        if current.exit_code == 0:
            continue
        if policy == "Never":
            return False, True
        start.append(name)
        return False, False
    return True, False
