"""End-to-end tests of the Deployment controller on a cluster (etcd, kube-apiserver and a
kube-controller-manager running "deployment-controller" and "replicaset-controller").

There is no scheduler or kubelet: tests make pods Running and Ready through the status
subresource, and finish the deletion of terminating pods themselves.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from msgspec.structs import replace

from k8s_actors.api.labels import LabelSelector
from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.common import ObjectReference
from k8s_actors.api.objects.machinery import Binding, DeleteOptions
from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.workloads import (
    Deployment,
    DeploymentStrategy,
    ReplicaSet,
    ReplicaSetSpec,
    RollingUpdateDeployment,
)
from k8s_actors.components.controller_manager import ControllerManager
from k8s_actors.components.controller_manager import deployment_util as du
from k8s_actors.components.controller_manager.deployment import DeploymentController
from k8s_actors.components.controller_manager.replicaset import ReplicaSetController
from k8s_actors.kernel import ActorSpec, run
from k8s_actors.messages import Create
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import ClusterSpec

STRATEGIC = "application/strategic-merge-patch+json"
MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: nginx, image: "nginx:1.25"}
"""


def on_cluster(body: Callable[[Cluster], Awaitable[Any]], seed: int = 1) -> Any:
    async def main() -> Any:
        async with Cluster(seed=seed, spec=ClusterSpec(controller_managers=0)) as cluster:
            controllers = [
                (DeploymentController.name, DeploymentController),
                (ReplicaSetController.name, ReplicaSetController),
            ]
            await cluster.supervisor.start(
                ActorSpec(
                    "kube-controller-manager", lambda: ControllerManager(controllers=controllers)
                )
            )
            return await body(cluster)

    return run(main)


def web(**spec: Any) -> Deployment:
    """The Deployment of MANIFEST with some spec fields replaced."""
    (d,) = load_manifests(MANIFEST)
    assert isinstance(d, Deployment)
    return replace(d, spec=replace(d.spec, **spec))


async def deployment(cluster: Cluster) -> Deployment:
    d = await cluster.get("deployments", "default", "web")
    assert isinstance(d, Deployment)
    return d


async def replica_sets(cluster: Cluster) -> list[ReplicaSet]:
    """The ReplicaSets, oldest revision first."""
    found = await cluster.list("replicasets", "default")
    return sorted(found, key=lambda rs: int(rs.metadata.annotations[du.REVISION_ANNOTATION]))


async def pods(cluster: Cluster) -> list[Pod]:
    return [
        p for p in await cluster.list("pods", "default") if p.metadata.deletion_timestamp is None
    ]


async def make_ready(cluster: Cluster) -> None:
    """Every live pod bound, Running and Ready now (what scheduler and kubelets would do);
    bound pods are deleted gracefully, unbound ones at once."""
    for pod in await pods(cluster):
        if not pod.spec.node_name:
            binding = Binding(
                metadata=ObjectMeta(name=pod.metadata.name, namespace="default"),
                target=ObjectReference(kind="Node", name="node-1"),
            )
            await cluster.request(
                Create(
                    resource="pods",
                    namespace="default",
                    name=pod.metadata.name,
                    subresource="binding",
                    body=binding,
                    user=cluster.user,
                )
            )
        if any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions):
            continue
        ready = {"type": "Ready", "status": "True", "lastTransitionTime": cluster.clock.timestamp()}
        status = {"phase": "Running", "conditions": [ready]}
        await cluster.patch(
            "pods", "default", pod.metadata.name, {"status": status}, subresource="status"
        )


async def finish_deletions(cluster: Cluster) -> None:
    """Remove terminating pods at once (the kubelet's part of a graceful deletion)."""
    for pod in await cluster.list("pods", "default"):
        if pod.metadata.deletion_timestamp is not None:
            now = DeleteOptions(grace_period_seconds=0)
            await cluster.delete("pods", "default", pod.metadata.name, now)


async def set_image(cluster: Cluster, image: str) -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": image}]}}}}
    await cluster.patch("deployments", "default", "web", patch, STRATEGIC)


async def settle(cluster: Cluster, rounds: int = 12) -> None:
    """Let the rollout run, pods becoming ready and old ones going after every second."""
    for _ in range(rounds):
        await cluster.advance(1)
        await make_ready(cluster)
        await finish_deletions(cluster)


def records(cluster: Cluster, event: str) -> list[dict[str, Any]]:
    """The trace records of one event name, in order."""
    found = [json.loads(line) for line in cluster.lines]
    return [record for record in found if record.get("event") == event]


