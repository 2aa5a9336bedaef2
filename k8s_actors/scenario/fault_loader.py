"""Checking `fault:` steps: each form's fields, durations, rates and the addresses they name.

Role: turn `fault: {partition: {between: [node-1, control-plane], for: 30s}}` and its siblings
into a `FaultStep`, or problems at their positions. Address groups: a node name, `control-plane`
(etcd-0, kube-apiserver, kube-controller-manager*, kube-scheduler), `user` (the scenario's own
client and kubectl), or one component's address. The watch faults name a watcher: a control-plane
client (kube-controller-manager*, kube-scheduler) or a node (its kubelet).
Neighbours: `step_loader`, `faults` (applies them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import yaml

from k8s_actors.scenario.model import FaultStep
from k8s_actors.scenario.spec import ClusterSpec
from k8s_actors.scenario.yamlnodes import (
    Fields,
    Problems,
    duration_of,
    fields_of,
    integer_of,
    number_of,
    string_list,
    text_of,
)

CONTROL_PLANE_COMPONENTS = ("kube-controller-manager", "kube-scheduler", "kube-apiserver", "etcd-0")
GROUPS = ("control-plane", "user")
FAULT_KINDS = (
    "nodeDown",
    "nodeUp",
    "kubeletCrash",
    "partition",
    "messageLoss",
    "latency",
    "crash",
    "containerExit",
    "imagePullFails",
    "watchDelay",
    "watchDrop",
    "staleReads",
)
# Fields of each mapping form: (allowed, required).
_FORMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "kubeletCrash": (("node", "for"), ("node", "for")),
    "partition": (("between", "for"), ("between",)),
    "messageLoss": (("rate", "for", "between"), ("rate",)),
    "latency": (("between", "add", "jitter", "for"), ("add",)),
    "crash": (("component", "for"), ("component",)),
    "containerExit": (("pod", "namespace", "container", "code"), ("pod",)),
    "imagePullFails": (("image", "for"), ("image",)),
    "watchDelay": (("component", "add", "for"), ("component", "add")),
    "watchDrop": (("component",), ("component",)),
    "staleReads": (("lag", "for"), ("lag",)),
}
# Components that do not watch kube-apiserver: they cannot be a watch fault's `component`.
NOT_WATCHERS = ("kube-apiserver", "etcd-0", "kubectl")


class FaultContext:
    """What fault checks need to know: the file's problems and the cluster's addresses."""

    def __init__(self, problems: Problems, cluster: ClusterSpec) -> None:
        self.problems = problems
        self.nodes = cluster.node_names()
        self.components = [
            *CONTROL_PLANE_COMPONENTS,
            *[f"kube-controller-manager-{n}" for n in range(2, cluster.controller_managers + 1)],
            "kubectl",
        ]

    def addresses(self, node: yaml.Node, where: str) -> list[str] | None:
        names = string_list(node, self.problems, where)
        if names is None:
            return None
        if len(names) != 2:
            self.problems.add(node, where, f"must name exactly two sides, got {len(names)}")
            return None
        ok = True
        for name in names:
            if name not in self.nodes and name not in GROUPS and name not in self.components:
                known = ", ".join([*self.nodes, *GROUPS, *self.components])
                self.problems.add(
                    node, where, f'unknown address "{name}" (expected one of {known})'
                )
                ok = False
        return names if ok else None

    def node_name(self, node: yaml.Node, where: str) -> str | None:
        name = text_of(node, self.problems, where)
        if name is None:
            return None
        if name not in self.nodes:
            known = ", ".join(self.nodes) or "none: the cluster section declares no nodes"
            self.problems.add(node, where, f'unknown node "{name}" (nodes: {known})')
            return None
        return name


def load_fault(
    base: dict[str, Any], value: yaml.Node, context: FaultContext, where: str
) -> FaultStep | None:
    problems = context.problems
    if not isinstance(value, yaml.MappingNode) or len(value.value) != 1:
        problems.add(
            value, where, f"a fault is a mapping with one key of: {', '.join(FAULT_KINDS)}"
        )
        return None
    key_node, args_node = value.value[0]
    kind = str(key_node.value)
    if kind not in FAULT_KINDS:
        expected = ", ".join(FAULT_KINDS)
        problems.add(key_node, where, f'unknown fault "{kind}" (expected one of {expected})')
        return None
    where = f"{where}.{kind}"
    if kind in ("nodeDown", "nodeUp"):
        name = context.node_name(args_node, where)
        if name is None:
            return None
        return FaultStep(**base, text=f"fault {kind} {name}", kind=kind, args={"node": name})
    allowed, required = _FORMS[kind]
    fields = fields_of(args_node, allowed, required, problems, where)
    if fields is None:
        return None
    args = _ARGUMENTS[kind](fields, context, where)
    if args is None:
        return None
    duration = None
    if "for" in fields:
        duration = duration_of(fields["for"], problems, f"{where}.for")
        if duration is None:
            return None
    text = f"fault {kind} " + " ".join(f"{key}={_shown(args[key])}" for key in sorted(args))
    return FaultStep(**base, text=text.strip(), kind=kind, args=args, duration=duration)


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


Checker = Callable[[Fields, FaultContext, str], dict[str, Any] | None]


def _between(fields: Fields, context: FaultContext, where: str) -> dict[str, Any] | None:
    sides = context.addresses(fields["between"], f"{where}.between")
    return None if sides is None else {"between": sides}


def _loss(fields: Fields, context: FaultContext, where: str) -> dict[str, Any] | None:
    rate = number_of(fields["rate"], context.problems, f"{where}.rate")
    if rate is not None and not 0.0 <= rate <= 1.0:
        context.problems.add(
            fields["rate"], f"{where}.rate", f"must be between 0 and 1, got {rate}"
        )
        rate = None
    sides = context.addresses(fields["between"], f"{where}.between") if "between" in fields else []
    if rate is None or sides is None:
        return None
    return {"rate": rate, "between": sides}


def _latency(fields: Fields, context: FaultContext, where: str) -> dict[str, Any] | None:
    add = duration_of(fields["add"], context.problems, f"{where}.add")
    jitter: float | None = 0.0
    if "jitter" in fields:
        jitter = duration_of(fields["jitter"], context.problems, f"{where}.jitter")
    sides = context.addresses(fields["between"], f"{where}.between") if "between" in fields else []
    if add is None or jitter is None or sides is None:
        return None
    return {"add": add, "jitter": jitter, "between": sides}


def _crash(fields: Fields, context: FaultContext, where: str) -> dict[str, Any] | None:
    name = text_of(fields["component"], context.problems, f"{where}.component")
    allowed: Sequence[str] = [c for c in context.components if c != "kubectl"]
    if name is not None and name not in allowed:
        context.problems.add(
            fields["component"],
            f"{where}.component",
            f'unknown component "{name}" (expected one of {", ".join(allowed)})',
        )
        return None
    return None if name is None else {"component": name}


def _kubelet(fields: Fields, context: FaultContext, where: str) -> dict[str, Any] | None:
    name = context.node_name(fields["node"], f"{where}.node")
    return None if name is None else {"node": name}


def _container_exit(fields: Fields, context: FaultContext, where: str) -> dict[str, Any] | None:
    problems = context.problems
    pod = text_of(fields["pod"], problems, f"{where}.pod")
    container = (
        text_of(fields["container"], problems, f"{where}.container")
        if ("container" in fields)
        else ""
    )
    namespace = (
        text_of(fields["namespace"], problems, f"{where}.namespace")
        if "namespace" in fields
        else "default"
    )
    code: int | None = 1
    if "code" in fields:
        code = integer_of(fields["code"], problems, f"{where}.code", minimum=0)
    if pod is None or container is None or namespace is None or code is None:
        return None
    return {"pod": pod, "namespace": namespace, "container": container, "code": code}


def _image(fields: Fields, context: FaultContext, where: str) -> dict[str, Any] | None:
    image = text_of(fields["image"], context.problems, f"{where}.image")
    return None if image is None else {"image": image}


def _watcher(fields: Fields, context: FaultContext, where: str) -> dict[str, Any] | None:
    """A watch fault's `component`: a control-plane watcher, or a node (its kubelet)."""
    problems = context.problems
    name = text_of(fields["component"], problems, f"{where}.component")
    allowed = [c for c in context.components if c not in NOT_WATCHERS] + context.nodes
    if name is not None and name not in allowed:
        problems.add(
            fields["component"],
            f"{where}.component",
            f'unknown watcher "{name}" (expected one of {", ".join(allowed)})',
        )
        return None
    if name is None:
        return None
    if "add" not in fields:
        return {"component": name}
    add = duration_of(fields["add"], problems, f"{where}.add")
    return None if add is None else {"component": name, "add": add}


def _lag(fields: Fields, context: FaultContext, where: str) -> dict[str, Any] | None:
    lag = duration_of(fields["lag"], context.problems, f"{where}.lag")
    return None if lag is None else {"lag": lag}


_ARGUMENTS: dict[str, Checker] = {
    "kubeletCrash": _kubelet,
    "partition": _between,
    "messageLoss": _loss,
    "latency": _latency,
    "crash": _crash,
    "containerExit": _container_exit,
    "imagePullFails": _image,
    "watchDelay": _watcher,
    "watchDrop": _watcher,
    "staleReads": _lag,
}
