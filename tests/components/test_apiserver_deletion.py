"""kube-apiserver: deletion as Kubernetes does it: grace periods, finalizers, propagation policy,
preconditions, namespaces turning Terminating, and deletecollection.
"""

from __future__ import annotations

import msgspec

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Namespace
from k8s_actors.api.objects.machinery import DeleteOptions, Preconditions
from k8s_actors.messages import Create, Delete, DeleteCollection, Get, ListRequest, Patch, Update

from .conftest import APPS, PODS, Api, deployment, pod, serve

replace = msgspec.structs.replace
MERGE = "application/merge-patch+json"


def test_deployment_without_finalizers_is_removed_at_once() -> None:
    """DELETE answers 200 with the last state, and the object is gone."""

    async def body(api: Api) -> None:
        created = await api.ok(Create(**APPS, body=deployment("web")))
        response = await api.call(Delete(**APPS, name="web"))
        assert response.code == 200
        assert response.obj.metadata.uid == created.metadata.uid  # type: ignore[attr-defined]
        await api.fail(Get(**APPS, name="web"), 404)
        status = await api.fail(Delete(**APPS, name="web"), 404)
        assert status.message == 'deployments.apps "web" not found'

    serve(body)


def test_scheduled_pod_gets_the_default_grace_period() -> None:
    """A bound pod is marked: deletionTimestamp now + 30 s, deletionGracePeriodSeconds 30."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("p", node="n1")))
        await api.clock.sleep(10.0)
        marked = await api.ok(Delete(**PODS, name="p"))
        assert marked.metadata.deletion_grace_period_seconds == 30
        assert marked.metadata.deletion_timestamp == "2025-01-01T00:00:40Z"
        still = await api.ok(Get(**PODS, name="p"))
        assert still.metadata.deletion_timestamp == "2025-01-01T00:00:40Z"

    serve(body)


def test_pod_grace_period_follows_its_spec_and_the_options() -> None:
    """terminationGracePeriodSeconds sets the grace; DeleteOptions.gracePeriodSeconds wins."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("slow", node="n1", grace=120)))
        await api.ok(Create(**PODS, body=pod("quick", node="n1")))
        slow = await api.ok(Delete(**PODS, name="slow"))
        assert slow.metadata.deletion_grace_period_seconds == 120
        quick = await api.ok(
            Delete(**PODS, name="quick", options=DeleteOptions(grace_period_seconds=5))
        )
        assert quick.metadata.deletion_grace_period_seconds == 5
        assert quick.metadata.deletion_timestamp == "2025-01-01T00:00:05Z"

    serve(body)


def test_second_delete_with_zero_grace_removes_the_pod() -> None:
    """The kubelet's confirmation (gracePeriodSeconds=0) removes a pod being deleted."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("p", node="n1")))
        await api.ok(Delete(**PODS, name="p"))
        again = await api.ok(Delete(**PODS, name="p"))  # same grace: nothing changes
        assert again.metadata.deletion_grace_period_seconds == 30
        await api.ok(Delete(**PODS, name="p", options=DeleteOptions(grace_period_seconds=0)))
        await api.fail(Get(**PODS, name="p"), 404)

    serve(body)


def test_unscheduled_pod_is_deleted_at_once() -> None:
    """A pod on no node has no kubelet to wait for: removed immediately."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("p")))
        await api.ok(Delete(**PODS, name="p"))
        await api.fail(Get(**PODS, name="p"), 404)

    serve(body)


