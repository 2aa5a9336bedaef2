"""Probes: startup, liveness and readiness of simulated containers, as the prober runs them.

Role: pkg/kubelet/prober's workers reduced to arithmetic. A probe of a container ticks every
`periodSeconds` from the container's start; ticks before `initialDelaySeconds` are skipped, and
liveness and readiness ticks are skipped until the startup probe has succeeded. Whether a tick
succeeds comes from the image's behaviour: readiness and startup succeed once the container has
run `readyAfter`, liveness fails from `failLivenessAfter` on. A result flips after
`successThreshold` consecutive successes or `failureThreshold` consecutive failures. Readiness and
startup start as failure, liveness as success. Kubernetes' defaults: period 10 s, timeout 1 s,
thresholds 1 and 3, no initial delay (pkg/apis/core/v1/defaults.go). Pure: the pod worker asks
`advance` at its wake-ups and `next_attention` for the next tick that matters.
Neighbours: `podworker` (caller), `config` (image behaviour).
"""

from __future__ import annotations

import math
from typing import Literal

import msgspec

from k8s_actors.api.objects.container import Container, Probe
from k8s_actors.components.kubelet.config import ImageBehaviour

Kind = Literal["startup", "liveness", "readiness"]
KINDS: tuple[Kind, ...] = ("startup", "liveness", "readiness")
replace = msgspec.structs.replace


class ProbeConfig(msgspec.Struct, frozen=True, kw_only=True):
    kind: Kind
    initial_delay: float = 0.0
    period: float = 10.0
    timeout: float = 1.0
    success_threshold: int = 1
    failure_threshold: int = 3
    handler: str = "exec"
    target: str = ""


def probe_config(kind: Kind, probe: Probe | None) -> ProbeConfig | None:
    """The probe with Kubernetes' defaults filled in, or None when the container has none."""
    if probe is None:
        return None
    handler, target = "exec", ""
    if probe.http_get is not None:
        handler, target = "httpGet", str(probe.http_get.port)
    elif probe.tcp_socket is not None:
        handler, target = "tcpSocket", str(probe.tcp_socket.port)
    elif probe.grpc is not None:
        handler, target = "grpc", str(probe.grpc.port)
    return ProbeConfig(
        kind=kind,
        initial_delay=float(probe.initial_delay_seconds or 0),
        period=float(probe.period_seconds or 10),
        timeout=float(probe.timeout_seconds or 1),
        success_threshold=probe.success_threshold or 1,
        failure_threshold=probe.failure_threshold or 3,
        handler=handler,
        target=target,
    )


def container_probes(container: Container) -> dict[Kind, ProbeConfig]:
    found = {
        "startup": probe_config("startup", container.startup_probe),
        "liveness": probe_config("liveness", container.liveness_probe),
        "readiness": probe_config("readiness", container.readiness_probe),
    }
    return {kind: config for kind, config in found.items() if config is not None}  # type: ignore[misc]


def succeeds(kind: Kind, behaviour: ImageBehaviour, ran_for: float) -> bool:
    """What one probe of an image says after the container ran `ran_for` seconds."""
    if kind == "liveness":
        fail_after = behaviour.fail_liveness_after
        return fail_after is None or ran_for < fail_after
    return ran_for >= behaviour.ready_after


def failure_message(config: ProbeConfig, pod_ip: str) -> str:
    """What a failed probe reports (the text after "Liveness probe failed: ")."""
    if config.handler == "httpGet":
        return "HTTP probe failed with statuscode: 503"
    if config.handler == "tcpSocket":
        return f"dial tcp {pod_ip}:{config.target}: connect: connection refused"
    if config.handler == "grpc":
        return 'service unhealthy (responded with "NOT_SERVING")'
    return ""


class ProbeTracker(msgspec.Struct, frozen=True, kw_only=True):
    """The state of one probe of one running container."""

    config: ProbeConfig
    started_at: float
    ticks: int = 0
    successes: int = 0
    failures: int = 0
    result: bool = False


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """One probe that ran: when, whether it succeeded, and whether the result flipped."""

    at: float
    success: bool
    flipped: bool
    result: bool


def new_tracker(config: ProbeConfig, started_at: float) -> ProbeTracker:
    return ProbeTracker(config=config, started_at=started_at, result=config.kind == "liveness")


def tick_time(tracker: ProbeTracker, tick: int) -> float:
    return tracker.started_at + tick * tracker.config.period


def _first_tick_from(tracker: ProbeTracker, moment: float) -> int:
    """The first tick at or after `moment`, never before the next one to do."""
    offset = (moment - tracker.started_at) / tracker.config.period
    return max(tracker.ticks, math.ceil(offset - 1e-9))


def _earliest(tracker: ProbeTracker, gate: float) -> float:
    return max(tracker.started_at + tracker.config.initial_delay, gate)


def advance(
    tracker: ProbeTracker, behaviour: ImageBehaviour, now: float, gate: float | None
) -> tuple[ProbeTracker, list[Outcome]]:
    """Run every tick due by `now`; `gate` is when the probe may start (None: not yet)."""
    if gate is None:
        return tracker, []
    outcomes: list[Outcome] = []
    tick = _first_tick_from(tracker, _earliest(tracker, gate))
    config = tracker.config
    while tick_time(tracker, tick) <= now + 1e-9:
        at = tick_time(tracker, tick)
        ok = succeeds(config.kind, behaviour, at - tracker.started_at)
        successes = tracker.successes + 1 if ok else 0
        failures = 0 if ok else tracker.failures + 1
        result = tracker.result
        if ok and successes >= config.success_threshold:
            result = True
        if not ok and failures >= config.failure_threshold:
            result = False
        outcomes.append(Outcome(at=at, success=ok, flipped=result != tracker.result, result=result))
        tracker = replace(
            tracker, ticks=tick + 1, successes=successes, failures=failures, result=result
        )
        tick += 1
        if config.kind == "startup" and result:
            break  # the startup probe stops once it succeeded
    return replace(tracker, ticks=max(tracker.ticks, tick)), outcomes


def next_attention(
    tracker: ProbeTracker, behaviour: ImageBehaviour, gate: float | None
) -> float | None:
    """The time of the next tick whose outcome matters (a failure or a change); None: never."""
    if gate is None:
        return None
    config = tracker.config
    tick = _first_tick_from(tracker, _earliest(tracker, gate))
    if config.kind == "liveness":
        fail_after = behaviour.fail_liveness_after
        if fail_after is None:
            return None
        if tracker.failures == 0:
            tick = max(tick, _first_tick_from(tracker, tracker.started_at + fail_after))
        return tick_time(tracker, tick)
    if tracker.result:
        return None  # readiness and startup stay successful once they are
    return tick_time(tracker, tick)
