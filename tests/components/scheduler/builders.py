"""Builders for scheduler tests: nodes, pods, priority classes, and a loaded core."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import (
    ContainerImage,
    Node,
    NodeCondition,
    NodeSpec,
    NodeStatus,
    PriorityClass,
)
from k8s_actors.api.objects.container import Container, ContainerPort, ResourceRequirements
from k8s_actors.api.objects.pod import Pod, PodSpec
from k8s_actors.api.objects.scheduling import Affinity, Taint, Toleration
from k8s_actors.api.quantity import Quantity
from k8s_actors.components.scheduler import (
    Cache,
    CycleState,
    Handle,
    PodInfo,
    Scheduler,
    default_framework,
)
from k8s_actors.components.scheduler.nodeinfo import NodeInfo


def quantities(values: dict[str, str]) -> dict[str, Quantity]:
    return {name: Quantity.parse(value) for name, value in values.items()}


def node(
    name: str,
    capacity: dict[str, str] | None = None,
    *,
    labels: dict[str, str] | None = None,
    taints: tuple[Taint, ...] = (),
    images: tuple[tuple[tuple[str, ...], int], ...] = (),
    unschedulable: bool = False,
) -> Node:
    """A Ready node; capacity defaults to 4 cpu / 8Gi / 110 pods; allocatable = capacity."""
    values = {"cpu": "4", "memory": "8Gi", "pods": "110"}
    values.update(capacity or {})
    resources = quantities(values)
    return Node(
        metadata=ObjectMeta(name=name, labels={"kubernetes.io/hostname": name, **(labels or {})}),
        spec=NodeSpec(taints=taints, unschedulable=unschedulable),
        status=NodeStatus(
            capacity=resources,
            allocatable=resources,
            conditions=(NodeCondition(type="Ready", status="True"),),
            images=tuple(ContainerImage(names=n, size_bytes=s) for n, s in images),
        ),
    )


def container(requests: dict[str, str] | None = None, image: str = "nginx:1.25") -> Container:
    return Container(
        name="c", image=image, resources=ResourceRequirements(requests=quantities(requests or {}))
    )


def pod(
    name: str = "p",
    *requests: dict[str, str],
    node_name: str = "",
    namespace: str = "default",
    labels: dict[str, str] | None = None,
    priority: int | None = None,
    priority_class: str = "",
    tolerations: tuple[Toleration, ...] = (),
    affinity: Affinity | None = None,
    node_selector: dict[str, str] | None = None,
    host_port: int = 0,
    images: tuple[str, ...] = (),
) -> Pod:
    """A pod with one container per `requests` map (none: a pod without containers)."""
    containers = [container(r) for r in requests]
    containers += [Container(name=f"i{i}", image=image) for i, image in enumerate(images)]
    if host_port and containers:
        first = containers[0]
        ports = (ContainerPort(container_port=host_port, host_port=host_port),)
        containers[0] = Container(
            name=first.name, image=first.image, resources=first.resources, ports=ports
        )
    return Pod(
        metadata=ObjectMeta(name=name, namespace=namespace, labels=labels or {}, uid=f"uid-{name}"),
        spec=PodSpec(
            containers=tuple(containers),
            node_name=node_name,
            priority=priority,
            priority_class_name=priority_class,
            tolerations=tolerations,
            affinity=affinity,
            node_selector=node_selector or {},
            scheduler_name="default-scheduler",
        ),
    )


def priority_class(name: str, value: int) -> PriorityClass:
    return PriorityClass(metadata=ObjectMeta(name=name), value=value)


def loaded(nodes: Sequence[Node], pods: Sequence[Pod] = (), seed: int = 0) -> Scheduler:
    """A scheduling core with the default profile over these nodes and assigned pods."""
    cache = Cache()
    for each_node in nodes:
        cache.add_node(each_node)
    for each_pod in pods:
        cache.add_pod(PodInfo(each_pod))
    rng = random.Random(seed)
    return Scheduler(cache, default_framework(Handle(cache, rng=rng)), rng)


def scores_of(core: Scheduler, plugin: str, incoming: Pod) -> dict[str, int]:
    """One plugin's normalised scores of every node for `incoming` (after PreFilter/PreScore)."""
    framework = core.framework
    found = framework.plugin(plugin)
    assert found is not None
    info = PodInfo(incoming)
    state = CycleState()
    framework.run_pre_filter(state, info)
    nodes: list[NodeInfo] = core.cache.node_list()
    found.pre_score(state, info, nodes)
    scores = found.score(state, info, nodes)
    found.normalize(state, info, nodes, scores)
    return {n.name: s for n, s in zip(nodes, scores, strict=True)}


def upstream_table(name: str) -> dict[str, Any]:
    """A table of Kubernetes' own score cases, tests/components/scheduler/data/NAME.json."""
    table: dict[str, Any] = json.loads(
        (Path(__file__).parent / "data" / f"{name}.json").read_text()
    )
    return table


def upstream_cases(table: dict[str, Any]) -> list[Any]:
    """The table's cases as pytest parameters named after them; a case with a "known
    difference" is skipped with that reason."""
    return [
        pytest.param(
            case,
            id=case["name"],
            marks=[pytest.mark.skip(reason=case["known difference"])]
            if "known difference" in case
            else [],
        )
        for case in table["cases"]
    ]