def test_finished_pod_is_deleted_at_once() -> None:
    """A Succeeded pod on a node has nothing left to stop: removed immediately."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("p", node="n1")))
        await api.ok(
            Patch(
                **PODS,
                name="p",
                patch_type=MERGE,
                patch={"status": {"phase": "Succeeded"}},
                subresource="status",
            )
        )
        await api.ok(Delete(**PODS, name="p"))
        await api.fail(Get(**PODS, name="p"), 404)

    serve(body)


def test_finalizer_holds_the_object_until_removed() -> None:
    """With a finalizer: MODIFIED with deletionTimestamp; DELETED once the finalizer goes."""

    async def body(api: Api) -> None:
        template = deployment("web")
        held = replace(template, metadata=replace(template.metadata, finalizers=("example.com/x",)))
        await api.ok(Create(**APPS, body=held))
        watcher = await api.recorder()
        await watcher.watch("deployments", group="apps", namespace="default")
        await api.settle()
        watcher.clear()
        marked = await api.ok(Delete(**APPS, name="web"))
        assert marked.metadata.deletion_timestamp == "2025-01-01T00:00:00Z"
        assert marked.metadata.deletion_grace_period_seconds == 0
        assert marked.metadata.generation == 2  # BeforeDelete bumps a tracked generation
        assert (await api.ok(Get(**APPS, name="web"))).metadata.finalizers == ("example.com/x",)
        await api.ok(
            Patch(**APPS, name="web", patch_type=MERGE, patch={"metadata": {"finalizers": None}})
        )
        await api.fail(Get(**APPS, name="web"), 404)
        await api.settle()
        assert watcher.seen() == [("MODIFIED", "web"), ("DELETED", "web")]

    serve(body)


def test_no_finalizer_may_be_added_during_deletion() -> None:
    """Once deletionTimestamp is set, adding a finalizer is 422 with Kubernetes' message."""

    async def body(api: Api) -> None:
        template = deployment("web")
        held = replace(template, metadata=replace(template.metadata, finalizers=("a/b",)))
        await api.ok(Create(**APPS, body=held))
        await api.ok(Delete(**APPS, name="web"))
        status = await api.fail(
            Patch(
                **APPS,
                name="web",
                patch_type=MERGE,
                patch={"metadata": {"finalizers": ["a/b", "c/d"]}},
            ),
            422,
        )
        assert status.message == (
            'Deployment.apps "web" is invalid: metadata.finalizers: Forbidden: no new finalizers '
            'can be added if the object is being deleted, found new finalizers []string{"c/d"}'
        )

    serve(body)


def test_orphan_and_foreground_policies_add_finalizers() -> None:
    """propagationPolicy Orphan adds `orphan`; Foreground adds `foregroundDeletion`."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("a")))
        await api.ok(Create(**APPS, body=deployment("b")))
        orphaned = await api.ok(
            Delete(**APPS, name="a", options=DeleteOptions(propagation_policy="Orphan"))
        )
        assert orphaned.metadata.finalizers == ("orphan",)
        assert orphaned.metadata.deletion_timestamp is not None
        foreground = await api.ok(
            Delete(**APPS, name="b", options=DeleteOptions(propagation_policy="Foreground"))
        )
        assert foreground.metadata.finalizers == ("foregroundDeletion",)

    serve(body)


def test_background_policy_removes_at_once() -> None:
    """propagationPolicy Background adds no finalizer: the owner goes now."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("a")))
        await api.ok(
            Delete(**APPS, name="a", options=DeleteOptions(propagation_policy="Background"))
        )
        await api.fail(Get(**APPS, name="a"), 404)

    serve(body)


def test_uid_precondition_mismatch_conflicts() -> None:
    """A delete whose precondition uid differs: 409 with the precondition message."""

    async def body(api: Api) -> None:
        created = await api.ok(Create(**APPS, body=deployment("web")))
        options = DeleteOptions(preconditions=Preconditions(uid="other-uid"))
        status = await api.fail(Delete(**APPS, name="web", options=options), 409)
        assert status.message == (
            'Operation cannot be fulfilled on deployments.apps "web": Precondition failed: '
            f"UID in precondition: other-uid, UID in object meta: {created.metadata.uid}"
        )
        assert (await api.ok(Get(**APPS, name="web"))).metadata.uid == created.metadata.uid
        matching = DeleteOptions(preconditions=Preconditions(uid=created.metadata.uid))
        await api.ok(Delete(**APPS, name="web", options=matching))
        await api.fail(Get(**APPS, name="web"), 404)

    serve(body)


