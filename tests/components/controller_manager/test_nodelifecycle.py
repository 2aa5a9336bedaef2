"""node-lifecycle-controller: silent nodes turn Unknown, get tainted, lose the taints when back;
zones in full disruption stop the tainting. The builders here serve the taint eviction tests too.

No kubelet runs: the tests create Node objects, renew their Leases and post their status
themselves (`Nodes.run_for`), and stop doing so to simulate a dead node.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import (
    Lease,
    LeaseSpec,
    Node,
    NodeCondition,
    NodeSpec,
    NodeStatus,
)
from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import Pod, PodCondition, PodSpec, PodStatus
from k8s_actors.api.objects.scheduling import Taint
from k8s_actors.components.controller_manager import ControllerFactory, ControllerManager
from k8s_actors.components.controller_manager.nodelifecycle import NodeLifecycleController
from k8s_actors.components.controller_manager.nodelifecycle_zones import (
    FULL_DISRUPTION,
    NORMAL,
    PARTIAL_DISRUPTION,
    NodeHealth,
    RateLimitedTimedQueue,
    compute_zone_state,
    merge_taints,
    no_schedule_taints,
    observe_health,
    unknown_conditions,
    zone_key,
    zone_qps,
)
from k8s_actors.components.controller_manager.tainteviction import TaintEvictionController
from k8s_actors.kernel import ActorSpec, Clock, run
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import ClusterSpec

LIFECYCLE: tuple[str, ControllerFactory] = ("node-lifecycle-controller", NodeLifecycleController)
EVICTION: tuple[str, ControllerFactory] = ("taint-eviction-controller", TaintEvictionController)
RENEW_INTERVAL = 10.0
# Timestamps of the default virtual epoch (2025-01-01T00:00:00Z) as seconds.
PARSE = Clock().parse_timestamp


def in_cluster(
    body: Callable[[Cluster], Awaitable[None]],
    controllers: list[tuple[str, ControllerFactory]] | None = None,
    settings: dict[str, Any] | None = None,
) -> None:
    chosen = controllers if controllers is not None else [LIFECYCLE, EVICTION]

    async def main() -> None:
        async with Cluster(seed=7, spec=ClusterSpec(controller_managers=0)) as cluster:
            await cluster.supervisor.start(
                ActorSpec(
                    "kube-controller-manager",
                    lambda: ControllerManager(controllers=chosen, settings=settings),
                )
            )
            await cluster.advance(1.0)
            await body(cluster)

    run(main)


def ready_condition(stamp: str, status: str = "True") -> NodeCondition:
    reason = "KubeletReady" if status == "True" else "KubeletNotReady"
    return NodeCondition(
        type="Ready",
        status=status,
        reason=reason,
        message="kubelet is posting ready status",
        last_heartbeat_time=stamp,
        last_transition_time=stamp,
    )


@dataclass
class Nodes:
    """The test's stand-in for kubelets: registers nodes and keeps the live ones' Leases fresh."""

    cluster: Cluster
    alive: dict[str, None] = field(default_factory=dict)

    async def add(self, name: str, labels: dict[str, str] | None = None) -> Node:
        stamp = self.cluster.clock.timestamp()
        node = Node(
            metadata=ObjectMeta(name=name, labels=labels or {}),
            status=NodeStatus(conditions=(ready_condition(stamp),)),
        )
        created: Node = await self.cluster.create(node)
        lease = Lease(
            metadata=ObjectMeta(name=name, namespace="kube-node-lease"),
            spec=LeaseSpec(
                holder_identity=name,
                lease_duration_seconds=40,
                renew_time=self.cluster.clock.micro_timestamp(),
            ),
        )
        await self.cluster.create(lease)
        self.alive[name] = None
        return created

    async def renew(self) -> None:
        for name in self.alive:
            renew = {"spec": {"renewTime": self.cluster.clock.micro_timestamp()}}
            await self.cluster.patch("leases", "kube-node-lease", name, renew)

    async def run_for(self, seconds: float) -> None:
        """Advance time, renewing the live nodes' Leases every 10 s as a kubelet does."""
        deadline = self.cluster.now + seconds
        while self.cluster.now + RENEW_INTERVAL <= deadline:
            await self.renew()
            await self.cluster.advance(RENEW_INTERVAL)
        await self.renew()
        await self.cluster.advance(max(0.0, deadline - self.cluster.now))

    def kill(self, name: str) -> None:
        self.alive.pop(name, None)

    async def revive(self, name: str, status: str = "True") -> None:
        """The kubelet is back: it posts a fresh Ready condition and renews its Lease."""
        node = await self.cluster.get("nodes", "", name)
        stamp = self.cluster.clock.timestamp()
        fresh = NodeStatus(conditions=(ready_condition(stamp, status),))
        await self.cluster.update(
            Node(metadata=node.metadata, spec=node.spec, status=fresh), "status"
        )
        self.alive[name] = None


