"""User operations and faults as data, and how each is played on a cluster or written as a step.

Role: the frozen structs that `strategies` generates and `machine` plays: an operation is what a
user types (apply a manifest, scale, set image, rollout undo / pause / resume, delete with a
cascade policy, cordon, uncordon, drain, delete a node, force-delete a pod), a fault is what
the world does (node down / up, kubelet crash, component crash, partition, message loss,
latency, late watch events of one component, its watches dropped, a lagging apiserver watch
cache). Each has one scenario-file form (`step`), so a failing sequence can be written as a
scenario and replayed. Operations run through the kubectl actor, faults through
`k8s_actors.scenario.faults.inject`, as a scenario's steps do.
Neighbours: `strategies`, `machine`, `reproduce`, `k8s_actors.scenario`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import msgspec
import yaml

from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.faults import inject
from k8s_actors.scenario.model import FaultStep

Spawn = Callable[[Callable[[], Coroutine[Any, Any, None]]], None]
CASCADES = ("background", "foreground", "orphan")


class Apply(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """`kubectl apply` of one manifest (a Deployment, ConfigMap or Service as plain data)."""

    manifest: dict[str, Any]


class Scale(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    name: str
    replicas: int


class SetImage(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    name: str
    image: str


class RolloutUndo(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    name: str


class RolloutPause(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    name: str


class RolloutResume(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    name: str


class DeleteObject(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    kind: str
    name: str
    cascade: str = "background"


class Cordon(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    node: str


class Uncordon(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    node: str


class Drain(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    node: str


class DeleteNode(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """`kubectl delete node NODE`: the Node object goes; its kubelet, if running, does not."""

    node: str


class ForceDeletePod(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """`kubectl delete pod POD --force --grace-period=0` of a pod of the application `name`:
    `chosen_pod` names the first by name of the pods labelled app=<name> when it is played."""

    name: str
    pod: str = ""


Operation = (
    Apply
    | Scale
    | SetImage
    | RolloutUndo
    | RolloutPause
    | RolloutResume
    | DeleteObject
    | Cordon
    | Uncordon
    | Drain
    | DeleteNode
    | ForceDeletePod
)


class NodeDown(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    node: str


class NodeUp(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    node: str


class KubeletCrash(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    node: str
    seconds: float


class ComponentCrash(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    component: str
    seconds: float


class NetworkPartition(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    between: tuple[str, str]
    seconds: float


class MessageLossFault(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    rate: float
    seconds: float


class LatencyFault(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    between: tuple[str, str]
    add: float
    jitter: float
    seconds: float


class WatchDelayFault(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """The watch events sent to `component` (a node: its kubelet) arrive `add` seconds late."""

    component: str
    add: float
    seconds: float


class WatchDropFault(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """kube-apiserver ends every watch `component` (a node: its kubelet) has open."""

    component: str


class StaleReadsFault(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """kube-apiserver's watch cache applies etcd's changes `lag` seconds late."""

    lag: float
    seconds: float


Fault = (
    NodeDown
    | NodeUp
    | KubeletCrash
    | ComponentCrash
    | NetworkPartition
    | MessageLossFault
    | LatencyFault
    | WatchDelayFault
    | WatchDropFault
    | StaleReadsFault
)


def kubectl_command(op: Operation) -> str | None:
    """The kubectl command line of `op`; None for Apply (an inline `apply:` step)."""
    match op:
        case Scale(name=name, replicas=replicas):
            return f"scale deployment {name} --replicas={replicas}"
        case SetImage(name=name, image=image):
            return f"set image deployment/{name} app={image}"
        case RolloutUndo(name=name):
            return f"rollout undo deployment/{name}"
        case RolloutPause(name=name):
            return f"rollout pause deployment/{name}"
        case RolloutResume(name=name):
            return f"rollout resume deployment/{name}"
        case DeleteObject(kind=kind, name=name, cascade=cascade):
            return f"delete {kind} {name} --cascade={cascade}"
        case Cordon(node=node):
            return f"cordon {node}"
        case Uncordon(node=node):
            return f"uncordon {node}"
        case Drain(node=node):
            return f"drain {node} --ignore-daemonsets --force"
        case DeleteNode(node=node):
            return f"delete node {node}"
        case ForceDeletePod(name=name, pod=pod):
            # No pod of the application when played: the selector finds none either.
            target = f"pod {pod}" if pod else f"pods -l app={name}"
            return f"delete {target} --force --grace-period=0"
    return None


def operation_step(op: Operation) -> dict[str, Any]:
    """The scenario-file step of `op`; a user's refusal (exit 1) is an allowed outcome."""
    if isinstance(op, Apply):
        return {"apply": yaml.safe_dump(op.manifest, sort_keys=False)}
    command = kubectl_command(op)
    return {"kubectl": command}


