"""pod-garbage-collector-controller: terminated pods over the threshold, terminating pods on
out-of-service nodes, pods of deleted nodes (after a 40 s quarantine) and terminating unscheduled
pods are force-deleted, each first moved to phase Failed.

No kubelet runs: the tests create Nodes and Pods themselves; a finalizer keeps a force-deleted
pod readable, so that what the collector wrote before deleting it can be checked.
"""

from __future__ import annotations

import json
from typing import Any

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Node, NodeCondition, NodeSpec, NodeStatus
from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.machinery import DeleteOptions
from k8s_actors.api.objects.pod import Pod, PodSpec, PodStatus
from k8s_actors.api.objects.scheduling import Taint
from k8s_actors.client import NotFound
from k8s_actors.components.controller_manager import ControllerFactory
from k8s_actors.components.controller_manager.podgc import (
    OUT_OF_SERVICE_TAINT,
    PodGCController,
    Quarantine,
    deletion_order,
    out_of_service,
    terminated_surplus,
    terminating_out_of_service,
    unscheduled_terminating,
)
from k8s_actors.scenario.cluster import Cluster
from tests.components.controller_manager.test_nodelifecycle import (
    conditions_of,
    in_cluster,
    records,
    running_pod,
)

PODGC: tuple[str, ControllerFactory] = ("pod-garbage-collector-controller", PodGCController)
KEEP = "example.com/keep"  # a finalizer of the tests: the pod stays readable once deleted


def pod(
    name: str,
    phase: str = "Running",
    *,
    created: str = "2025-01-01T00:00:00Z",
    node: str = "n1",
    reason: str = "",
    deleting: bool = False,
) -> Pod:
    meta = ObjectMeta(
        name=name,
        namespace="default",
        creation_timestamp=created,
        deletion_timestamp="2025-01-01T00:01:00Z" if deleting else None,
    )
    return Pod(
        metadata=meta,
        spec=PodSpec(node_name=node),
        status=PodStatus(phase=phase, reason=reason),
    )


def node(name: str, ready: str = "True", *taint_keys: str) -> Node:
    taints = tuple(Taint(key=key, effect="NoExecute") for key in taint_keys)
    return Node(
        metadata=ObjectMeta(name=name),
        spec=NodeSpec(taints=taints),
        status=NodeStatus(conditions=(NodeCondition(type="Ready", status=ready),)),
    )


def names(pods: list[Pod]) -> list[str]:
    return [p.metadata.name for p in pods]


def with_podgc(body: Any, threshold: int = 12500) -> None:
    in_cluster(body, controllers=[PODGC], settings={"terminatedPodGCThreshold": threshold})


async def gone(cluster: Cluster, name: str) -> bool:
    try:
        await cluster.get("pods", "default", name)
    except NotFound:
        return True
    return False


async def kept_pod(cluster: Cluster, name: str, node_name: str = "") -> Pod:
    """A pod with the tests' finalizer; bound to `node_name` and Running when one is given."""
    container = Container(name="app", image="nginx:1.25")
    meta = ObjectMeta(name=name, namespace="default", finalizers=(KEEP,))
    spec = PodSpec(containers=(container,), node_name=node_name)
    created: Pod = await cluster.create(Pod(metadata=meta, spec=spec))
    if not node_name:
        return created
    running = Pod(metadata=created.metadata, spec=created.spec, status=PodStatus(phase="Running"))
    updated: Pod = await cluster.update(running, "status")
    return updated


async def finished_pod(cluster: Cluster, name: str, phase: str = "Succeeded") -> None:
    created = await running_pod(cluster, name, "n1")
    done = Pod(metadata=created.metadata, spec=created.spec, status=PodStatus(phase=phase))
    await cluster.update(done, "status")


async def read(cluster: Cluster, name: str) -> Pod:
    found: Pod = await cluster.get("pods", "default", name)
    return found


# -- the rules, pure ----------------------------------------------------------------------------


def test_deletion_order_is_evicted_first_then_oldest_then_by_name() -> None:
    pods = [
        pod("young", "Succeeded", created="2025-01-01T00:00:09Z"),
        pod("b-old", "Failed", created="2025-01-01T00:00:01Z"),
        pod("a-old", "Succeeded", created="2025-01-01T00:00:01Z"),
        pod("evicted", "Failed", created="2025-01-01T00:00:05Z", reason="Evicted"),
    ]
    assert names(deletion_order(pods)) == ["evicted", "a-old", "b-old", "young"]


