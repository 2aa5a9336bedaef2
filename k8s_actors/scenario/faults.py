"""Injecting `fault:` steps into a running cluster, and lifting them after their `for`.

Role: network faults become kernel fault rules on `cluster.bus.faults` (a partition drops every
message between its two sides both ways; message loss drops each message with its rate; latency
adds a delay and a jitter drawn from the run's generator), removed by a timer on the run's clock
when their `for` ends (no `for`: until the end of the run). A component crash kills the actor
through the supervisor (state and queued messages lost) and starts a fresh instance after `for`.
Node faults act on the node's kubelet: nodeDown stops it and nodeUp starts a fresh one (the
containers of the node run on unseen meanwhile: the runtime belongs to the cluster); kubeletCrash
kills the kubelet and restarts it after `for` with empty memory over the same runtime;
containerExit makes a running container of a pod exit with `code`; imagePullFails makes every
pull of `image` fail on every node (for `for`, else to the end of the run).
Watch faults: watchDelay makes the watch events kube-apiserver sends to one component (a node:
its kubelet) late by `add`, in order, while its requests and their replies are not delayed, so
its informers lag its own writes; staleReads makes etcd's watch events reach kube-apiserver's
watch cache `lag` late (watches from the cache are late and resourceVersion="0" lists stale, but
a consistent list still waits for the cache to reach etcd's revision); both keep each stream's
order when lifted. watchDrop has kube-apiserver end every watch the component has open (the
ERROR its informers see makes them relist); with kube-apiserver down there is none to end.
Neighbours: `runner` (calls `inject`), `fault_loader` (checks the forms), `k8s_actors.kernel`
(rules, supervisor), `cluster` (nodes and their runtimes).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from k8s_actors.api.objects.pod import Pod
from k8s_actors.client.errors import NotFound
from k8s_actors.components.apiserver.server import APISERVER_ADDRESS, ApiServer
from k8s_actors.components.apiserver.storage import ETCD_ADDRESS
from k8s_actors.components.kubelet import kubelet_address
from k8s_actors.kernel import AddressSet, FaultRule, Latency, MessageLoss, Partition
from k8s_actors.kernel.faults import StreamDelay
from k8s_actors.messages import EtcdWatchEvents, WatchEvent
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.model import FaultStep

Spawn = Callable[[Callable[[], Coroutine[Any, Any, None]]], None]
NODE_FAULTS = ("nodeDown", "nodeUp", "kubeletCrash", "containerExit", "imagePullFails")
STREAM_FAULTS = ("watchDelay", "staleReads")


class StepFailed(Exception):
    """A step could not do what it says; the message is shown after the step's position."""


async def inject(cluster: Cluster, step: FaultStep, spawn: Spawn) -> None:
    """Start the fault of `step`; `spawn` runs the work that ends it later (a restart)."""
    if step.kind in NODE_FAULTS:
        await _node_fault(cluster, step, spawn)
        return
    if step.kind == "crash":
        await _crash(cluster, step, spawn)
        return
    if step.kind == "watchDrop":
        _watch_drop(cluster, step)
        return
    if step.kind in STREAM_FAULTS:
        _delay_stream(cluster, step)
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


def _delay_stream(cluster: Cluster, step: FaultStep) -> None:
    """watchDelay: kube-apiserver's watch events to one watcher; staleReads: etcd's watch events
    to kube-apiserver's watch cache. One way: the requests and replies of the link pass. Faults
    on the same stream add their delays to one rule, which keeps the stream in order."""
    payloads: tuple[type, ...] = (EtcdWatchEvents,)
    source, target, add = ETCD_ADDRESS, APISERVER_ADDRESS, step.args.get("lag", 0.0)
    if step.kind == "watchDelay":
        payloads = (WatchEvent,)
        source, target, add = APISERVER_ADDRESS, _watcher(cluster, step), step.args["add"]
    rule = StreamDelay(
        source=AddressSet((source,)),
        target=AddressSet((target,)),
        both_ways=False,
        label=step.text,
        payloads=payloads,
        now=cluster.clock.now,
    )
    for existing in cluster.bus.faults:
        if isinstance(existing, StreamDelay) and _same_stream(existing, rule):
            rule = existing
            break
    else:
        cluster.bus.faults.append(rule)
    rule.add += add
    cluster.log.info("fault_injected", step=step.index, fault=step.kind, **_fields(step))
    if step.duration is not None:
        cluster.clock.call_later(step.duration, lambda: _lift_delay(cluster, step, rule, add))