def events(cluster: Cluster, reason: str) -> list[str]:
    """Messages of the Events recorded with this reason."""
    return [r["message"] for r in records(cluster, "event_recorded") if r["reason"] == reason]


def condition(d: Deployment, type_: str) -> tuple[str, str, str]:
    found = du.get_condition(d.status, type_)
    assert found is not None, type_
    return found.status, found.reason, found.message


# -- creation --------------------------------------------------------------------------------


def test_a_new_deployment_creates_its_replica_set_at_revision_one() -> None:
    """<name>-<hash> owned by the Deployment, hash label and selector, all replicas at once,
    the 1.31+ ScalingReplicaSet event, then Available and NewReplicaSetAvailable."""

    async def body(cluster: Cluster) -> tuple[Deployment, list[ReplicaSet], Deployment, Cluster]:
        await cluster.create(web())
        await cluster.advance(2)
        early = await deployment(cluster)
        await settle(cluster, 3)
        return early, await replica_sets(cluster), await deployment(cluster), cluster

    early, rss, d, cluster = on_cluster(body)
    (rs,) = rss
    hash_ = du.compute_hash(d.spec.template, None)
    assert rs.metadata.name == f"web-{hash_}"
    assert rs.metadata.labels == {"app": "web", du.UNIQUE_LABEL_KEY: hash_}
    assert rs.spec.selector is not None
    assert rs.spec.selector.match_labels == {"app": "web", du.UNIQUE_LABEL_KEY: hash_}
    (ref,) = rs.metadata.owner_references
    assert (ref.kind, ref.name, ref.uid, ref.controller) == (
        "Deployment",
        "web",
        d.metadata.uid,
        True,
    )
    assert rs.spec.replicas == 4
    assert rs.metadata.annotations == {
        du.REVISION_ANNOTATION: "1",
        du.DESIRED_REPLICAS_ANNOTATION: "4",
        du.MAX_REPLICAS_ANNOTATION: "5",
    }
    assert d.metadata.annotations[du.REVISION_ANNOTATION] == "1"
    assert events(cluster, "ScalingReplicaSet") == [
        f"Scaled up replica set {rs.metadata.name} from 0 to 4"
    ]
    assert condition(early, du.AVAILABLE)[:2] == ("False", "MinimumReplicasUnavailable")
    assert condition(d, du.AVAILABLE) == (
        "True",
        "MinimumReplicasAvailable",
        "Deployment has minimum availability.",
    )
    assert condition(d, du.PROGRESSING) == (
        "True",
        "NewReplicaSetAvailable",
        f'ReplicaSet "{rs.metadata.name}" has successfully progressed.',
    )
    status = d.status
    assert (status.replicas, status.updated_replicas, status.ready_replicas) == (4, 4, 4)
    assert (status.available_replicas, status.unavailable_replicas) == (4, 0)
    assert status.observed_generation == d.metadata.generation


# -- rolling update --------------------------------------------------------------------------


def test_an_image_change_rolls_out_within_max_surge_and_max_unavailable() -> None:
    """4 replicas, 25%/25%: never more than 5 pods wanted nor fewer than 3 available; the
    old ReplicaSet ends at 0 and is kept; revision 2; events in the 1.31+ wording."""

    async def body(
        cluster: Cluster,
    ) -> tuple[list[tuple[int, int, int]], list[ReplicaSet], Deployment, Cluster]:
        await cluster.create(web())
        await settle(cluster, 3)
        await set_image(cluster, "nginx:1.26")
        samples: list[tuple[int, int, int]] = []
        for _ in range(12):
            await cluster.advance(0.5)
            rss = await cluster.list("replicasets", "default")
            available = sum(rs.status.available_replicas for rs in rss)
            samples.append((sum(rs.spec.replicas or 0 for rs in rss), available, len(rss)))
            await make_ready(cluster)
            await finish_deletions(cluster)
        return samples, await replica_sets(cluster), await deployment(cluster), cluster

    samples, rss, d, cluster = on_cluster(body)
    assert all(wanted <= 5 and available >= 3 for wanted, available, _ in samples)
    old, new = rss
    assert (old.spec.replicas, new.spec.replicas, new.status.available_replicas) == (0, 4, 4)
    assert new.metadata.annotations[du.REVISION_ANNOTATION] == "2"
    assert d.metadata.annotations[du.REVISION_ANNOTATION] == "2"
    assert new.spec.template.spec.containers[0].image == "nginx:1.26"
    scaling = events(cluster, "ScalingReplicaSet")
    assert f"Scaled up replica set {new.metadata.name} from 0 to 1" in scaling
    assert f"Scaled down replica set {old.metadata.name} from 4 to 3" in scaling
    assert f"Scaled down replica set {old.metadata.name} from 1 to 0" in scaling
    assert condition(d, du.PROGRESSING)[1] == "NewReplicaSetAvailable"
    assert (d.status.replicas, d.status.updated_replicas) == (4, 4)