def chosen_pod(cluster: Cluster, op: Operation) -> Operation:
    """`op`, a ForceDeletePod naming the first by name of the pods labelled app=<name> in etcd
    now (other operations as they are). Read from etcd directly: choosing sends no message and
    draws nothing from the run's generator, so a replay naming the pod plays the same run."""
    if not isinstance(op, ForceDeletePod) or op.pod:
        return op
    for kv in cluster.etcd_store.range("/registry/pods/default/", prefix=True).kvs:
        if kv.value.metadata.labels.get("app") == op.name:
            return msgspec.structs.replace(op, pod=kv.value.metadata.name)
    return op


async def perform(cluster: Cluster, op: Operation) -> bool:
    """Play `op` as a user would; True when the command succeeded (a refusal is no error)."""
    if isinstance(op, Apply):
        await cluster.apply(yaml.safe_dump(op.manifest, sort_keys=False))
        return True
    command = kubectl_command(op)
    assert command is not None
    result = await cluster.kubectl(command)
    return result.exit_code == 0


def _duration(seconds: float) -> str:
    """Seconds as a scenario duration: whole seconds as `30s`, else milliseconds."""
    if float(seconds).is_integer():
        return f"{int(seconds)}s"
    return f"{round(seconds * 1000)}ms"


def fault_body(fault: Fault) -> tuple[str, dict[str, Any]]:
    """(kind, fields) of the scenario-file `fault:` form of `fault`."""
    match fault:
        case NodeDown(node=node):
            return "nodeDown", {"node": node}
        case NodeUp(node=node):
            return "nodeUp", {"node": node}
        case KubeletCrash(node=node, seconds=seconds):
            return "kubeletCrash", {"node": node, "for": _duration(seconds)}
        case ComponentCrash(component=component, seconds=seconds):
            return "crash", {"component": component, "for": _duration(seconds)}
        case NetworkPartition(between=between, seconds=seconds):
            return "partition", {"between": list(between), "for": _duration(seconds)}
        case MessageLossFault(rate=rate, seconds=seconds):
            return "messageLoss", {"rate": rate, "for": _duration(seconds)}
        case LatencyFault(between=between, add=add, jitter=jitter, seconds=seconds):
            fields = {"between": list(between), "add": _duration(add), "jitter": _duration(jitter)}
            return "latency", {**fields, "for": _duration(seconds)}
        case WatchDelayFault(component=component, add=add, seconds=seconds):
            return "watchDelay", {
                "component": component,
                "add": _duration(add),
                "for": _duration(seconds),
            }
        case WatchDropFault(component=component):
            return "watchDrop", {"component": component}
        case StaleReadsFault(lag=lag, seconds=seconds):
            return "staleReads", {"lag": _duration(lag), "for": _duration(seconds)}
    raise TypeError(f"not a fault: {fault!r}")


def fault_step(fault: Fault) -> dict[str, Any]:
    kind, fields = fault_body(fault)
    if isinstance(fault, (NodeDown, NodeUp)):
        return {"fault": {kind: fault.node}}  # the file's short form: `nodeDown: node-2`
    return {"fault": {kind: fields}}


def fault_seconds(fault: Fault) -> float | None:
    """How long the fault lasts; None for NodeDown (until a NodeUp), NodeUp and WatchDropFault
    (instant)."""
    return getattr(fault, "seconds", None)


async def inject_fault(cluster: Cluster, fault: Fault, spawn: Spawn, index: int = 0) -> None:
    """Start `fault` on `cluster` as a scenario's `fault:` step would."""
    kind, fields = fault_body(fault)
    args: dict[str, Any] = {key: value for key, value in fields.items() if key != "for"}
    if isinstance(fault, LatencyFault):
        args.update(add=fault.add, jitter=fault.jitter)
    if isinstance(fault, MessageLossFault):
        args["between"] = []
    if isinstance(fault, WatchDelayFault):
        args["add"] = fault.add
    if isinstance(fault, StaleReadsFault):
        args["lag"] = fault.lag
    text = f"fault {kind} " + " ".join(f"{key}={args[key]}" for key in sorted(args))
    step = FaultStep(
        index=index, line=0, text=text, kind=kind, args=args, duration=fault_seconds(fault)
    )
    await inject(cluster, step, spawn)


def retarget(item: Operation | Fault, nodes: tuple[str, ...]) -> Operation | Fault:
    """`item` with each `node-N` it names replaced by the cluster's N-th node (cyclically), so
    that items drawn for `node-1..node-4` fit a cluster of any size."""

    def node_of(name: str) -> str:
        number = name.removeprefix("node-")
        if name == number or not number.isdigit():
            return name
        return nodes[(int(number) - 1) % len(nodes)]

    if hasattr(item, "node"):
        return msgspec.structs.replace(item, node=node_of(item.node))
    if isinstance(item, (NetworkPartition, LatencyFault)):
        first, second = item.between
        return msgspec.structs.replace(item, between=(node_of(first), node_of(second)))
    if isinstance(item, (WatchDelayFault, WatchDropFault)):
        return msgspec.structs.replace(item, component=node_of(item.component))
    return item