def _same_stream(one: StreamDelay, other: StreamDelay) -> bool:
    return (one.source, one.target, one.payloads) == (other.source, other.target, other.payloads)


def _lift_delay(cluster: Cluster, step: FaultStep, rule: StreamDelay, add: float) -> None:
    """Take this fault's delay off; once none is left the rule goes when the last delayed
    message is due, so that the messages sent meanwhile queue behind it, not overtake it."""
    due = rule.lift(add)
    cluster.log.info("fault_lifted", step=step.index, fault=step.kind)
    if rule.add <= 0.0:
        cluster.clock.call_later(max(0.0, due - cluster.now), lambda: _remove(cluster, rule))


def _remove(cluster: Cluster, rule: StreamDelay) -> None:
    if rule.add <= 0.0 and rule in cluster.bus.faults:
        cluster.bus.faults.remove(rule)


def _watcher(cluster: Cluster, step: FaultStep) -> str:
    """The bus address of a watch fault's component: a node stands for its kubelet."""
    name: str = step.args["component"]
    return kubelet_address(name) if name in cluster.node_runtimes else name


def _lift(cluster: Cluster, step: FaultStep, rule: FaultRule) -> None:
    if rule in cluster.bus.faults:
        cluster.bus.faults.remove(rule)
        cluster.log.info("fault_lifted", step=step.index, fault=step.kind)


def _watch_drop(cluster: Cluster, step: FaultStep) -> None:
    """kube-apiserver ends the component's watches; a kube-apiserver down or starting has none
    open (a crash ended them), so there is nothing to end then."""
    cluster.log.info("fault_injected", step=step.index, fault="watchDrop", **_fields(step))
    server = cluster.supervisor.actor(APISERVER_ADDRESS)
    if isinstance(server, ApiServer) and server.ready:
        server.close_watches(_watcher(cluster, step))


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


async def _node_fault(cluster: Cluster, step: FaultStep, spawn: Spawn) -> None:
    kind, args = step.kind, step.args
    if kind in ("nodeDown", "nodeUp", "kubeletCrash") and args["node"] not in cluster.node_runtimes:
        raise StepFailed(f"node {args['node']} has no kubelet in this cluster")
    if kind == "containerExit":
        await _container_exit(cluster, step)
        return
    cluster.log.info("fault_injected", step=step.index, fault=kind, **_fields(step))
    if kind == "nodeDown":
        await cluster.stop_node(args["node"])
    elif kind == "nodeUp":
        await cluster.start_node(args["node"])
    elif kind == "kubeletCrash":
        await _kubelet_crash(cluster, step, spawn)
    else:
        _pull_failures(cluster, step)


async def _kubelet_crash(cluster: Cluster, step: FaultStep, spawn: Spawn) -> None:
    name = kubelet_address(step.args["node"])
    await cluster.supervisor.crash(name)
    downtime = step.duration or 0.0

    async def restart() -> None:
        await cluster.clock.sleep(downtime)
        await cluster.supervisor.restart(name)
        cluster.log.info("fault_lifted", step=step.index, fault="kubeletCrash", component=name)

    spawn(restart)


def _pull_failures(cluster: Cluster, step: FaultStep) -> None:
    image = step.args["image"]
    for runtime in cluster.node_runtimes.values():
        runtime.failing_images[image] = None

    def lift() -> None:
        for runtime in cluster.node_runtimes.values():
            runtime.failing_images.pop(image, None)
        cluster.log.info("fault_lifted", step=step.index, fault="imagePullFails")

    if step.duration is not None:
        cluster.clock.call_later(step.duration, lift)


async def _container_exit(cluster: Cluster, step: FaultStep) -> None:
    args = step.args
    try:
        pod = await cluster.get("pods", args["namespace"], args["pod"])
    except NotFound:
        raise StepFailed(f"pod {args['namespace']}/{args['pod']} not found") from None
    assert isinstance(pod, Pod)
    runtime = cluster.node_runtimes.get(pod.spec.node_name)
    if runtime is None:
        raise StepFailed(f"pod {args['pod']} is not running on a node of this cluster")
    container = args["container"] or (pod.spec.containers[0].name if pod.spec.containers else "")
    cluster.log.info("fault_injected", step=step.index, fault="containerExit", **_fields(step))
    if not runtime.exit_container(pod.metadata.uid, container, args["code"], cluster.now):
        raise StepFailed(f"container {container} of pod {args['pod']} is not running")