def test_only_the_terminated_pods_beyond_the_threshold_are_chosen() -> None:
    pods = [
        pod("running", "Running", created="2025-01-01T00:00:00Z"),
        pod("pending", "Pending", created="2025-01-01T00:00:00Z"),
        pod("unknown", "Unknown", created="2025-01-01T00:00:00Z"),
        pod("done-1", "Succeeded", created="2025-01-01T00:00:01Z"),
        pod("done-2", "Failed", created="2025-01-01T00:00:02Z"),
        pod("done-3", "Succeeded", created="2025-01-01T00:00:03Z"),
    ]
    assert names(terminated_surplus(pods, 1)) == ["done-1", "done-2"]
    assert terminated_surplus(pods, 3) == []
    assert terminated_surplus(pods, 0) == []  # 0 switches the rule off


def test_a_node_is_out_of_service_when_not_ready_and_tainted_out_of_service() -> None:
    assert out_of_service(node("n1", "False", OUT_OF_SERVICE_TAINT))
    assert out_of_service(node("n1", "Unknown", OUT_OF_SERVICE_TAINT))
    assert not out_of_service(node("n1", "True", OUT_OF_SERVICE_TAINT))
    assert not out_of_service(node("n1", "False", "node.kubernetes.io/unreachable"))


def test_terminating_pods_go_only_from_out_of_service_nodes() -> None:
    nodes = {
        "down": node("down", "False", OUT_OF_SERVICE_TAINT),
        "up": node("up", "True", OUT_OF_SERVICE_TAINT),
    }
    pods = [
        pod("leaving", node="down", deleting=True),
        pod("staying", node="down"),
        pod("on-ready-node", node="up", deleting=True),
        pod("on-unknown-node", node="missing", deleting=True),
    ]
    assert names(terminating_out_of_service(pods, nodes)) == ["leaving"]


def test_unscheduled_terminating_pods_are_those_without_a_node() -> None:
    pods = [pod("a", node="", deleting=True), pod("b", node=""), pod("c", deleting=True)]
    assert names(unscheduled_terminating(pods)) == ["a"]


def test_a_quarantined_node_waits_40_seconds_from_its_first_add() -> None:
    quarantine = Quarantine()
    assert quarantine.add("n1", 0.0)
    assert not quarantine.add("n1", 20.0)  # a later add keeps the earlier time
    quarantine.promote(39.0)
    assert quarantine.take_ready() == []
    quarantine.promote(40.0)
    assert not quarantine.add("n1", 40.0)  # ready, not new: the add starts a second wait
    assert quarantine.take_ready() == ["n1"]
    assert quarantine.take_ready() == []
    quarantine.promote(79.0)
    assert quarantine.take_ready() == []
    quarantine.promote(80.0)
    assert quarantine.take_ready() == ["n1"]


# -- end to end -------------------------------------------------------------------------------


def test_terminated_pods_over_the_threshold_go_oldest_first() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(node("n1"))
        for name in ("first", "second", "third"):
            await finished_pod(cluster, name)
            await cluster.advance(1.0)
        await running_pod(cluster, "busy", "n1")
        await cluster.advance(21.0)
        assert [await gone(cluster, n) for n in ("first", "second", "third", "busy")] == [
            True,
            False,
            False,
            False,
        ]
        (record,) = records(cluster, "podgc_terminated_over_threshold")
        assert record["count"] == 1
        deleted = records(cluster, "podgc_pod_deleted")
        assert [(r["name"], r["reason"]) for r in deleted] == [("first", "terminated")]

    with_podgc(body, threshold=2)


def test_a_threshold_of_zero_keeps_every_terminated_pod() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(node("n1"))
        await finished_pod(cluster, "done", "Failed")
        await cluster.advance(41.0)
        assert not await gone(cluster, "done")
        assert records(cluster, "podgc_pod_deleted") == []

    with_podgc(body, threshold=0)