def test_resource_version_precondition_mismatch_conflicts() -> None:
    """A delete whose precondition resourceVersion is stale: 409."""

    async def body(api: Api) -> None:
        created = await api.ok(Create(**APPS, body=deployment("web")))
        await api.ok(
            Patch(**APPS, name="web", patch_type=MERGE, patch={"metadata": {"labels": {"a": "b"}}})
        )
        stale = created.metadata.resource_version
        options = DeleteOptions(preconditions=Preconditions(resource_version=stale))
        status = await api.fail(Delete(**APPS, name="web", options=options), 409)
        assert f"ResourceVersion in precondition: {stale}" in status.message

    serve(body)


def test_namespace_delete_turns_it_terminating() -> None:
    """Deleting a namespace sets phase Terminating and deletionTimestamp; it stays listed."""

    async def body(api: Api) -> None:
        created = await api.ok(
            Create(resource="namespaces", body=Namespace(metadata=ObjectMeta(name="team")))
        )
        assert created.spec.finalizers == ("kubernetes",)
        await api.clock.sleep(3.0)
        marked = await api.ok(Delete(resource="namespaces", name="team"))
        assert marked.status.phase == "Terminating"
        assert marked.metadata.deletion_timestamp == "2025-01-01T00:00:03Z"
        listed = await api.ok(
            ListRequest(resource="namespaces", field_selector="status.phase=Terminating")
        )
        assert [n.metadata.name for n in listed.items] == ["team"]

    serve(body)


def test_namespace_is_removed_when_finalize_empties_its_finalizers() -> None:
    """namespaces/finalize with no finalizers left removes a terminating namespace."""

    async def body(api: Api) -> None:
        await api.ok(
            Create(resource="namespaces", body=Namespace(metadata=ObjectMeta(name="team")))
        )
        marked = await api.ok(Delete(resource="namespaces", name="team"))
        done = replace(marked, spec=replace(marked.spec, finalizers=()))
        await api.ok(Update(resource="namespaces", name="team", body=done, subresource="finalize"))
        await api.fail(Get(resource="namespaces", name="team"), 404)

    serve(body)


def test_deletecollection_honours_the_label_selector() -> None:
    """DELETE of a collection removes the selected objects only."""

    async def body(api: Api) -> None:
        for name, app in (("a", "web"), ("b", "web"), ("c", "db")):
            await api.ok(Create(**PODS, body=pod(name, labels={"app": app})))
        removed = await api.ok(DeleteCollection(**PODS, label_selector="app=web"))
        assert [p.metadata.name for p in removed.items] == ["a", "b"]
        assert removed.kind == "PodList"
        left = await api.ok(ListRequest(**PODS))
        assert [p.metadata.name for p in left.items] == ["c"]

    serve(body)


def test_shorter_grace_moves_the_deadline_back() -> None:
    """A second delete with a shorter grace: deadline = first deadline - old grace + new grace."""

    async def body(api: Api) -> None:
        held = pod("p", node="n1")
        held = replace(held, metadata=replace(held.metadata, finalizers=("example.com/x",)))
        await api.ok(Create(**PODS, body=held))
        await api.ok(Delete(**PODS, name="p"))  # deadline 00:00:30
        await api.clock.sleep(10.0)
        shorter = await api.ok(
            Delete(**PODS, name="p", options=DeleteOptions(grace_period_seconds=25))
        )
        assert shorter.metadata.deletion_timestamp == "2025-01-01T00:00:25Z"
        assert shorter.metadata.deletion_grace_period_seconds == 25
        longer = await api.ok(
            Delete(**PODS, name="p", options=DeleteOptions(grace_period_seconds=60))
        )
        assert longer.metadata.deletion_timestamp == "2025-01-01T00:00:25Z"
        now = await api.ok(Delete(**PODS, name="p", options=DeleteOptions(grace_period_seconds=0)))
        assert now.metadata.deletion_timestamp == "2025-01-01T00:00:10Z"
        assert now.metadata.finalizers == ("example.com/x",)

    serve(body)
