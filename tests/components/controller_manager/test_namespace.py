"""namespace-controller end to end: a deleted namespace is emptied, reports its progress in
conditions, and goes once its `kubernetes` finalizer is released."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Namespace, NamespaceCondition
from k8s_actors.api.objects.config import ConfigMap, Secret
from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.machinery import DeleteOptions
from k8s_actors.api.objects.pod import Pod, PodSpec
from k8s_actors.api.registry import REGISTRY
from k8s_actors.client import Forbidden, NotFound
from k8s_actors.components.controller_manager import ControllerFactory, ControllerManager
from k8s_actors.components.controller_manager.garbagecollector import GarbageCollector
from k8s_actors.components.controller_manager.namespace import NamespaceController
from k8s_actors.components.controller_manager.namespace_conditions import (
    CONDITION_TYPES,
    ContentTotals,
    ResourceRemaining,
    deletion_conditions,
    update_conditions,
)
from k8s_actors.kernel import ActorSpec, run
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import ClusterSpec
from tests.components.conftest import deployment

NS: tuple[str, ControllerFactory] = ("namespace-controller", NamespaceController)
GC: tuple[str, ControllerFactory] = ("garbage-collector-controller", GarbageCollector)


# A finalizer of some other controller: it keeps the namespace readable after our finalizer
# went, so that the tests can look at its conditions and finalizers at the end.
AUDIT = "example.com/audit"


def in_cluster(body: Callable[[Cluster], Awaitable[None]], *, held: bool = False) -> None:
    async def main() -> None:
        async with Cluster(seed=3, spec=ClusterSpec(controller_managers=0)) as cluster:
            await cluster.supervisor.start(
                ActorSpec(
                    "kube-controller-manager", lambda: ControllerManager(controllers=[NS, GC])
                )
            )
            await cluster.advance(2.0)
            finalizers = (AUDIT,) if held else ()
            await cluster.create(Namespace(metadata=ObjectMeta(name="shop", finalizers=finalizers)))
            await body(cluster)

    run(main)


def pod(name: str, *, node: str = "", finalizers: tuple[str, ...] = ()) -> Pod:
    return Pod(
        metadata=ObjectMeta(name=name, namespace="shop", finalizers=finalizers),
        spec=PodSpec(containers=(Container(name="app", image="nginx:1.25"),), node_name=node),
    )


def conditions(namespace: Any) -> dict[str, tuple[str, str, str]]:
    return {c.type: (c.status, c.reason, c.message) for c in namespace.status.conditions}


async def gone(cluster: Cluster) -> bool:
    try:
        await cluster.get("ns", "", "shop")
    except NotFound:
        return True
    return False


def records(cluster: Cluster, event: str) -> list[dict[str, Any]]:
    found = [json.loads(line) for line in cluster.lines]
    return [record for record in found if record["event"] == event]


def test_deleting_a_namespace_removes_its_content_then_the_namespace() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(ConfigMap(metadata=ObjectMeta(name="settings", namespace="shop")))
        await cluster.create(Secret(metadata=ObjectMeta(name="token", namespace="shop")))
        await cluster.create(deployment("web"), namespace="shop")
        await cluster.create(pod("loose"))
        await cluster.delete("ns", "", "shop")
        marked = await cluster.get("ns", "", "shop")
        assert marked.status.phase == "Terminating"
        assert marked.spec.finalizers == ("kubernetes",)

        assert await cluster.wait_for(lambda: gone(cluster), timeout=10.0, poll=0.5)
        for kind in ("cm", "secrets", "deploy", "pods"):
            assert await cluster.list(kind, "shop") == []
        deleted = {r["resource"] for r in records(cluster, "namespace_content_deleted")}
        assert {"configmaps", "secrets", "deployments.apps", "pods"} <= deleted
        # Conditions were all written in their "ok" form.
        updated = records(cluster, "namespace_conditions_updated")[-1]
        assert updated["conditions"] == dict.fromkeys(CONDITION_TYPES, "False")

    in_cluster(body)


def test_the_kubernetes_finalizer_is_released_through_the_finalize_subresource() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(ConfigMap(metadata=ObjectMeta(name="settings", namespace="shop")))
        await cluster.delete("ns", "", "shop")
        await cluster.advance(6.0)
        namespace = await cluster.get("ns", "", "shop")
        assert namespace.spec.finalizers == ()  # ours is gone, the other one holds it
        assert namespace.metadata.finalizers == (AUDIT,)
        assert set(conditions(namespace)) == set(CONDITION_TYPES)
        (finalized,) = records(cluster, "namespace_finalized")
        assert finalized["finalizers"] == []
        await cluster.patch("ns", "", "shop", {"metadata": {"finalizers": None}})
        assert await gone(cluster)

    in_cluster(body, held=True)


def test_a_namespace_survives_its_condition_updates_until_finalized() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(pod("stuck", node="node-1"))
        await cluster.delete("ns", "", "shop")
        await cluster.advance(6.0)
        namespace = await cluster.get("ns", "", "shop")
        assert namespace.status.conditions

    in_cluster(body)


def test_terminating_pods_are_reported_and_waited_for() -> None:
    async def body(cluster: Cluster) -> None:
        # Bound pods keep their 30 s of grace: without a kubelet they stay Terminating.
        for name in ("web-a", "web-b"):
            await cluster.create(pod(name, node="node-1"))
        await cluster.delete("ns", "", "shop")
        await cluster.advance(6.0)

        namespace = await cluster.get("ns", "", "shop")
        seen = conditions(namespace)
        assert seen["NamespaceContentRemaining"] == (
            "True",
            "SomeResourcesRemain",
            "Some resources are remaining: pods. has 2 resource instances",
        )
        assert seen["NamespaceDeletionContentFailure"] == (
            "False",
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization",
        )
        assert seen["NamespaceDeletionDiscoveryFailure"][1] == "ResourcesDiscovered"
        assert seen["NamespaceFinalizersRemaining"] == (
            "False",
            "ContentRemoved",
            "All content successfully removed",
        )
        # The estimate is the pods' 30 s grace: look again after 30 / 2 + 1 seconds.
        remaining = records(cluster, "namespace_content_remaining")[0]
        assert (remaining["estimate"], remaining["retry_in"]) == (30, 16)

        await cluster.advance(10.0)
        assert (await cluster.get("ns", "", "shop")).spec.finalizers == ("kubernetes",)
        for name in ("web-a", "web-b"):  # the kubelet confirms the containers stopped
            options = DeleteOptions(grace_period_seconds=0)
            await cluster.delete("pods", "shop", name, options)
        await cluster.advance(20.0)
        namespace = await cluster.get("ns", "", "shop")
        assert namespace.spec.finalizers == ()
        assert conditions(namespace)["NamespaceContentRemaining"][:2] == ("False", "ContentRemoved")

    in_cluster(body, held=True)


def test_content_held_by_finalizers_is_reported_per_finalizer() -> None:
    async def body(cluster: Cluster) -> None:
        held = ConfigMap(
            metadata=ObjectMeta(name="held", namespace="shop", finalizers=("example.com/hold",))
        )
        await cluster.create(held)
        await cluster.delete("ns", "", "shop")
        await cluster.advance(6.0)
        seen = conditions(await cluster.get("ns", "", "shop"))
        assert seen["NamespaceFinalizersRemaining"] == (
            "True",
            "SomeFinalizerRemain",
            "Some finalizers are remaining: example.com/hold in 1 resource instances",
        )
        assert seen["NamespaceContentRemaining"][2] == (
            "Some resources are remaining: configmaps. has 1 resource instances"
        )
        assert records(cluster, "namespace_content_remaining")[0]["retry_in"] == 8

        await cluster.patch("cm", "shop", "held", {"metadata": {"finalizers": None}})
        await cluster.advance(9.0)
        assert (await cluster.get("ns", "", "shop")).spec.finalizers == ()

    in_cluster(body, held=True)


def test_creating_in_a_terminating_namespace_is_forbidden() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(pod("stuck", node="node-1"))  # keeps the namespace terminating
        await cluster.delete("ns", "", "shop")
        with pytest.raises(Forbidden) as refused:
            await cluster.create(ConfigMap(metadata=ObjectMeta(name="late", namespace="shop")))
        assert refused.value.code == 403
        assert str(refused.value) == (
            'configmaps "late" is forbidden: unable to create new content in namespace shop '
            "because it is being terminated"
        )

    in_cluster(body, held=True)


@pytest.mark.parametrize("name", ["default", "kube-system"])
def test_the_initial_namespaces_cannot_be_deleted(name: str) -> None:
    async def body(cluster: Cluster) -> None:
        with pytest.raises(Forbidden) as refused:
            await cluster.delete("ns", "", name)
        assert "this namespace may not be deleted" in str(refused.value)
        await cluster.advance(6.0)
        assert (await cluster.get("ns", "", name)).metadata.deletion_timestamp is None

    in_cluster(body)


# -- the conditions, directly ---------------------------------------------------------------------


def test_conditions_list_every_deleter_type_in_its_ok_form_when_nothing_fails() -> None:
    written, changed = update_conditions((), deletion_conditions("", [], ContentTotals()), "T0")
    assert changed
    assert [(c.type, c.status, c.reason) for c in written] == [
        ("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered"),
        ("NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions"),
        ("NamespaceDeletionContentFailure", "False", "ContentDeleted"),
        ("NamespaceContentRemaining", "False", "ContentRemoved"),
        ("NamespaceFinalizersRemaining", "False", "ContentRemoved"),
    ]
    assert update_conditions(written, [], "T1") == (written, False)


def test_a_condition_transition_time_moves_only_when_its_status_changes() -> None:
    totals = ContentTotals()
    totals.add(REGISTRY.for_name("pods"), ResourceRemaining(30, 2))
    first, _ = update_conditions((), deletion_conditions("", [], totals), "T0")
    totals.add(REGISTRY.for_name("pods"), ResourceRemaining(30, 1))
    second, changed = update_conditions(first, deletion_conditions("", [], totals), "T1")
    remaining = next(c for c in second if c.type == "NamespaceContentRemaining")
    assert changed and remaining.last_transition_time == "T0"  # message only
    assert remaining.message == "Some resources are remaining: pods. has 1 resource instances"
    third, _ = update_conditions(second, deletion_conditions("", [], ContentTotals()), "T2")
    cleared = next(c for c in third if c.type == "NamespaceContentRemaining")
    assert (cleared.status, cleared.last_transition_time) == ("False", "T2")


def test_deletion_errors_and_other_conditions_are_kept() -> None:
    foreign = NamespaceCondition(type="Custom", status="True")
    errors = ["b failed", "a failed"]
    written, _ = update_conditions(
        (foreign,), deletion_conditions("", errors, ContentTotals()), "T"
    )
    assert written[0] == foreign
    failure = next(c for c in written if c.type == "NamespaceDeletionContentFailure")
    assert (failure.reason, failure.message) == (
        "ContentDeletionFailed",
        "Failed to delete all resource types, 2 remaining: a failed, b failed",
    )
