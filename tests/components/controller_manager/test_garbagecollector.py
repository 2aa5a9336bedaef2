"""garbage-collector-controller end to end: Background, Foreground and Orphan propagation,
dangling references and shared ownership, on a cluster running the collector."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.meta import ObjectMeta, OwnerReference
from k8s_actors.api.objects.cluster import Node
from k8s_actors.api.objects.config import ConfigMap
from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.machinery import DeleteOptions
from k8s_actors.api.objects.pod import Pod, PodSpec
from k8s_actors.api.objects.workloads import ReplicaSet
from k8s_actors.client import NotFound
from k8s_actors.components.controller_manager import ControllerFactory, ControllerManager
from k8s_actors.components.controller_manager.garbagecollector import (
    GarbageCollector,
    monitored_resources,
)
from k8s_actors.components.controller_manager.replicaset import ReplicaSetController
from k8s_actors.kernel import ActorSpec, run
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import ClusterSpec
from tests.components.conftest import deployment

GC: tuple[str, ControllerFactory] = ("garbage-collector-controller", GarbageCollector)
RS: tuple[str, ControllerFactory] = ("replicaset-controller", ReplicaSetController)

REPLICASET = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: NAME}
spec:
  replicas: 2
  selector: {matchLabels: {app: NAME}}
  template:
    metadata: {labels: {app: NAME}}
    spec:
      containers:
      - {name: nginx, image: "nginx:1.25"}
"""


def in_cluster(
    body: Callable[[Cluster], Awaitable[None]],
    controllers: list[tuple[str, ControllerFactory]] | None = None,
) -> None:
    """Run `body` on a cluster whose controller manager runs only `controllers`."""
    chosen = controllers if controllers is not None else [GC]

    async def main() -> None:
        async with Cluster(seed=7, spec=ClusterSpec(controller_managers=0)) as cluster:
            await cluster.supervisor.start(
                ActorSpec("kube-controller-manager", lambda: ControllerManager(controllers=chosen))
            )
            await cluster.advance(2.0)  # leader election and informer sync
            await body(cluster)

    run(main)


def owned_by(owner: Any, *, block: bool | None = True, controller: bool | None = True) -> Any:
    return OwnerReference(
        api_version=owner.api_version,
        kind=owner.kind,
        name=owner.metadata.name,
        uid=owner.metadata.uid,
        controller=controller,
        block_owner_deletion=block,
    )


def pod(name: str, *owners: OwnerReference, node: str = "", grace: int | None = None) -> Pod:
    return Pod(
        metadata=ObjectMeta(name=name, labels={"app": "web"}, owner_references=owners),
        spec=PodSpec(
            containers=(Container(name="app", image="nginx:1.25"),),
            node_name=node,
            termination_grace_period_seconds=grace,
        ),
    )


def configmap(name: str, *owners: OwnerReference) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, owner_references=owners))


def replicaset(name: str, *owners: OwnerReference) -> ReplicaSet:
    """A ReplicaSet of 2 replicas (`app: <name>`) owned by `owners`."""
    (obj,) = load_manifests(REPLICASET.replace("NAME", name))
    assert isinstance(obj, ReplicaSet)
    return msgspec.structs.replace(
        obj, metadata=msgspec.structs.replace(obj.metadata, owner_references=owners)
    )


async def exists(cluster: Cluster, kind: str, name: str) -> Any:
    try:
        return await cluster.get(kind, "default", name)
    except NotFound:
        return None


def records(cluster: Cluster, event: str) -> list[dict[str, Any]]:
    found = [json.loads(line) for line in cluster.lines]
    return [record for record in found if record["event"] == event]


def test_monitored_resources_cover_every_stored_kind_but_events() -> None:
    resources = {info.resource for info in monitored_resources()}
    assert {"pods", "replicasets", "deployments", "configmaps", "nodes", "namespaces"} <= resources
    assert {"services", "secrets", "serviceaccounts", "leases", "endpointslices"} <= resources
    assert "events" not in resources


def test_background_deletion_removes_a_deployment_replicaset_pod_chain() -> None:
    """kubectl's default: the Deployment goes at once, the collector takes the rest."""

    async def body(cluster: Cluster) -> None:
        top = await cluster.create(deployment("web"))
        await cluster.create(replicaset("web-1", owned_by(top)))
        await cluster.advance(2.0)
        assert len(await cluster.list("pods", "default")) == 2  # made by the RS controller
        await cluster.delete("deploy", "default", "web")

        async def all_gone() -> bool:
            left = await cluster.list("rs", "default") + await cluster.list("pods", "default")
            return not left

        assert await cluster.wait_for(all_gone, timeout=10.0, poll=0.5)
        deleted = records(cluster, "gc_dependent_deleted")
        assert sorted(r["kind"] for r in deleted) == ["Pod", "Pod", "ReplicaSet"]
        assert {r["propagation_policy"] for r in deleted} == {"Background"}

    in_cluster(body, [GC, RS])


