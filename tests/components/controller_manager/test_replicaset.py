"""End-to-end tests of the ReplicaSet controller on a cluster (etcd, kube-apiserver and a
kube-controller-manager running only "replicaset-controller").

There is no scheduler or kubelet: tests bind pods and write their status themselves.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from msgspec.structs import replace

from k8s_actors.api.labels import LabelSelector
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.common import ObjectReference
from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.machinery import Binding
from k8s_actors.api.objects.pod import Pod, PodSpec, PodTemplateSpec
from k8s_actors.api.objects.workloads import ReplicaSet, ReplicaSetSpec, ReplicaSetStatus
from k8s_actors.components.controller_manager import ControllerManager
from k8s_actors.components.controller_manager.podutil import is_pod_active
from k8s_actors.components.controller_manager.replicaset import (
    ReplicaSetController,
    calculate_status,
)
from k8s_actors.kernel import ActorSpec, run
from k8s_actors.messages import Create
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import ClusterSpec

KCM = "kube-controller-manager"
RS_CONTROLLER = ReplicaSetController.name


def on_cluster(body: Callable[[Cluster], Awaitable[Any]], seed: int = 1) -> Any:
    """Run `body` on a fresh cluster whose controller manager runs only this controller."""

    async def main() -> Any:
        async with Cluster(seed=seed, spec=ClusterSpec(controller_managers=0)) as cluster:
            await start_controller(cluster)
            return await body(cluster)

    return run(main)


async def start_controller(cluster: Cluster) -> ReplicaSetController:
    manager = await cluster.supervisor.start(
        ActorSpec(
            KCM,
            lambda: ControllerManager(
                controllers=[(ReplicaSetController.name, ReplicaSetController)]
            ),
        )
    )
    assert isinstance(manager, ControllerManager)
    while ReplicaSetController.name not in manager.controllers:
        await cluster.advance(0.1)
    controller = manager.controllers[ReplicaSetController.name]
    assert isinstance(controller, ReplicaSetController)
    return controller


def replica_set(
    name: str = "web",
    replicas: int = 3,
    *,
    namespace: str = "default",
    selector: dict[str, str] | None = None,
    template_labels: dict[str, str] | None = None,
    min_ready: int = 0,
) -> ReplicaSet:
    match = selector or {"app": name}
    return ReplicaSet(
        metadata=ObjectMeta(name=name, namespace=namespace),
        spec=ReplicaSetSpec(
            replicas=replicas,
            min_ready_seconds=min_ready,
            selector=LabelSelector(match_labels=match),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels=template_labels or dict(match)),
                spec=PodSpec(containers=(Container(name="app", image="nginx:1.25"),)),
            ),
        ),
    )


def bare_pod(name: str, labels: dict[str, str], namespace: str = "default") -> Pod:
    return Pod(
        metadata=ObjectMeta(name=name, namespace=namespace, labels=labels),
        spec=PodSpec(containers=(Container(name="app", image="nginx:1.25"),)),
    )


def records(cluster: Cluster, event: str) -> list[dict[str, Any]]:
    """The trace records of one event name, in order."""
    found = [json.loads(line) for line in cluster.lines]
    return [record for record in found if record.get("event") == event]


def recorded_events(cluster: Cluster, reason: str) -> list[str]:
    """Messages of the Events the controller recorded with this reason."""
    return [r["message"] for r in records(cluster, "event_recorded") if r["reason"] == reason]


async def active_pods(cluster: Cluster, namespace: str = "default") -> list[Pod]:
    return [pod for pod in await cluster.list("pods", namespace) if is_pod_active(pod)]


async def owned_by(cluster: Cluster, rs: ReplicaSet) -> list[Pod]:
    """Active pods whose controller reference is `rs` (by uid)."""
    pods = await active_pods(cluster, rs.metadata.namespace)
    return [p for p in pods if (ref := p.metadata.controller_ref()) and ref.uid == rs.metadata.uid]


async def bind(cluster: Cluster, pod: Pod, node: str) -> None:
    meta = pod.metadata
    binding = Binding(
        metadata=ObjectMeta(name=meta.name, namespace=meta.namespace),
        target=ObjectReference(kind="Node", name=node),
    )
    await cluster.request(
        Create(
            resource="pods",
            namespace=meta.namespace,
            name=meta.name,
            subresource="binding",
            body=binding,
            user=cluster.user,
        )
    )


async def set_status(cluster: Cluster, pod: Pod, phase: str, ready: bool) -> None:
    """Write phase and the Ready condition (transition now), as a kubelet would."""
    condition = {
        "type": "Ready",
        "status": "True" if ready else "False",
        "lastTransitionTime": cluster.clock.timestamp(),
    }
    status = {"phase": phase, "conditions": [condition]}
    await cluster.patch(
        "pods", pod.metadata.namespace, pod.metadata.name, {"status": status}, subresource="status"
    )


def controller_refs(pod: Pod) -> int:
    return sum(1 for ref in pod.metadata.owner_references if ref.controller)


# -- creation --------------------------------------------------------------------------------


def test_three_replicas_are_created_in_slow_start_batches_of_one_then_two() -> None:
    """3 pods named <rs>-xxxxx, with the template's labels and a blocking controller ref."""

    async def body(cluster: Cluster) -> tuple[ReplicaSet, list[Pod], Cluster]:
        rs = await cluster.create(replica_set("web", 3))
        await cluster.advance(2)
        return rs, await active_pods(cluster), cluster

    rs, pods, cluster = on_cluster(body)
    assert [r["size"] for r in records(cluster, "pods_create_batch")] == [1, 2]
    assert len(pods) == 3
    for pod in pods:
        assert pod.metadata.name.startswith("web-") and len(pod.metadata.name) == len("web-") + 5
        assert pod.metadata.generate_name == "web-"
        assert pod.metadata.labels == {"app": "web"}
        (ref,) = pod.metadata.owner_references
        assert (ref.kind, ref.name, ref.uid) == ("ReplicaSet", "web", rs.metadata.uid)
        assert ref.controller is True and ref.block_owner_deletion is True
    created = sorted(recorded_events(cluster, "SuccessfulCreate"))
    assert created == sorted(f"Created pod: {pod.metadata.name}" for pod in pods)
    synced = records(cluster, "replicaset_synced")[0]
    assert (synced["diff"], synced["creates"], synced["deletes"]) == (-3, 3, 0)