async def running_pod(cluster: Cluster, name: str, node: str, **spec: Any) -> Pod:
    """A pod bound to `node` whose status says Running and Ready."""
    container = Container(name="app", image="nginx:1.25")
    pod = Pod(
        metadata=ObjectMeta(name=name, namespace="default"),
        spec=PodSpec(containers=(container,), node_name=node, **spec),
    )
    created = await cluster.create(pod)
    stamp = cluster.clock.timestamp()
    status = PodStatus(
        phase="Running",
        conditions=(PodCondition(type="Ready", status="True", last_transition_time=stamp),),
    )
    updated: Pod = await cluster.update(
        Pod(metadata=created.metadata, spec=created.spec, status=status), "status"
    )
    return updated


def records(cluster: Cluster, event: str) -> list[dict[str, Any]]:
    found = [json.loads(line) for line in cluster.lines]
    return [record for record in found if record["event"] == event]


def events(cluster: Cluster, reason: str) -> list[dict[str, Any]]:
    return [r for r in records(cluster, "event_recorded") if r["reason"] == reason]


def taints_of(node: Node) -> list[str]:
    return sorted(f"{t.key}:{t.effect}" for t in node.spec.taints)


def conditions_of(obj: Any) -> dict[str, tuple[str, str, str]]:
    return {c.type: (c.status, c.reason, c.message) for c in obj.status.conditions}


def pod_ready(pod: Pod) -> str:
    return next(c.status for c in pod.status.conditions if c.type == "Ready")


# -- pure core --------------------------------------------------------------------------------


def test_zone_state_follows_the_share_of_not_ready_nodes() -> None:
    assert compute_zone_state(["True", "True"], 0.55) == (0, NORMAL)
    assert compute_zone_state(["Unknown", "False"], 0.55) == (2, FULL_DISRUPTION)
    # More than two not ready and at least 55 %: partial disruption.
    assert compute_zone_state(["True", "False", "False", "Unknown"], 0.55) == (
        3,
        PARTIAL_DISRUPTION,
    )
    # Two not ready out of three is more than 55 %, but not more than two nodes.
    assert compute_zone_state(["True", "False", None], 0.55) == (2, NORMAL)
    assert compute_zone_state(["True"] * 3 + ["False"] * 3, 0.55) == (3, NORMAL)


def test_zone_rates_slow_down_only_large_partially_disrupted_zones() -> None:
    def rate(state: str, size: int) -> float:
        return zone_qps(
            state, size, eviction_qps=0.1, secondary_qps=0.01, large_cluster_threshold=50
        )

    assert rate(NORMAL, 10) == 0.1
    assert rate(FULL_DISRUPTION, 10) == 0.1
    assert rate(PARTIAL_DISRUPTION, 51) == 0.01
    assert rate(PARTIAL_DISRUPTION, 50) == 0.0


def test_zone_key_joins_region_and_zone_labels() -> None:
    assert zone_key({}) == ""
    labels = {"topology.kubernetes.io/region": "eu", "topology.kubernetes.io/zone": "eu-1a"}
    assert zone_key(labels) == "eu:\x00:eu-1a"
    assert zone_key({"failure-domain.beta.kubernetes.io/zone": "b"}) == ":\x00:b"


