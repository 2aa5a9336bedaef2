"""End to end: etcd + kube-apiserver + kube-scheduler, with Node objects created directly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from k8s_actors.api.objects.machinery import DeleteOptions
from k8s_actors.api.objects.scheduling import Taint, Toleration
from k8s_actors.kernel import run
from k8s_actors.scenario.cluster import Cluster
from tests.components.scheduler.builders import node, pod, priority_class


def on_cluster(body: Callable[[Cluster], Awaitable[Any]], seed: int = 1) -> Any:
    async def main() -> Any:
        async with Cluster(seed=seed) as cluster:
            return await body(cluster)

    return run(main)


async def node_of(cluster: Cluster, name: str) -> str:
    found = await cluster.get("pods", "default", name)
    return str(found.spec.node_name)


async def events_of(cluster: Cluster, reason: str) -> list[Any]:
    return [e for e in await cluster.list("events", "default") if e.reason == reason]


def test_pod_is_bound_to_the_least_allocated_node() -> None:
    """Of a busy and an idle node, the pod goes to the idle one, with a Scheduled event."""

    async def body(cluster: Cluster) -> tuple[str, list[str]]:
        await cluster.create(node("node-1"))
        await cluster.create(node("node-2"))
        await cluster.create(pod("busy", {"cpu": "3"}, node_name="node-1"))
        await cluster.advance(1)
        await cluster.create(pod("x", {"cpu": "500m", "memory": "256Mi"}))
        await cluster.advance(2)
        messages = [e.message for e in await events_of(cluster, "Scheduled")]
        return await node_of(cluster, "x"), messages

    where, messages = on_cluster(body)
    assert where == "node-2"
    assert messages == ["Successfully assigned default/x to node-2"]


def test_unschedulable_pod_fits_once_a_node_is_added() -> None:
    """FailedScheduling with Kubernetes' message and condition, then bound after a NodeAdd."""

    async def body(cluster: Cluster) -> tuple[Any, ...]:
        await cluster.create(node("node-1", {"cpu": "1"}))
        await cluster.create(pod("big", {"cpu": "2"}))
        await cluster.advance(3)
        pending = await cluster.get("pods", "default", "big")
        failed = [e.message for e in await events_of(cluster, "FailedScheduling")]
        await cluster.create(node("node-2", {"cpu": "4"}))
        await cluster.advance(3)
        return pending, failed, await node_of(cluster, "big")

    pending, failed, where = on_cluster(body)
    message = (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod.."
    )
    assert failed == [message]
    (condition,) = [c for c in pending.status.conditions if c.type == "PodScheduled"]
    assert (condition.status, condition.reason, condition.message) == (
        "False",
        "Unschedulable",
        message,
    )
    assert where == "node-2"


def test_taints_are_respected() -> None:
    """A control-plane taint keeps pods off unless they tolerate it."""

    async def body(cluster: Cluster) -> tuple[str, str, list[str]]:
        control = Taint(key="node-role.kubernetes.io/control-plane", effect="NoSchedule")
        await cluster.create(node("cp", taints=(control,)))
        await cluster.create(node("small", {"cpu": "1"}))
        await cluster.create(pod("plain", {"cpu": "2"}))
        tolerant = Toleration(key="node-role.kubernetes.io/control-plane", operator="Exists")
        await cluster.create(pod("tolerant", {"cpu": "2"}, tolerations=(tolerant,)))
        await cluster.advance(3)
        failed = [e.message for e in await events_of(cluster, "FailedScheduling")]
        return await node_of(cluster, "plain"), await node_of(cluster, "tolerant"), failed

    plain, tolerant, failed = on_cluster(body)
    assert plain == ""
    assert tolerant == "cp"
    assert failed[0] == (
        "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }. preemption: 0/2 nodes are available: "
        "1 No preemption victims found for incoming pod, "
        "1 Preemption is not helpful for scheduling.."
    )


def test_preemption_evicts_a_lower_priority_pod() -> None:
    """A high-priority pod that fits nowhere deletes the low-priority pod and takes its place."""

    async def body(cluster: Cluster) -> tuple[Any, ...]:
        await cluster.create(priority_class("high", 1000))
        await cluster.create(node("node-1", {"cpu": "2"}))
        await cluster.create(pod("low", {"cpu": "1500m"}, priority=0))
        await cluster.advance(2)
        low_node = await node_of(cluster, "low")
        await cluster.create(pod("high", {"cpu": "1500m"}, priority_class="high"))
        await cluster.advance(2)
        nominated = (await cluster.get("pods", "default", "high")).status.nominated_node_name
        victim = await cluster.get("pods", "default", "low")
        # No kubelet here: finish the victim's termination as its kubelet would.
        await cluster.delete("pods", "default", "low", DeleteOptions(grace_period_seconds=0))
        await cluster.advance(15)
        preempted = [e.message for e in await events_of(cluster, "Preempted")]
        return low_node, nominated, victim, await node_of(cluster, "high"), preempted

    low_node, nominated, victim, high_node, preempted = on_cluster(body)
    assert low_node == "node-1"
    assert nominated == "node-1"
    assert high_node == "node-1"
    assert victim.metadata.deletion_timestamp is not None
    (message,) = preempted
    assert message.startswith("Preempted by pod ") and message.endswith(" on node node-1")
