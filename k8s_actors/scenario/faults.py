"""Injecting `fault:` steps into a running cluster, and lifting them after their `for`.

Role: network faults become kernel fault rules on `cluster.bus.faults` (a partition drops every
message between its two sides both ways; message loss drops each message with its rate; latency
adds a delay and a jitter drawn from the run's generator), removed by a timer on the run's clock
when their `for` ends (no `for`: until the end of the run). A component crash kills the actor
through the supervisor (state and queued messages lost) and starts a fresh instance after `for`.
Node, kubelet, container and image faults need the kubelet component, which does not exist yet:
they fail their step with a message saying so. Neighbours: `runner` (calls `inject`),
`fault_loader` (checks the forms), `k8s_actors.kernel` (rules, supervisor).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from k8s_actors.kernel import AddressSet, FaultRule, Latency, MessageLoss, Partition
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.model import FaultStep

Spawn = Callable[[Callable[[], Coroutine[Any, Any, None]]], None]
NEEDS_KUBELET = ("nodeDown", "nodeUp", "kubeletCrash", "containerExit", "imagePullFails")


class StepFailed(Exception):
    """A step could not do what it says; the message is shown after the step's position."""


async def inject(cluster: Cluster, step: FaultStep, spawn: Spawn) -> None:
    """Start the fault of `step`; `spawn` runs the work that ends it later (a restart)."""
    if step.kind in NEEDS_KUBELET:
        raise StepFailed(f"fault {step.kind} is not available yet: needs the kubelet")
    if step.kind == "crash":
        await _crash(cluster, step, spawn)
        return
    rule = _rule(step)
    cluster.bus.faults.append(rule)
    cluster.log.info("fault_injected", step=step.index, fault=step.kind, **_fields(step))
    if step.duration is not None:
        cluster.clock.call_later(step.duration, lambda: _lift(cluster, step, rule))


def _rule(step: FaultStep) -> FaultRule:
    source, target = _sides(step.args.get("between", ()))
    if step.kind == "partition":
        return Partition(source=source, target=target, label=step.text)
    if step.kind == "messageLoss":
        return MessageLoss(source=source, target=target, rate=step.args["rate"], label=step.text)
    return Latency(
        source=source,
        target=target,
        add=step.args["add"],
        jitter=step.args["jitter"],
        label=step.text,
    )


def _sides(between: Sequence[str]) -> tuple[AddressSet | None, AddressSet | None]:
    """Two address groups (both ways), or none: every message of the run."""
    if not between:
        return None, None
    return AddressSet((between[0],)), AddressSet((between[1],))


def _lift(cluster: Cluster, step: FaultStep, rule: FaultRule) -> None:
    if rule in cluster.bus.faults:
        cluster.bus.faults.remove(rule)
        cluster.log.info("fault_lifted", step=step.index, fault=step.kind)


def _fields(step: FaultStep) -> dict[str, object]:
    fields: dict[str, object] = {key: step.args[key] for key in sorted(step.args)}
    if step.duration is not None:
        fields["duration"] = step.duration
    return fields


async def _crash(cluster: Cluster, step: FaultStep, spawn: Spawn) -> None:
    name = step.args["component"]
    if cluster.supervisor.actor(name) is None:
        raise StepFailed(f"{name} is not running in this cluster (not available yet)")
    cluster.log.info("fault_injected", step=step.index, fault="crash", **_fields(step))
    await cluster.supervisor.crash(name)
    if step.duration is None:
        return
    downtime = step.duration

    async def restart() -> None:
        await cluster.clock.sleep(downtime)
        await cluster.supervisor.restart(name)
        cluster.log.info("fault_lifted", step=step.index, fault="crash", component=name)

    spawn(restart)