def test_the_tainting_queue_takes_one_node_per_token() -> None:
    queue = RateLimitedTimedQueue(0.1, now=0.0)
    for name in ("a", "b"):
        assert queue.add(name, name, 0.0)
    assert not queue.add("a", "a", 0.0)  # already queued
    first = queue.next_due(0.0)
    assert first is not None and first.value == "a"
    queue.finish(first, True, 0.0, 0.0)
    assert queue.next_due(5.0) is None  # the bucket refills one token in 10 s
    second = queue.next_due(10.0)
    assert second is not None and second.value == "b"
    queue.finish(second, True, 0.0, 10.0)
    assert not queue.add("a", "a", 20.0)  # processed values stay known until removed
    assert queue.remove("a") and queue.add("a", "a", 20.0)


def test_a_zero_rate_never_lets_a_node_through() -> None:
    queue = RateLimitedTimedQueue(0.1, now=0.0)
    queue.add("a", "a", 0.0)
    queue.swap_limiter(0.0, 0.0)
    assert queue.next_due(1000.0) is None
    # Leaving the zero rate starts from an empty bucket, as SwapLimiter drains the new one
    # when the old one refused.
    queue.swap_limiter(0.1, 1000.0)
    assert queue.next_due(1000.0) is None
    assert queue.next_due(1010.0) is not None


def test_health_probe_moves_with_lease_renewals_only() -> None:
    node = Node(
        metadata=ObjectMeta(name="n", creation_timestamp="2025-01-01T00:00:00Z"),
        status=NodeStatus(conditions=(ready_condition("2025-01-01T00:00:00Z"),)),
    )
    lease = Lease(spec=LeaseSpec(renew_time="2025-01-01T00:00:10.000000Z"))
    first = observe_health(node, None, lease, 12.0, PARSE)
    assert (first.probe_timestamp, first.ready_transition) == (12.0, 12.0)
    same = observe_health(node, first, lease, 20.0, PARSE)
    assert same.probe_timestamp == 12.0
    later = Lease(spec=LeaseSpec(renew_time="2025-01-01T00:00:20.000000Z"))
    renewed = observe_health(node, same, later, 25.0, PARSE)
    assert renewed.probe_timestamp == 25.0


def test_a_node_that_never_posted_is_dated_from_its_creation() -> None:
    node = Node(metadata=ObjectMeta(name="n", creation_timestamp="2025-01-01T00:00:30Z"))
    health = observe_health(node, None, None, 50.0, PARSE)
    assert health == NodeHealth(30.0, 30.0, node.status)
    conditions = {c.type: c for c in unknown_conditions(node, "2025-01-01T00:01:40Z")}
    assert sorted(conditions) == ["DiskPressure", "MemoryPressure", "PIDPressure", "Ready"]
    ready = conditions["Ready"]
    assert (ready.status, ready.reason, ready.message) == (
        "Unknown",
        "NodeStatusNeverUpdated",
        "Kubelet never posted node status.",
    )
    assert ready.last_heartbeat_time == "2025-01-01T00:00:30Z"


def test_no_schedule_taints_follow_conditions_and_unschedulable() -> None:
    node = Node(
        status=NodeStatus(
            conditions=(
                NodeCondition(type="Ready", status="Unknown"),
                NodeCondition(type="MemoryPressure", status="True"),
                NodeCondition(type="DiskPressure", status="False"),
            )
        )
    )
    node = Node(spec=NodeSpec(unschedulable=True), status=node.status)
    assert [t.key for t in no_schedule_taints(node)] == [
        "node.kubernetes.io/unreachable",
        "node.kubernetes.io/memory-pressure",
        "node.kubernetes.io/unschedulable",
    ]
    kept = Taint(key="example.com/x", effect="NoSchedule")
    old = Taint(key="node.kubernetes.io/not-ready", effect="NoExecute")
    new = Taint(key="node.kubernetes.io/unreachable", effect="NoExecute", time_added="t")
    assert merge_taints((kept, old), [new], [old]) == (kept, new)


# -- end to end -------------------------------------------------------------------------------


