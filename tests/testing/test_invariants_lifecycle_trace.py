"""Each pod's steps appear in the trace in the what-happens-when order."""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing import invariants
from k8s_actors.testing.fixtures import open_cluster

POD = {"kind": "Pod", "namespace": "default", "name": "web", "uid": "p-1"}


def _records(*events: Step) -> list[dict[str, Any]]:
    return [
        {"seq": seq, "event": event, **POD, **fields}
        for seq, (event, fields) in enumerate(events, start=1)
    ]


Step = tuple[str, dict[str, Any]]
CREATED: Step = ("object_stored", {"verb": "create", "span_id": "s1"})
BINDING: Step = ("request_received", {"subresource": "binding", "span_id": "s2", "uid": ""})
BOUND: Step = ("object_stored", {"verb": "update", "span_id": "s2"})
SANDBOX: Step = ("cri_run_pod_sandbox", {})
NETWORK: Step = ("cni_add", {})
PULLED: Step = ("cri_pull_image", {})
CREATE: Step = ("cri_create_container", {})
START: Step = ("cri_start_container", {})
READY: Step = ("kubelet_status_updated", {"ready": "True"})


def test_the_steps_in_order_violate_nothing_even_without_a_pull() -> None:
    steps = (CREATED, BINDING, BOUND, SANDBOX, NETWORK, PULLED, CREATE, START, READY)
    assert invariants.pod_steps_in_order(_records(*steps)) == []
    assert invariants.pod_steps_in_order(_records(CREATED, SANDBOX, NETWORK, CREATE, START)) == []


def test_a_container_started_before_the_sandbox_is_reported() -> None:
    records = _records(CREATED, BINDING, BOUND, START, SANDBOX, NETWORK, READY)
    assert invariants.pod_steps_in_order(records) == [
        "pod_steps_in_order: pod default/web (p-1): sandbox (seq 5) after container_started "
        "(seq 4)",
        "pod_steps_in_order: pod default/web (p-1): network (seq 6) after container_started "
        "(seq 4)",
    ]


def test_a_pod_ready_before_it_was_bound_is_reported() -> None:
    records = _records(CREATED, READY, BINDING, BOUND)
    assert invariants.pod_steps_in_order(records) == [
        "pod_steps_in_order: pod default/web (p-1): bound (seq 4) after ready (seq 2)"
    ]


def test_trace_lines_are_read_once_across_calls() -> None:
    lines = [msgspec.json.encode(r) for r in _records(CREATED, START)]
    order = invariants.TraceOrder()
    assert invariants.pod_steps_in_order(lines, order) == []
    lines.append(msgspec.json.encode({"seq": 3, "event": "cni_add", **POD}))
    assert len(invariants.pod_steps_in_order(lines, order)) == 1
    assert invariants.pod_steps_in_order(lines, order) == []


def test_a_cluster_trace_follows_the_order_through_a_rollout() -> None:
    async def scenario(cluster: Cluster) -> tuple[list[str], int]:
        order = invariants.TraceOrder()
        await cluster.kubectl("create deployment web --image=nginx:1.24 --replicas=2")
        await cluster.advance(20)
        await cluster.kubectl("set image deployment/web nginx=nginx:1.25")
        await cluster.advance(60)
        violations = invariants.pod_steps_in_order(cluster, order)
        complete = [steps for steps in order.first.values() if len(steps) == 8]
        return violations, len(complete)

    with open_cluster() as driver:
        violations, complete = driver.call(scenario)
    assert violations == []
    assert complete >= 2  # pods that went through every step, pull included