def test_reverting_the_template_reuses_the_old_replica_set_with_a_new_revision() -> None:
    """kubectl rollout undo: no third ReplicaSet; revision 3, revision-history "1"."""

    async def body(cluster: Cluster) -> tuple[list[ReplicaSet], Deployment]:
        await cluster.create(web())
        await settle(cluster, 3)
        await set_image(cluster, "nginx:1.26")
        await settle(cluster, 8)
        await set_image(cluster, "nginx:1.25")
        await settle(cluster, 8)
        return await replica_sets(cluster), await deployment(cluster)

    rss, d = on_cluster(body)
    second, first = rss
    assert first.spec.template.spec.containers[0].image == "nginx:1.25"
    assert first.metadata.annotations[du.REVISION_ANNOTATION] == "3"
    assert first.metadata.annotations[du.REVISION_HISTORY_ANNOTATION] == "1"
    assert (first.spec.replicas, second.spec.replicas) == (4, 0)
    assert d.metadata.annotations[du.REVISION_ANNOTATION] == "3"


def test_the_deprecated_rollback_annotation_restores_the_previous_template() -> None:
    """rollback.to=0 rolls back to the last revision, with the DeploymentRollback event,
    and the annotation is removed."""

    async def body(cluster: Cluster) -> tuple[Deployment, list[str]]:
        await cluster.create(web())
        await settle(cluster, 3)
        await set_image(cluster, "nginx:1.26")
        await settle(cluster, 8)
        patch = {"metadata": {"annotations": {du.DEPRECATED_ROLLBACK_TO: "0"}}}
        await cluster.patch("deployments", "default", "web", patch)
        await settle(cluster, 8)
        return await deployment(cluster), events(cluster, "DeploymentRollback")

    d, rolled = on_cluster(body)
    assert d.spec.template.spec.containers[0].image == "nginx:1.25"
    assert du.DEPRECATED_ROLLBACK_TO not in d.metadata.annotations
    assert rolled == ['Rolled back deployment "web" to revision 1']
    assert d.metadata.annotations[du.REVISION_ANNOTATION] == "3"


# -- Recreate --------------------------------------------------------------------------------


def test_recreate_scales_old_pods_away_before_the_new_replica_set_exists() -> None:
    async def body(cluster: Cluster) -> tuple[list[ReplicaSet], list[ReplicaSet], list[ReplicaSet]]:
        await cluster.create(web(strategy=DeploymentStrategy(type="Recreate")))
        await settle(cluster, 3)
        await set_image(cluster, "nginx:1.26")
        await cluster.advance(1)
        while_terminating = await replica_sets(cluster)
        await finish_deletions(cluster)
        await cluster.advance(1)
        after = await replica_sets(cluster)
        await settle(cluster, 3)
        return while_terminating, after, await replica_sets(cluster)

    while_terminating, after, final = on_cluster(body)
    (old,) = while_terminating  # old pods still there: no new ReplicaSet yet
    assert old.spec.replicas == 0
    old, new = after
    assert new.spec.replicas == 4 and new.metadata.annotations[du.REVISION_ANNOTATION] == "2"
    assert [rs.status.available_replicas for rs in final] == [0, 4]


# -- pause, scaling, progress deadline, history ----------------------------------------------


def test_a_paused_deployment_does_not_roll_out_until_resumed() -> None:
    """Paused: no new ReplicaSet for a changed template, Progressing Unknown/DeploymentPaused;
    resumed: Unknown/DeploymentResumed is written, then the rollout proceeds."""

    async def body(cluster: Cluster) -> tuple[int, Deployment, int, list[list[str]]]:
        await cluster.create(web())
        await settle(cluster, 3)
        await cluster.patch("deployments", "default", "web", {"spec": {"paused": True}})
        await set_image(cluster, "nginx:1.26")
        await settle(cluster, 3)
        paused_rss, paused = len(await replica_sets(cluster)), await deployment(cluster)
        await cluster.patch("deployments", "default", "web", {"spec": {"paused": False}})
        await settle(cluster, 8)
        written = [r["conditions"] for r in records(cluster, "deployment_status_updated")]
        return paused_rss, paused, len(await replica_sets(cluster)), written

    paused_rss, paused, final_rss, written = on_cluster(body)
    assert paused_rss == 1
    assert condition(paused, du.PROGRESSING) == (
        "Unknown",
        "DeploymentPaused",
        "Deployment is paused",
    )
    assert any("Progressing=Unknown/DeploymentResumed" in conditions for conditions in written)
    assert "Progressing=True/NewReplicaSetAvailable" in written[-1]
    assert final_rss == 2