def test_pods_of_a_node_that_does_not_exist_go_after_the_quarantine() -> None:
    """Quarantined at the first pass that sees the pod, checked with a GET 40 s later: the pod
    is marked Failed with DisruptionTarget (DeletionByPodGC), then deleted with grace 0."""

    async def body(cluster: Cluster) -> None:
        await kept_pod(cluster, "orphan", "vanished")
        await cluster.advance(39.0)  # at most two passes so far: still in quarantine
        first = await read(cluster, "orphan")
        assert first.status.phase == "Running" and first.metadata.deletion_timestamp is None
        (quarantined,) = records(cluster, "podgc_node_quarantined")
        assert (quarantined["node"], quarantined["wait"]) == ("vanished", 40.0)
        await cluster.advance(21.0)
        orphan = await read(cluster, "orphan")
        assert orphan.status.phase == "Failed"
        assert conditions_of(orphan)["DisruptionTarget"] == (
            "True",
            "DeletionByPodGC",
            "PodGC: node no longer exists",
        )
        assert orphan.metadata.deletion_timestamp is not None
        assert orphan.metadata.deletion_grace_period_seconds == 0
        assert [r["node"] for r in records(cluster, "podgc_node_gone")] == ["vanished"]
        (deleted,) = records(cluster, "podgc_pod_deleted")
        assert (deleted["name"], deleted["reason"]) == ("orphan", "orphaned")

    with_podgc(body)


def test_a_node_that_appears_during_the_quarantine_keeps_its_pods() -> None:
    async def body(cluster: Cluster) -> None:
        await kept_pod(cluster, "early", "late-node")
        await cluster.advance(25.0)
        assert len(records(cluster, "podgc_node_quarantined")) == 1
        await cluster.create(node("late-node"))
        await cluster.advance(60.0)
        early = await read(cluster, "early")
        assert early.status.phase == "Running" and early.metadata.deletion_timestamp is None
        assert records(cluster, "podgc_node_gone") == []

    with_podgc(body)


def test_terminating_pods_on_an_out_of_service_node_are_force_deleted() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(node("down", "False", OUT_OF_SERVICE_TAINT))
        await cluster.create(node("up", "True", OUT_OF_SERVICE_TAINT))
        await kept_pod(cluster, "stuck", "down")
        await kept_pod(cluster, "healthy", "up")
        await kept_pod(cluster, "untouched", "down")
        for name in ("stuck", "healthy"):
            await cluster.delete("pods", "default", name, DeleteOptions(grace_period_seconds=30))
        await cluster.advance(21.0)
        stuck, healthy = await read(cluster, "stuck"), await read(cluster, "healthy")
        assert stuck.status.phase == "Failed"
        assert "DisruptionTarget" not in conditions_of(stuck)
        assert stuck.metadata.deletion_grace_period_seconds == 0
        assert healthy.status.phase == "Running"
        assert healthy.metadata.deletion_grace_period_seconds == 30
        assert (await read(cluster, "untouched")).metadata.deletion_timestamp is None
        deleted = records(cluster, "podgc_pod_deleted")
        assert [(r["name"], r["reason"]) for r in deleted] == [("stuck", "out-of-service")]

    with_podgc(body)


def test_a_terminating_pod_that_was_never_scheduled_is_force_deleted() -> None:
    async def body(cluster: Cluster) -> None:
        await kept_pod(cluster, "unscheduled")
        await cluster.delete("pods", "default", "unscheduled")
        await cluster.advance(21.0)
        unscheduled = await read(cluster, "unscheduled")
        assert unscheduled.status.phase == "Failed"
        deleted = records(cluster, "podgc_pod_deleted")
        assert [(r["name"], r["reason"]) for r in deleted] == [("unscheduled", "unscheduled")]

    with_podgc(body)


def test_a_pass_with_nothing_to_do_leaves_no_trace() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(node("n1"))
        await running_pod(cluster, "web", "n1")
        await cluster.advance(100.0)
        assert not [r for r in records_all(cluster) if r["event"].startswith("podgc_")]

    with_podgc(body)


def records_all(cluster: Cluster) -> list[dict[str, Any]]:
    return [json.loads(line) for line in cluster.lines]


def test_an_idle_collector_wakes_on_its_20_second_rhythm_when_work_appears() -> None:
    """After passes with nothing to do, a pod bound to a missing node (created at 31 s) is
    seen by the pass at start + 40 s, as by a loop that had woken every 20 s."""

    async def body(cluster: Cluster) -> None:
        await cluster.advance(30.0)
        await kept_pod(cluster, "orphan", "vanished")
        await cluster.advance(30.0)
        (started,) = records(cluster, "controllers_started")
        (quarantined,) = records(cluster, "podgc_node_quarantined")
        assert round(quarantined["t"] - started["t"], 6) == 40.0

    with_podgc(body)