def test_a_deleted_pod_is_replaced() -> None:
    """Deleting one of 3 pods brings a new pod; the deleted name does not come back."""

    async def body(cluster: Cluster) -> tuple[str, list[str]]:
        await cluster.create(replica_set("web", 3))
        await cluster.advance(2)
        victim = (await active_pods(cluster))[0].metadata.name
        await cluster.delete("pods", "default", victim)
        await cluster.advance(2)
        return victim, [pod.metadata.name for pod in await active_pods(cluster)]

    victim, names = on_cluster(body)
    assert len(names) == 3 and victim not in names


def test_scale_down_deletes_victims_in_kubernetes_rank_order() -> None:
    """Unassigned, then Pending, then not ready, then cheaper pod-deletion-cost go first."""

    async def body(cluster: Cluster) -> tuple[dict[str, str], list[str], list[str]]:
        rs = await cluster.create(replica_set("web", 5))
        await cluster.advance(2)
        pods = sorted(await active_pods(cluster), key=lambda p: p.metadata.name)
        role = dict(
            zip(
                (p.metadata.name for p in pods),
                ["unassigned", "pending", "not-ready", "costly", "ready"],
                strict=True,
            )
        )
        by_role = {r: p for p in pods if (r := role[p.metadata.name])}
        for name in ("pending", "not-ready", "costly", "ready"):
            await bind(cluster, by_role[name], "node-1")
        await set_status(cluster, by_role["not-ready"], "Running", ready=False)
        await set_status(cluster, by_role["costly"], "Running", ready=True)
        await set_status(cluster, by_role["ready"], "Running", ready=True)
        cost = {"metadata": {"annotations": {"controller.kubernetes.io/pod-deletion-cost": "100"}}}
        await cluster.patch("pods", "default", by_role["costly"].metadata.name, cost)
        await cluster.advance(1)
        await cluster.patch("replicasets", "default", "web", {"spec": {"replicas": 1}})
        await cluster.advance(2)
        survivors = [role[p.metadata.name] for p in await owned_by(cluster, rs)]
        return role, survivors, recorded_events(cluster, "SuccessfulDelete")

    role, survivors, deleted = on_cluster(body)
    assert survivors == ["costly"]
    assert sorted(deleted) == sorted(
        f"Deleted pod: {name}" for name, r in role.items() if r != "costly"
    )