def test_a_silent_node_turns_unknown_gets_tainted_and_its_pods_go() -> None:
    async def body(cluster: Cluster) -> None:
        nodes = Nodes(cluster)
        await nodes.add("n1")
        await nodes.add("n2")
        await running_pod(cluster, "web", "n2")
        await nodes.run_for(20.0)
        nodes.kill("n2")
        last_renewal = cluster.now  # run_for renewed the Leases as it ended
        await nodes.run_for(40.0)
        node = await cluster.get("nodes", "", "n2")
        assert conditions_of(node)["Ready"][0] == "True"  # within the 50 s grace period

        await nodes.run_for(30.0)
        node = await cluster.get("nodes", "", "n2")
        unknown = ("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
        assert conditions_of(node)["Ready"] == unknown
        assert taints_of(node) == [
            "node.kubernetes.io/unreachable:NoExecute",
            "node.kubernetes.io/unreachable:NoSchedule",
        ]
        (marked,) = records(cluster, "node_health_unknown")
        assert 50.0 < marked["t"] - last_renewal <= 60.0
        assert [e["name"] for e in events(cluster, "NodeNotReady")] == ["n2", "web"]
        pod = await cluster.get("pods", "default", "web")
        assert pod_ready(pod) == "False"
        healthy = await cluster.get("nodes", "", "n1")
        assert taints_of(healthy) == []

        (scheduled,) = records(cluster, "taint_eviction_scheduled")
        assert scheduled["fire_in"] == 300.0
        await nodes.run_for(scheduled["t"] + 299.0 - cluster.now)
        pod = await cluster.get("pods", "default", "web")
        assert pod.metadata.deletion_timestamp is None
        await nodes.run_for(2.0)
        pod = await cluster.get("pods", "default", "web")
        assert pod.metadata.deletion_timestamp is not None
        assert conditions_of(pod)["DisruptionTarget"][1] == "DeletionByTaintManager"

    in_cluster(body)


def test_a_node_that_comes_back_loses_its_taints() -> None:
    async def body(cluster: Cluster) -> None:
        nodes = Nodes(cluster)
        await nodes.add("n1")
        await nodes.add("n2")
        nodes.kill("n2")
        await nodes.run_for(70.0)
        node = await cluster.get("nodes", "", "n2")
        assert "node.kubernetes.io/unreachable:NoExecute" in taints_of(node)

        await nodes.revive("n2")
        await nodes.run_for(10.0)
        node = await cluster.get("nodes", "", "n2")
        assert conditions_of(node)["Ready"][0] == "True"
        assert taints_of(node) == []

    in_cluster(body)


def test_a_not_ready_node_gets_the_not_ready_taints() -> None:
    async def body(cluster: Cluster) -> None:
        nodes = Nodes(cluster)
        await nodes.add("n1")
        await nodes.add("n2")
        await nodes.run_for(10.0)
        await nodes.revive("n2", status="False")
        await nodes.run_for(10.0)
        node = await cluster.get("nodes", "", "n2")
        assert taints_of(node) == [
            "node.kubernetes.io/not-ready:NoExecute",
            "node.kubernetes.io/not-ready:NoSchedule",
        ]

    in_cluster(body)


def test_a_node_that_never_posted_status_gets_the_startup_grace_period() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(Node(metadata=ObjectMeta(name="quiet")))
        await cluster.advance(55.0)
        node = await cluster.get("nodes", "", "quiet")
        assert node.status.conditions == ()
        await cluster.advance(10.0)
        node = await cluster.get("nodes", "", "quiet")
        never = ("Unknown", "NodeStatusNeverUpdated", "Kubelet never posted node status.")
        assert conditions_of(node)["Ready"] == never

    in_cluster(body, controllers=[LIFECYCLE])


def test_a_fully_disrupted_zone_is_not_tainted_and_keeps_its_pods() -> None:
    async def body(cluster: Cluster) -> None:
        nodes = Nodes(cluster)
        await nodes.add("n1")
        await nodes.add("n2")
        await running_pod(cluster, "web", "n1")
        nodes.kill("n1")
        nodes.kill("n2")
        await nodes.run_for(500.0)
        for name in ("n1", "n2"):
            node = await cluster.get("nodes", "", name)
            assert conditions_of(node)["Ready"][0] == "Unknown"
            assert "node.kubernetes.io/unreachable:NoExecute" not in taints_of(node)
        pod = await cluster.get("pods", "default", "web")
        assert pod.metadata.deletion_timestamp is None
        assert pod_ready(pod) == "False"
        assert len(records(cluster, "disruption_mode_entered")) == 1
        assert records(cluster, "zone_state_changed")[0]["new_state"] == NORMAL

    in_cluster(body)


def test_another_healthy_zone_keeps_the_tainting_going() -> None:
    async def body(cluster: Cluster) -> None:
        nodes = Nodes(cluster)
        await nodes.add("a1", {"topology.kubernetes.io/zone": "a"})
        await nodes.add("b1", {"topology.kubernetes.io/zone": "b"})
        nodes.kill("a1")
        await nodes.run_for(70.0)
        node = await cluster.get("nodes", "", "a1")
        assert "node.kubernetes.io/unreachable:NoExecute" in taints_of(node)
        states = {(r["zone"], r["new_state"]) for r in records(cluster, "zone_state_changed")}
        assert (":\x00:a", FULL_DISRUPTION) in states

    in_cluster(body)


def test_the_grace_period_is_a_setting() -> None:
    async def body(cluster: Cluster) -> None:
        nodes = Nodes(cluster)
        await nodes.add("n1")
        await nodes.add("n2")
        nodes.kill("n2")
        await nodes.run_for(25.0)
        node = await cluster.get("nodes", "", "n2")
        assert conditions_of(node)["Ready"][0] == "Unknown"

    in_cluster(body, settings={"nodeMonitorGracePeriod": 15.0})


def test_a_ready_post_within_the_not_ready_heartbeat_second_is_acted_on_at_once() -> None:
    """NotReady then Ready with one heartbeat (both posted within one second): the saved record
    keeps the NotReady status it first saw, but the monitoring pass decides on the Node's
    current Ready condition (tryUpdateNodeHealth's currentReadyCondition), so the taints go at
    once, and the Lease renewals keep the probe time fresh, so the node never turns Unknown."""

    async def body(cluster: Cluster) -> None:
        nodes = Nodes(cluster)
        await nodes.add("n1")
        await nodes.add("n2")
        await running_pod(cluster, "web", "n2")
        await nodes.run_for(10.0)
        stamp = cluster.clock.timestamp()
        await nodes.revive("n2", status="False")
        await nodes.run_for(6.0)
        node = await cluster.get("nodes", "", "n2")
        assert "node.kubernetes.io/not-ready:NoExecute" in taints_of(node)

        again = NodeStatus(conditions=(ready_condition(stamp),))
        await cluster.update(Node(metadata=node.metadata, spec=node.spec, status=again), "status")
        await nodes.run_for(6.0)
        node = await cluster.get("nodes", "", "n2")
        assert taints_of(node) == []
        await nodes.run_for(90.0)
        node = await cluster.get("nodes", "", "n2")
        assert conditions_of(node)["Ready"][0] == "True"
        assert taints_of(node) == []
        assert records(cluster, "node_health_unknown") == []
        assert events(cluster, "NodeNotReady") == []
        pod = await cluster.get("pods", "default", "web")
        assert pod_ready(pod) == "True"

    in_cluster(body)


def test_a_ready_heartbeat_in_the_same_second_keeps_the_saved_status_but_the_lease_probes() -> None:
    """tryUpdateNodeHealth refreshes its record only on a new heartbeat; a renewed Lease still
    moves the probe time, which alone decides whether the grace period ran out."""
    stamp = "2025-01-01T00:00:10Z"
    not_ready = Node(
        metadata=ObjectMeta(name="n", creation_timestamp="2025-01-01T00:00:00Z"),
        status=NodeStatus(conditions=(ready_condition(stamp, "False"),)),
    )
    lease = Lease(spec=LeaseSpec(renew_time="2025-01-01T00:00:10.000000Z"))
    saved = observe_health(not_ready, None, lease, 10.5, PARSE)
    ready = Node(
        metadata=not_ready.metadata, status=NodeStatus(conditions=(ready_condition(stamp),))
    )
    renewed = Lease(spec=LeaseSpec(renew_time="2025-01-01T00:00:20.000000Z"))
    health = observe_health(ready, saved, renewed, 20.5, PARSE)
    assert health.status == not_ready.status
    assert (health.probe_timestamp, health.ready_transition) == (20.5, 10.5)
