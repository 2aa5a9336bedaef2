"""kube-apiserver subresources: pods/binding, pods/eviction and deployments/scale.

A binding sets the node once and marks the pod PodScheduled; an eviction deletes (gracefully for
a bound pod); scale reads and writes spec.replicas through an autoscaling/v1 Scale.
"""

from __future__ import annotations

import msgspec

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.common import ObjectReference
from k8s_actors.api.objects.machinery import Binding, Eviction, Scale, ScaleSpec
from k8s_actors.messages import Create, Delete, Get, Update

from .conftest import APPS, PODS, Api, deployment, pod, serve

replace = msgspec.structs.replace


def _binding(name: str, node: str, uid: str = "") -> Binding:
    return Binding(
        metadata=ObjectMeta(name=name, uid=uid), target=ObjectReference(kind="Node", name=node)
    )


def test_binding_sets_node_and_pod_scheduled() -> None:
    """POST pods/binding: 201 Success; the pod has nodeName and PodScheduled=True."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("p")))
        await api.clock.sleep(2.0)
        response = await api.call(
            Create(**PODS, name="p", subresource="binding", body=_binding("p", "n1"))
        )
        assert response.code == 201
        assert response.obj.status == "Success"  # type: ignore[attr-defined]
        bound = await api.ok(Get(**PODS, name="p"))
        assert bound.spec.node_name == "n1"
        (condition,) = bound.status.conditions
        assert (condition.type, condition.status) == ("PodScheduled", "True")
        assert condition.last_transition_time == "2025-01-01T00:00:02Z"

    serve(body)


def test_binding_twice_conflicts() -> None:
    """A second binding: 409 on pods/binding, `pod p is already assigned to node "n1"`."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("p")))
        await api.ok(Create(**PODS, name="p", subresource="binding", body=_binding("p", "n1")))
        status = await api.fail(
            Create(**PODS, name="p", subresource="binding", body=_binding("p", "n2")), 409
        )
        assert status.message == (
            'Operation cannot be fulfilled on pods/binding "p": '
            'pod p is already assigned to node "n1"'
        )
        assert (await api.ok(Get(**PODS, name="p"))).spec.node_name == "n1"

    serve(body)


def test_binding_with_another_uid_conflicts() -> None:
    """A binding naming another uid than the pod's (a pod recreated meanwhile): 409."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("p")))
        status = await api.fail(
            Create(**PODS, name="p", subresource="binding", body=_binding("p", "n1", "old")), 409
        )
        assert "Precondition failed: UID in precondition: old" in status.message
        assert (await api.ok(Get(**PODS, name="p"))).spec.node_name == ""

    serve(body)


def test_binding_a_pod_being_deleted_conflicts() -> None:
    """A pod with a deletionTimestamp cannot be bound."""

    async def body(api: Api) -> None:
        held = pod("p")
        held = replace(held, metadata=replace(held.metadata, finalizers=("example.com/x",)))
        await api.ok(Create(**PODS, body=held))
        await api.ok(Delete(**PODS, name="p"))
        status = await api.fail(
            Create(**PODS, name="p", subresource="binding", body=_binding("p", "n1")), 409
        )
        assert status.message.endswith("pod p is being deleted, cannot be assigned to a host")

    serve(body)


def test_binding_a_missing_pod_is_not_found() -> None:
    """Binding a pod that does not exist: 404 on pods."""

    async def body(api: Api) -> None:
        status = await api.fail(
            Create(**PODS, name="p", subresource="binding", body=_binding("p", "n1")), 404
        )
        assert status.message == 'pods "p" not found'

    serve(body)


def test_eviction_deletes_an_unbound_pod() -> None:
    """POST pods/eviction: 201, and an unscheduled pod is gone."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("p")))
        eviction = Eviction(metadata=ObjectMeta(name="p", namespace="default"))
        response = await api.call(Create(**PODS, name="p", subresource="eviction", body=eviction))
        assert response.code == 201
        await api.fail(Get(**PODS, name="p"), 404)

    serve(body)


def test_eviction_of_a_bound_pod_is_graceful() -> None:
    """An evicted pod on a node gets its grace period, like any delete."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("p", node="n1")))
        eviction = Eviction(metadata=ObjectMeta(name="p", namespace="default"))
        await api.ok(Create(**PODS, name="p", subresource="eviction", body=eviction))
        marked = await api.ok(Get(**PODS, name="p"))
        assert marked.metadata.deletion_grace_period_seconds == 30

    serve(body)


def test_eviction_of_a_missing_pod_is_not_found() -> None:
    """Evicting a pod that does not exist: 404."""

    async def body(api: Api) -> None:
        eviction = Eviction(metadata=ObjectMeta(name="p", namespace="default"))
        status = await api.fail(
            Create(**PODS, name="p", subresource="eviction", body=eviction), 404
        )
        assert status.message == 'pods "p" not found'

    serve(body)


def test_get_scale_reports_replicas_and_selector() -> None:
    """GET deployments/scale: an autoscaling/v1 Scale with spec.replicas and the selector."""

    async def body(api: Api) -> None:
        created = await api.ok(Create(**APPS, body=deployment("web")))
        scale = await api.ok(Get(**APPS, name="web", subresource="scale"))
        assert isinstance(scale, Scale)
        assert (scale.api_version, scale.kind) == ("autoscaling/v1", "Scale")
        assert scale.spec.replicas == 3
        assert scale.status.selector == "app=web"
        assert scale.metadata.uid == created.metadata.uid
        assert scale.metadata.resource_version == created.metadata.resource_version

    serve(body)


def test_update_scale_sets_replicas_and_bumps_generation() -> None:
    """PUT deployments/scale changes spec.replicas (a spec change: generation 2)."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("web")))
        scale = await api.ok(Get(**APPS, name="web", subresource="scale"))
        wanted = replace(scale, spec=ScaleSpec(replicas=7))
        written = await api.ok(Update(**APPS, name="web", subresource="scale", body=wanted))
        assert written.spec.replicas == 7
        stored = await api.ok(Get(**APPS, name="web"))
        assert stored.spec.replicas == 7
        assert stored.metadata.generation == 2
        assert written.metadata.resource_version == stored.metadata.resource_version

    serve(body)


def test_update_scale_with_stale_version_conflicts() -> None:
    """A Scale carrying an old resourceVersion: 409 Conflict on the deployment."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("web")))
        scale = await api.ok(Get(**APPS, name="web", subresource="scale"))
        await api.ok(
            Update(
                **APPS,
                name="web",
                subresource="scale",
                body=replace(scale, spec=ScaleSpec(replicas=4)),
            )
        )
        status = await api.fail(
            Update(
                **APPS,
                name="web",
                subresource="scale",
                body=replace(scale, spec=ScaleSpec(replicas=5)),
            ),
            409,
        )
        assert status.message.startswith('Operation cannot be fulfilled on deployments.apps "web"')

    serve(body)


def test_negative_scale_is_refused() -> None:
    """spec.replicas below zero: 422 Invalid on the Scale, and nothing changes."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("web")))
        scale = Scale(
            metadata=ObjectMeta(name="web", namespace="default"), spec=ScaleSpec(replicas=-1)
        )
        status = await api.fail(Update(**APPS, name="web", subresource="scale", body=scale), 422)
        assert status.message == (
            'Scale.autoscaling "web" is invalid: '
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        )
        assert (await api.ok(Get(**APPS, name="web"))).spec.replicas == 3

    serve(body)