# -- ownership -------------------------------------------------------------------------------


def test_a_matching_orphan_is_adopted_instead_of_creating_a_pod() -> None:
    """An orphan with the selector's labels gets the controller ref; only 1 pod is created."""

    async def body(cluster: Cluster) -> tuple[ReplicaSet, list[Pod], int]:
        await cluster.create(bare_pod("stray", {"app": "web"}))
        rs = await cluster.create(replica_set("web", 2))
        await cluster.advance(2)
        return rs, await owned_by(cluster, rs), len(records(cluster, "controller_ref_adopted"))

    rs, owned, adoptions = on_cluster(body)
    assert len(owned) == 2 and "stray" in [p.metadata.name for p in owned]
    assert adoptions == 1
    (stray,) = [p for p in owned if p.metadata.name == "stray"]
    (ref,) = stray.metadata.owner_references
    assert ref.uid == rs.metadata.uid and ref.controller and ref.block_owner_deletion


def test_a_pod_whose_labels_stop_matching_is_released_and_replaced() -> None:
    """Relabelled app=other: the reference is removed, the pod lives on, a new one is made."""

    async def body(cluster: Cluster) -> tuple[Pod, list[Pod]]:
        rs = await cluster.create(replica_set("web", 2))
        await cluster.advance(2)
        name = (await owned_by(cluster, rs))[0].metadata.name
        await cluster.patch("pods", "default", name, {"metadata": {"labels": {"app": "other"}}})
        await cluster.advance(2)
        return await cluster.get("pods", "default", name), await owned_by(cluster, rs)

    released, owned = on_cluster(body)
    assert released.metadata.owner_references == ()
    assert is_pod_active(released)
    assert len(owned) == 2 and released.metadata.name not in [p.metadata.name for p in owned]


def test_overlapping_replicasets_never_both_own_a_pod() -> None:
    """Two ReplicaSets with one selector: each ends with its replicas, no pod has two owners."""

    async def body(cluster: Cluster) -> tuple[list[Pod], list[Pod], list[Pod]]:
        for number in range(3):
            await cluster.create(bare_pod(f"orphan-{number}", {"app": "shared"}))
        first = replica_set("first", 2, selector={"app": "shared"})
        second = replica_set("second", 3, selector={"app": "shared"})
        a = await cluster.create(first)
        b = await cluster.create(second)
        await cluster.advance(5)
        return await owned_by(cluster, a), await owned_by(cluster, b), await active_pods(cluster)

    first, second, pods = on_cluster(body)
    assert len(first) == 2 and len(second) == 3
    assert not {p.metadata.uid for p in first} & {p.metadata.uid for p in second}
    assert all(controller_refs(pod) <= 1 for pod in pods)


# -- status ----------------------------------------------------------------------------------


def test_status_counts_ready_then_available_after_min_ready_seconds() -> None:
    """readyReplicas at once; availableReplicas only after minReadySeconds, by a requeue;
    fullyLabeledReplicas counts pods with every template label; observedGeneration follows."""

    async def body(cluster: Cluster) -> tuple[Any, Any, ReplicaSet]:
        rs = replica_set(
            "web", 2, selector={"app": "web"}, template_labels={"app": "web", "tier": "fe"}
        )
        await cluster.create(bare_pod("plain", {"app": "web"}))  # adopted, lacks tier=fe
        rs = await cluster.create(replace_min_ready(rs, 10))
        await cluster.advance(2)
        for pod in await owned_by(cluster, rs):
            await bind(cluster, pod, "node-1")
            await set_status(cluster, pod, "Running", ready=True)
        await cluster.advance(2)
        early = (await cluster.get("replicasets", "default", "web")).status
        await cluster.advance(12)
        late: ReplicaSet = await cluster.get("replicasets", "default", "web")
        return early, late.status, late

    early, late, rs = on_cluster(body)
    assert (early.replicas, early.ready_replicas, early.available_replicas) == (2, 2, 0)
    assert (late.replicas, late.ready_replicas, late.available_replicas) == (2, 2, 2)
    assert late.fully_labeled_replicas == 1
    assert late.observed_generation == rs.metadata.generation


