"""Hypothesis strategies for clusters, workloads, user operations and faults.

Role: generate small, readable cases that shrink towards smaller ones: few labels with short
values, Deployments of 0-5 replicas with small surge / unavailability, images from a small
catalogue, 1-4 node groups, and operations and faults as the frozen structs of `operations`.
Every value a strategy draws has a scenario-file form, so a failing case can be written out.
Neighbours: `operations` (the data), `topology` (cluster sections), `machine` (draws from here).
"""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import strategies as st

from k8s_actors.testing.operations import (
    CASCADES,
    Apply,
    ComponentCrash,
    Cordon,
    DeleteNode,
    DeleteObject,
    Drain,
    Fault,
    ForceDeletePod,
    KubeletCrash,
    LatencyFault,
    MessageLossFault,
    NetworkPartition,
    NodeDown,
    NodeUp,
    Operation,
    RolloutPause,
    RolloutResume,
    RolloutUndo,
    Scale,
    SetImage,
    StaleReadsFault,
    Uncordon,
    WatchDelayFault,
    WatchDropFault,
)
from k8s_actors.testing.profiles import fault_schedule_length
from k8s_actors.testing.topology import NodeGroup, Topology

# The images every generated cluster knows: quick to pull, start and become ready.
IMAGES = ("nginx:1.24", "nginx:1.25", "nginx:1.26")
APP_NAMES = ("web", "api", "db")
LABEL_KEYS = ("app", "tier", "env")
LABEL_VALUES = ("a", "b", "c")
CRASHABLE = ("kube-controller-manager", "kube-scheduler", "kube-apiserver", "etcd-0")
WATCHERS = ("kube-controller-manager", "kube-scheduler")  # and the nodes' kubelets
WATCH_DELAYS = (1.0, 2.0, 5.0)
SECONDS = (1.0, 5.0, 30.0)

label_sets = st.dictionaries(st.sampled_from(LABEL_KEYS), st.sampled_from(LABEL_VALUES), max_size=3)


@st.composite
def selectors(draw: st.DrawFn) -> dict[str, Any]:
    """A LabelSelector: matchLabels, plus at most one matchExpressions term."""
    selector: dict[str, Any] = {"matchLabels": draw(label_sets)}
    if draw(st.booleans()):
        operator = draw(st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist")))
        term: dict[str, Any] = {"key": draw(st.sampled_from(LABEL_KEYS)), "operator": operator}
        if operator in ("In", "NotIn"):
            term["values"] = draw(
                st.lists(st.sampled_from(LABEL_VALUES), min_size=1, max_size=2, unique=True)
            )
        selector["matchExpressions"] = [term]
    return selector


int_or_percent = st.one_of(st.integers(0, 2), st.sampled_from(("25%", "50%", "100%")))


@st.composite
def strategies_of_deployment(draw: st.DrawFn) -> dict[str, Any]:
    """A Deployment's `strategy`: RollingUpdate with small fenceposts, or Recreate."""
    if draw(st.booleans()):
        return {"type": "Recreate"}
    surge = draw(int_or_percent)
    unavailable = draw(int_or_percent)
    if surge in (0, "0%") and unavailable in (0, "0%"):
        surge = 1  # validation refuses both zero
    return {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable},
    }


@st.composite
def deployments(draw: st.DrawFn, names: tuple[str, ...] = APP_NAMES) -> dict[str, Any]:
    """A Deployment manifest: replicas 0-5, a catalogue image, small CPU requests."""
    name = draw(st.sampled_from(names))
    cpu = draw(st.sampled_from(("100m", "250m", "500m")))
    container = {
        "name": "app",
        "image": draw(st.sampled_from(IMAGES)),
        "resources": {"requests": {"cpu": cpu, "memory": "64Mi"}},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": draw(st.integers(0, 5)),
            "selector": {"matchLabels": {"app": name}},
            "strategy": draw(strategies_of_deployment()),
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [container]},
            },
        },
    }


@st.composite
def config_maps(draw: st.DrawFn) -> dict[str, Any]:
    data = draw(
        st.dictionaries(st.sampled_from(("mode", "level")), st.sampled_from(("a", "b")), max_size=2)
    )
    name = draw(st.sampled_from(("settings", "flags")))
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


@st.composite
def secrets(draw: st.DrawFn) -> dict[str, Any]:
    """An Opaque Secret with one or two keys (stringData, as a user writes it)."""
    data = draw(
        st.dictionaries(
            st.sampled_from(("password", "token")), st.sampled_from(("s3cret", "x")), max_size=2
        )
    )
    name = draw(st.sampled_from(("credentials", "keys")))
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name},
        "type": "Opaque",
        "stringData": data,
    }


@st.composite
def pods(draw: st.DrawFn, names: tuple[str, ...] = APP_NAMES) -> dict[str, Any]:
    """A bare Pod (no controller) of one application: a catalogue image, a small CPU request.

    Its labels lack pod-template-hash, so no Deployment's ReplicaSet adopts it."""
    app = draw(st.sampled_from(names))
    container = {
        "name": "app",
        "image": draw(st.sampled_from(IMAGES)),
        "resources": {"requests": {"cpu": draw(st.sampled_from(("100m", "250m")))}},
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"{app}-solo", "labels": {"app": app}},
        "spec": {
            "restartPolicy": draw(st.sampled_from(("Always", "Never"))),
            "containers": [container],
        },
    }