def test_scaling_mid_rollout_is_proportional() -> None:
    """10 replicas, surge 3, unavailable 2, new pods never ready: 13 pods wanted (3 new,
    10 old... then old down to 8); scaling to 20 spreads the 10 more by the RS sizes."""

    async def body(cluster: Cluster) -> tuple[list[int], list[int], list[str]]:
        rolling = DeploymentStrategy(
            type="RollingUpdate",
            rolling_update=RollingUpdateDeployment(max_surge=3, max_unavailable=2),
        )
        await cluster.create(web(replicas=10, strategy=rolling))
        await settle(cluster, 3)
        await set_image(cluster, "nginx:1.26")
        await cluster.advance(3)  # new pods stay unready
        before = [rs.spec.replicas or 0 for rs in await replica_sets(cluster)]
        await cluster.patch("deployments", "default", "web", {"spec": {"replicas": 20}})
        await cluster.advance(2)
        after = [rs.spec.replicas or 0 for rs in await replica_sets(cluster)]
        return before, after, events(cluster, "ScalingReplicaSet")

    before, after, scaling = on_cluster(body)
    assert before == [8, 5]
    # allowed 23 - 13 = 10 more; fractions round(8*23/13)-8 = 6 and round(5*23/13)-5 = 4.
    assert after == [14, 9]
    assert any(message.endswith("from 8 to 14") for message in scaling)


def test_a_stalled_rollout_reports_progress_deadline_exceeded() -> None:
    async def body(cluster: Cluster) -> tuple[Deployment, Deployment]:
        await cluster.create(web(progress_deadline_seconds=10))
        await cluster.advance(5)
        early = await deployment(cluster)
        await cluster.advance(10)  # pods never become ready
        return early, await deployment(cluster)

    early, late = on_cluster(body)
    assert condition(early, du.PROGRESSING)[0] == "True"
    status, reason, message = condition(late, du.PROGRESSING)
    rs_name = f"web-{du.compute_hash(late.spec.template, None)}"
    assert (status, reason) == ("False", "ProgressDeadlineExceeded")
    assert message == f'ReplicaSet "{rs_name}" has timed out progressing.'


def test_revision_history_limit_deletes_the_oldest_scaled_down_replica_sets() -> None:
    async def body(cluster: Cluster) -> list[str]:
        await cluster.create(web(revision_history_limit=1))
        await settle(cluster, 3)
        for image in ("nginx:1.26", "nginx:1.27"):
            await set_image(cluster, image)
            await settle(cluster, 8)
        return [
            rs.metadata.annotations[du.REVISION_ANNOTATION] for rs in await replica_sets(cluster)
        ]

    assert on_cluster(body) == ["2", "3"]


def test_an_orphan_replica_set_with_the_template_is_adopted_as_the_new_one() -> None:
    async def body(cluster: Cluster) -> tuple[list[ReplicaSet], Deployment]:
        d = web()
        labels = {**d.spec.template.metadata.labels, du.UNIQUE_LABEL_KEY: "manual"}
        template = replace(d.spec.template, metadata=ObjectMeta(labels=labels))
        selector = LabelSelector(match_labels=labels)
        orphan = ReplicaSet(
            metadata=ObjectMeta(name="web-manual", namespace="default", labels=labels),
            spec=ReplicaSetSpec(replicas=4, selector=selector, template=template),
        )
        await cluster.create(orphan)
        await cluster.advance(1)
        await cluster.create(d)
        await settle(cluster, 3)
        return await cluster.list("replicasets", "default"), await deployment(cluster)

    rss, d = on_cluster(body)
    (rs,) = rss
    assert rs.metadata.name == "web-manual"
    ref = rs.metadata.controller_ref()
    assert ref is not None and ref.uid == d.metadata.uid
    assert rs.metadata.annotations[du.REVISION_ANNOTATION] == "1"
    assert condition(d, du.PROGRESSING)[1] == "NewReplicaSetAvailable"


def test_the_same_seed_gives_the_same_trace() -> None:
    """A rollout replays byte for byte: names, hashes, events and their order."""

    async def body(cluster: Cluster) -> list[bytes]:
        await cluster.create(web())
        await settle(cluster, 3)
        await set_image(cluster, "nginx:1.26")
        await settle(cluster, 6)
        return list(cluster.lines)

    first = on_cluster(body, seed=7)
    assert first == on_cluster(body, seed=7)
    assert any(b"deployment_replica_set_scaled" in line for line in first)