def replace_min_ready(rs: ReplicaSet, seconds: int) -> ReplicaSet:
    import msgspec

    return msgspec.structs.replace(
        rs, spec=msgspec.structs.replace(rs.spec, min_ready_seconds=seconds)
    )


def test_creates_refused_by_a_terminating_namespace_stay_quiet() -> None:
    """Kubernetes ignores a create refused with the NamespaceTerminating cause: one attempt,
    no FailedCreate event and no ReplicaFailure condition (replica_set.go manageReplicas)."""

    async def body(cluster: Cluster) -> tuple[Any, list[str], int]:
        await cluster.create(_namespace("doomed"))
        await cluster.create(replica_set("web", 0, namespace="doomed"))
        await cluster.advance(1)
        await cluster.delete("namespaces", "", "doomed")  # stays Terminating: its finalizer
        await cluster.patch("replicasets", "doomed", "web", {"spec": {"replicas": 2}})
        await cluster.advance(3)
        status = (await cluster.get("replicasets", "doomed", "web")).status
        batches = len(records(cluster, "pods_create_batch"))
        return status, recorded_events(cluster, "FailedCreate"), batches

    status, failed_events, batches = on_cluster(body)
    assert batches >= 1
    assert failed_events == []
    assert status.conditions == ()


def test_replica_failure_is_set_by_a_failed_create_and_removed_by_a_clean_sync() -> None:
    """calculateStatus: a manage error while pods are missing sets ReplicaFailure with reason
    FailedCreate and the error as message; the next sync without error removes it."""
    rs = replace(replica_set("web", 2), status=ReplicaSetStatus())
    failing = calculate_status(rs, [], RuntimeError("quota exceeded"), 0.0, "t", _no_parse)
    (condition,) = failing.conditions
    assert (condition.type, condition.status, condition.reason, condition.message) == (
        "ReplicaFailure",
        "True",
        "FailedCreate",
        "quota exceeded",
    )
    healed = calculate_status(replace(rs, status=failing), [], None, 1.0, "t", _no_parse)
    assert healed.conditions == ()


def _no_parse(text: str) -> float:
    return 0.0


def _namespace(name: str) -> Any:
    from k8s_actors.api.objects.cluster import Namespace, NamespaceSpec

    return Namespace(metadata=ObjectMeta(name=name), spec=NamespaceSpec(finalizers=("kubernetes",)))


# -- expectations ----------------------------------------------------------------------------


def test_expectations_prevent_a_second_round_of_creates_until_observed() -> None:
    """With the pod watch held back, resyncs do not create again (3 pods, not 6); once the
    held events arrive the ReplicaSet is satisfied and creates nothing more."""

    async def body(cluster: Cluster) -> tuple[int, int, int, int]:
        controller = await _controller(cluster)
        held: list[Any] = []
        informer = controller.pod_informer
        apply = informer._apply
        setattr(informer, "_apply", held.append)  # noqa: B010 - a watch slower than writes
        await cluster.create(replica_set("web", 3))
        await cluster.advance(1)
        for number in range(3):
            patch = {"metadata": {"annotations": {"poke": str(number)}}}
            await cluster.patch("replicasets", "default", "web", patch)
            await cluster.advance(1)
        while_held = len(await active_pods(cluster))
        pending = len(records(cluster, "replicaset_expectations_pending"))
        setattr(informer, "_apply", apply)  # noqa: B010
        for event in held:
            apply(event)
        await cluster.patch("replicasets", "default", "web", {"metadata": {"labels": {"x": "y"}}})
        await cluster.advance(2)
        after = len(await active_pods(cluster))
        return while_held, pending, after, len(recorded_events(cluster, "SuccessfulCreate"))

    while_held, pending, after, creates = on_cluster(body)
    assert while_held == 3 and pending >= 3
    assert after == 3 and creates == 3


async def _controller(cluster: Cluster) -> ReplicaSetController:
    manager = cluster.supervisor.actor(KCM)
    assert isinstance(manager, ControllerManager)
    controller = manager.controllers[ReplicaSetController.name]
    assert isinstance(controller, ReplicaSetController)
    return controller