@st.composite
def services(draw: st.DrawFn, names: tuple[str, ...] = APP_NAMES) -> dict[str, Any]:
    """A ClusterIP Service selecting one application's pods."""
    name = draw(st.sampled_from(names))
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 80}]},
    }


def _untainted_first(groups: list[NodeGroup]) -> tuple[NodeGroup, ...]:
    """The first group takes any pod, so that every generated workload can be scheduled."""
    return (msgspec.structs.replace(groups[0], taints=()), *groups[1:])


@st.composite
def node_groups(draw: st.DrawFn) -> NodeGroup:
    taint = draw(st.sampled_from((None, "dedicated=db:NoSchedule", "spot=true:PreferNoSchedule")))
    return NodeGroup(
        count=draw(st.integers(1, 2)),
        cpu=draw(st.sampled_from(("4", "2", "1"))),
        pods=draw(st.sampled_from(("110", "8"))),
        taints=() if taint is None else (taint,),
    )


topologies = st.builds(
    Topology, groups=st.lists(node_groups(), min_size=1, max_size=4).map(_untainted_first)
)


def operations(
    nodes: tuple[str, ...], names: tuple[str, ...] = APP_NAMES
) -> st.SearchStrategy[Operation]:
    """Every kind of user operation, on the applications `names` and the nodes `nodes`."""
    name = st.sampled_from(names)
    node = st.sampled_from(nodes)
    kinds = st.sampled_from(("deployment", "configmap", "service"))
    manifests = st.one_of(
        deployments(names), config_maps(), services(names), secrets(), pods(names)
    )
    choices: list[st.SearchStrategy[Operation]] = [
        st.builds(Apply, manifest=manifests),
        st.builds(Scale, name=name, replicas=st.integers(0, 5)),
        st.builds(SetImage, name=name, image=st.sampled_from(IMAGES)),
        st.builds(RolloutUndo, name=name),
        st.builds(RolloutPause, name=name),
        st.builds(RolloutResume, name=name),
        st.builds(DeleteObject, kind=kinds, name=name, cascade=st.sampled_from(CASCADES)),
        st.builds(Cordon, node=node),
        st.builds(Uncordon, node=node),
        st.builds(Drain, node=node),
        # Drawn half as often as the others: one choice for the two.
        st.one_of(st.builds(DeleteNode, node=node), st.builds(ForceDeletePod, name=name)),
    ]
    return st.one_of(choices)


def faults(nodes: tuple[str, ...]) -> st.SearchStrategy[Fault]:
    """Every kind of fault, on the nodes `nodes` and the control-plane components."""
    node = st.sampled_from(nodes)
    seconds = st.sampled_from(SECONDS)
    sides = st.tuples(st.sampled_from((*nodes, "user")), st.just("control-plane"))
    choices: list[st.SearchStrategy[Fault]] = [
        st.builds(NodeDown, node=node),
        st.builds(NodeUp, node=node),
        st.builds(KubeletCrash, node=node, seconds=seconds),
        st.builds(ComponentCrash, component=st.sampled_from(CRASHABLE), seconds=seconds),
        st.builds(NetworkPartition, between=sides, seconds=seconds),
        st.builds(MessageLossFault, rate=st.sampled_from((0.1, 0.5)), seconds=seconds),
        st.builds(
            LatencyFault,
            between=sides,
            add=st.sampled_from((0.2, 1.0)),
            jitter=st.sampled_from((0.0, 0.1)),
            seconds=seconds,
        ),
        # One choice for the three watch faults, so that the other faults keep their share.
        st.one_of(watch_faults(nodes)),
    ]
    return st.one_of(choices)


def watch_faults(nodes: tuple[str, ...]) -> list[st.SearchStrategy[Fault]]:
    """Late watch events of one watcher, its watches dropped, a lagging watch cache."""
    watcher = st.sampled_from((*WATCHERS, *nodes))
    delay = st.sampled_from(WATCH_DELAYS)
    seconds = st.sampled_from(SECONDS)
    return [
        st.builds(WatchDelayFault, component=watcher, add=delay, seconds=seconds),
        st.builds(WatchDropFault, component=watcher),
        st.builds(StaleReadsFault, lag=delay, seconds=seconds),
    ]


def fault_schedules(
    nodes: tuple[str, ...], max_size: int | None = None
) -> st.SearchStrategy[list[tuple[float, Fault]]]:
    """Faults with the simulated second each starts at, in time order; at most `max_size`, by
    default as many as the loaded profile allows (`profiles.fault_schedule_length`)."""
    timed = st.tuples(st.sampled_from((0.0, 10.0, 60.0)), faults(nodes))

    def schedules() -> st.SearchStrategy[list[tuple[float, Fault]]]:
        longest = fault_schedule_length() if max_size is None else max_size
        return st.lists(timed, max_size=longest).map(lambda items: sorted(items, key=_start))

    # Deferred: the profile is read when the strategy is first drawn from, not when it is built.
    return st.deferred(schedules)


def _start(item: tuple[float, Fault]) -> float:
    return item[0]