def test_foreground_owner_stays_until_its_blocking_dependents_are_gone() -> None:
    async def body(cluster: Cluster) -> None:
        top = await cluster.create(deployment("web"))
        rs = await cluster.create(replicaset("web-1", owned_by(top)))
        # Bound pods wait 30 s for a kubelet that does not exist: they stay Terminating.
        for name in ("web-1-a", "web-1-b"):
            await cluster.create(pod(name, owned_by(rs), node="node-1", grace=30))
        await cluster.advance(1.0)
        await cluster.delete(
            "deploy", "default", "web", DeleteOptions(propagation_policy="Foreground")
        )
        await cluster.advance(5.0)

        owner = await cluster.get("deploy", "default", "web")
        assert owner.metadata.deletion_timestamp is not None
        assert owner.metadata.finalizers == ("foregroundDeletion",)
        middle = await cluster.get("rs", "default", "web-1")
        assert middle.metadata.finalizers == ("foregroundDeletion",)  # deleted in Foreground too
        pods = await cluster.list("pods", "default")
        assert [p.metadata.deletion_timestamp is not None for p in pods] == [True, True]

        for p in pods:  # what the kubelet would do once the containers stopped
            await cluster.delete(
                "pods", "default", p.metadata.name, DeleteOptions(grace_period_seconds=0)
            )

        async def owner_gone() -> bool:
            return await exists(cluster, "deploy", "web") is None

        assert await cluster.wait_for(owner_gone, timeout=10.0, poll=0.5)
        assert await exists(cluster, "rs", "web-1") is None
        finalized = [r["kind"] for r in records(cluster, "gc_foreground_finalized")]
        assert finalized == ["ReplicaSet", "Deployment"]  # the owner goes last

    in_cluster(body)


def test_foreground_owner_is_not_held_by_a_dependent_that_does_not_block() -> None:
    async def body(cluster: Cluster) -> None:
        owner = await cluster.create(configmap("owner"))
        await cluster.create(configmap("free", owned_by(owner, block=False)))
        await cluster.advance(1.0)
        await cluster.delete(
            "cm", "default", "owner", DeleteOptions(propagation_policy="Foreground")
        )
        await cluster.advance(1.0)
        assert await exists(cluster, "cm", "owner") is None
        assert await exists(cluster, "cm", "free") is None  # still collected, without waiting

    in_cluster(body)


def test_orphan_keeps_the_dependents_without_the_owner_reference() -> None:
    async def body(cluster: Cluster) -> None:
        owner = await cluster.create(configmap("owner"))
        other = await cluster.create(configmap("other"))
        await cluster.create(configmap("kept", owned_by(owner), owned_by(other, controller=False)))
        await cluster.create(pod("kept-pod", owned_by(owner)))
        await cluster.advance(1.0)
        await cluster.delete("cm", "default", "owner", DeleteOptions(propagation_policy="Orphan"))
        await cluster.advance(2.0)

        assert await exists(cluster, "cm", "owner") is None
        kept = await cluster.get("cm", "default", "kept")
        assert [ref.name for ref in kept.metadata.owner_references] == ["other"]
        kept_pod = await cluster.get("pods", "default", "kept-pod")
        assert kept_pod.metadata.owner_references == ()
        assert sorted(r["name"] for r in records(cluster, "gc_orphaned")) == ["kept", "kept-pod"]
        assert [r["name"] for r in records(cluster, "gc_orphan_finalized")] == ["owner"]

    in_cluster(body)


def test_a_reference_to_a_deleted_owner_uid_gets_the_dependent_deleted() -> None:
    """The owner's name exists again, but with another uid: the reference is dangling."""

    async def body(cluster: Cluster) -> None:
        first = await cluster.create(configmap("owner"))
        await cluster.delete("cm", "default", "owner")
        await cluster.create(configmap("owner"))  # same name, new uid
        await cluster.create(pod("orphaned", owned_by(first)))
        await cluster.advance(2.0)
        assert await exists(cluster, "pods", "orphaned") is None
        assert await exists(cluster, "cm", "owner") is not None  # the namesake is untouched
        (deleted,) = records(cluster, "gc_dependent_deleted")
        assert deleted["owners"] == [first.metadata.uid]

    in_cluster(body)


def test_a_dependent_with_two_owners_survives_the_deletion_of_one() -> None:
    async def body(cluster: Cluster) -> None:
        first = await cluster.create(configmap("first"))
        second = await cluster.create(configmap("second"))
        await cluster.create(
            configmap("shared", owned_by(first), owned_by(second, controller=False))
        )
        await cluster.advance(1.0)
        await cluster.delete("cm", "default", "first")
        await cluster.advance(2.0)
        shared = await cluster.get("cm", "default", "shared")
        # The dangling reference is patched away; the solid one stays.
        assert [ref.uid for ref in shared.metadata.owner_references] == [second.metadata.uid]
        assert records(cluster, "gc_owner_references_removed")[0]["owners"] == [first.metadata.uid]

        await cluster.delete("cm", "default", "second")
        await cluster.advance(2.0)
        assert await exists(cluster, "cm", "shared") is None

    in_cluster(body)


def test_cluster_scoped_owner_collects_namespaced_dependents() -> None:
    """A Node can own a pod in any namespace (a mirror pod, say)."""

    async def body(cluster: Cluster) -> None:
        node = await cluster.create(Node(metadata=ObjectMeta(name="node-1")))
        await cluster.create(pod("mirror", owned_by(node, block=None, controller=True)))
        await cluster.advance(1.0)
        assert await exists(cluster, "pods", "mirror") is not None
        await cluster.delete("nodes", "", "node-1")
        await cluster.advance(2.0)
        assert await exists(cluster, "pods", "mirror") is None

    in_cluster(body)


def test_an_owner_that_never_existed_is_verified_then_its_dependent_goes() -> None:
    async def body(cluster: Cluster) -> None:
        ghost = OwnerReference(api_version="v1", kind="ConfigMap", name="ghost", uid="no-such-uid")
        await cluster.create(configmap("child", ghost))
        await cluster.advance(2.0)
        assert await exists(cluster, "cm", "child") is None

    in_cluster(body)
