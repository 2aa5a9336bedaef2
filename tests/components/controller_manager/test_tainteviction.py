"""taint-eviction-controller: pods leave nodes with NoExecute taints they do not tolerate, at
once or when their tolerationSeconds run out; removing the taint cancels the deletion."""

from __future__ import annotations

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Node, NodeSpec
from k8s_actors.api.objects.scheduling import Taint, Toleration
from k8s_actors.client import NotFound
from k8s_actors.components.controller_manager.tainteviction import (
    matching_tolerations,
    min_toleration_seconds,
)
from k8s_actors.scenario.cluster import Cluster
from tests.components.controller_manager.test_nodelifecycle import (
    EVICTION,
    conditions_of,
    events,
    in_cluster,
    records,
    running_pod,
)

MAINTENANCE = Taint(key="example.com/maintenance", effect="NoExecute", value="yes")


def toleration(seconds: int | None = None, **fields: str) -> Toleration:
    defaults = {"key": MAINTENANCE.key, "operator": "Exists", "effect": "NoExecute"}
    return Toleration(**{**defaults, **fields}, toleration_seconds=seconds)


async def tainted(cluster: Cluster, name: str, *taints: Taint) -> None:
    """Put `taints` on node `name` (creating it when absent)."""
    try:
        node = await cluster.get("nodes", "", name)
    except NotFound:
        await cluster.create(Node(metadata=ObjectMeta(name=name), spec=NodeSpec(taints=taints)))
        return
    body = [{"key": t.key, "value": t.value, "effect": t.effect} for t in taints]
    await cluster.patch("nodes", "", node.metadata.name, {"spec": {"taints": body}})


async def deleting(cluster: Cluster, name: str) -> bool:
    pod = await cluster.get("pods", "default", name)
    return pod.metadata.deletion_timestamp is not None


# -- tolerations ------------------------------------------------------------------------------


def test_a_toleration_matches_key_effect_and_value_as_kubernetes_does() -> None:
    assert toleration().tolerates(MAINTENANCE)
    assert Toleration(operator="Exists").tolerates(MAINTENANCE)  # empty key: every taint
    assert toleration(operator="Equal", value="yes").tolerates(MAINTENANCE)
    assert not toleration(operator="Equal", value="no").tolerates(MAINTENANCE)
    assert not toleration(effect="NoSchedule").tolerates(MAINTENANCE)
    assert not toleration(key="other").tolerates(MAINTENANCE)


def test_the_shortest_matching_toleration_decides() -> None:
    other = Taint(key="other", effect="NoExecute")
    assert matching_tolerations([MAINTENANCE, other], [toleration(60)]) == (False, [])
    tolerated, used = matching_tolerations(
        [MAINTENANCE, other], [toleration(60), toleration(30, key="other")]
    )
    assert tolerated and min_toleration_seconds(used) == 30.0
    assert min_toleration_seconds([toleration()]) == -1.0  # no seconds: for ever
    assert min_toleration_seconds([toleration(-5)]) == 0.0
    assert min_toleration_seconds([]) == 0.0


# -- end to end -------------------------------------------------------------------------------


def test_a_pod_that_does_not_tolerate_the_taint_is_deleted_at_once() -> None:
    async def body(cluster: Cluster) -> None:
        await tainted(cluster, "n1")
        await running_pod(cluster, "web", "n1")
        await cluster.advance(1.0)
        assert not await deleting(cluster, "web")
        await tainted(cluster, "n1", MAINTENANCE)
        await cluster.advance(0.5)
        assert await deleting(cluster, "web")
        pod = await cluster.get("pods", "default", "web")
        assert conditions_of(pod)["DisruptionTarget"] == (
            "True",
            "DeletionByTaintManager",
            "Taint manager: deleting due to NoExecute taint",
        )
        (event,) = events(cluster, "TaintManagerEviction")
        assert event["message"] == "Marking for deletion Pod default/web"
        assert records(cluster, "taint_eviction_scheduled")[0]["fire_in"] == 0.0

    in_cluster(body, controllers=[EVICTION])


def test_a_pod_bound_to_a_tainted_node_is_deleted_at_once() -> None:
    async def body(cluster: Cluster) -> None:
        await tainted(cluster, "n1", MAINTENANCE)
        await cluster.advance(1.0)
        await running_pod(cluster, "late", "n1")
        await cluster.advance(0.5)
        assert await deleting(cluster, "late")

    in_cluster(body, controllers=[EVICTION])


def test_a_tolerating_pod_is_deleted_when_its_seconds_run_out() -> None:
    async def body(cluster: Cluster) -> None:
        await tainted(cluster, "n1")
        await running_pod(cluster, "web", "n1", tolerations=(toleration(60),))
        await cluster.advance(1.0)
        await tainted(cluster, "n1", MAINTENANCE)
        await cluster.advance(59.0)
        assert not await deleting(cluster, "web")
        await cluster.advance(1.5)
        assert await deleting(cluster, "web")

    in_cluster(body, controllers=[EVICTION])


def test_removing_the_taint_cancels_the_deletion() -> None:
    async def body(cluster: Cluster) -> None:
        await tainted(cluster, "n1")
        await running_pod(cluster, "web", "n1", tolerations=(toleration(60),))
        await cluster.advance(1.0)
        await tainted(cluster, "n1", MAINTENANCE)
        await cluster.advance(30.0)
        await tainted(cluster, "n1")
        await cluster.advance(60.0)
        assert not await deleting(cluster, "web")
        messages = [e["message"] for e in events(cluster, "TaintManagerEviction")]
        assert messages == ["Cancelling deletion of Pod default/web"]
        assert len(records(cluster, "taint_eviction_cancelled")) == 1

    in_cluster(body, controllers=[EVICTION])


def test_a_toleration_without_seconds_keeps_the_pod_for_ever() -> None:
    async def body(cluster: Cluster) -> None:
        await tainted(cluster, "n1", MAINTENANCE)
        await running_pod(cluster, "web", "n1", tolerations=(toleration(),))
        await cluster.advance(1000.0)
        assert not await deleting(cluster, "web")
        assert records(cluster, "taint_eviction_scheduled") == []

    in_cluster(body, controllers=[EVICTION])


def test_default_tolerations_give_pods_300_seconds_on_an_unreachable_node() -> None:
    async def body(cluster: Cluster) -> None:
        await tainted(cluster, "n1")
        await running_pod(cluster, "web", "n1")
        await cluster.advance(1.0)
        await tainted(
            cluster, "n1", Taint(key="node.kubernetes.io/unreachable", effect="NoExecute")
        )
        await cluster.advance(299.0)
        assert not await deleting(cluster, "web")
        await cluster.advance(1.5)
        assert await deleting(cluster, "web")

    in_cluster(body, controllers=[EVICTION])
