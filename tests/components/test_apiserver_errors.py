"""kube-apiserver: failures answered as Kubernetes `Status` data with its reasons, codes and words.

NotFound, AlreadyExists, NamespaceLifecycle (missing, terminating, immortal namespaces), bad
selectors, unknown resources, bodies of the wrong kind, validation errors.
"""

from __future__ import annotations

import msgspec

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Namespace
from k8s_actors.api.objects.pod import Pod
from k8s_actors.messages import Create, Delete, Get, ListRequest, Update, Watch

from .conftest import APPS, Api, deployment, pod, serve

replace = msgspec.structs.replace


def test_create_twice_is_already_exists() -> None:
    """A second create of the same name: 409 AlreadyExists, `deployments.apps "web" ...`."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("web")))
        status = await api.fail(Create(**APPS, body=deployment("web")), 409)
        assert status.reason == "AlreadyExists"
        assert status.status == "Failure"
        assert status.message == 'deployments.apps "web" already exists'

    serve(body)


def test_core_group_messages_have_no_group_suffix() -> None:
    """Core resources are named without a group: `pods "p" already exists`."""

    async def body(api: Api) -> None:
        await api.ok(Create(resource="pods", namespace="default", body=pod("p")))
        status = await api.fail(Create(resource="pods", namespace="default", body=pod("p")), 409)
        assert status.message == 'pods "p" already exists'

    serve(body)


def test_get_missing_is_not_found() -> None:
    """GET of an absent object: 404 NotFound with details naming it."""

    async def body(api: Api) -> None:
        status = await api.fail(Get(**APPS, name="gone"), 404)
        assert status.reason == "NotFound"
        assert status.message == 'deployments.apps "gone" not found'
        assert status.details is not None
        assert (status.details.name, status.details.kind) == ("gone", "deployments")

    serve(body)


def test_create_in_missing_namespace_is_not_found() -> None:
    """Creating in a namespace that does not exist: 404 `namespaces "nope" not found`."""

    async def body(api: Api) -> None:
        status = await api.fail(Create(resource="pods", namespace="nope", body=pod("p")), 404)
        assert status.message == 'namespaces "nope" not found'

    serve(body)


def test_create_in_terminating_namespace_is_forbidden() -> None:
    """Creating in a terminating namespace: 403 with NamespaceLifecycle's message."""

    async def body(api: Api) -> None:
        await api.ok(
            Create(resource="namespaces", body=Namespace(metadata=ObjectMeta(name="team")))
        )
        await api.ok(Delete(resource="namespaces", name="team"))
        status = await api.fail(Create(resource="pods", namespace="team", body=pod("p")), 403)
        assert status.reason == "Forbidden"
        assert status.message == (
            'pods "p" is forbidden: unable to create new content in namespace team '
            "because it is being terminated"
        )

    serve(body)


def test_immortal_namespaces_cannot_be_deleted() -> None:
    """default, kube-system and kube-public: 403 `this namespace may not be deleted`."""

    async def body(api: Api) -> None:
        for name in ("default", "kube-system", "kube-public"):
            status = await api.fail(Delete(resource="namespaces", name=name), 403)
            assert status.message == (
                f'namespaces "{name}" is forbidden: this namespace may not be deleted'
            )
        still = await api.ok(Get(resource="namespaces", name="default"))
        assert still.metadata.deletion_timestamp is None

    serve(body)


def test_unsupported_field_selector_is_bad_request() -> None:
    """A field the kind cannot select on: 400 `field label not supported: ...`."""

    async def body(api: Api) -> None:
        status = await api.fail(ListRequest(resource="pods", field_selector="spec.image=x"), 400)
        assert status.reason == "BadRequest"
        assert status.message == "field label not supported: spec.image"
        generic = await api.fail(ListRequest(**APPS, field_selector="spec.replicas=3"), 400)
        assert generic.message == (
            '"spec.replicas" is not a known field selector: only "metadata.name", '
            '"metadata.namespace"'
        )

    serve(body)


def test_unsupported_field_selector_refuses_the_watch() -> None:
    """A watch with an unsupported field selector is refused with 400, not opened."""

    async def body(api: Api) -> None:
        watcher = await api.recorder()
        answer = await watcher.watch("pods", field_selector="spec.image=x")
        assert answer.code == 400

    serve(body)


def test_bad_label_selector_is_bad_request() -> None:
    """A label selector that does not parse: 400."""

    async def body(api: Api) -> None:
        status = await api.fail(ListRequest(resource="pods", label_selector="a in (b"), 400)
        assert status.reason == "BadRequest"

    serve(body)


def test_unknown_resource_is_not_found() -> None:
    """A resource the server does not serve: 404 `the server could not find ...`."""

    async def body(api: Api) -> None:
        status = await api.fail(ListRequest(resource="widgets"), 404)
        assert status.message == "the server could not find the requested resource"
        wrong_group = await api.fail(ListRequest(resource="deployments"), 404)
        assert wrong_group.reason == "NotFound"
        assert (await api.call(Watch(resource="widgets", watch_id=1))).code == 404

    serve(body)


def test_body_of_another_kind_is_bad_request() -> None:
    """Posting a Deployment to pods: 400 `... cannot be handled as a Pod`."""

    async def body(api: Api) -> None:
        status = await api.fail(
            Create(resource="pods", namespace="default", body=deployment()), 400
        )
        assert status.message == 'Deployment in version "apps/v1" cannot be handled as a Pod'

    serve(body)


def test_namespace_mismatch_is_bad_request() -> None:
    """A body naming another namespace than the request: 400."""

    async def body(api: Api) -> None:
        status = await api.fail(
            Create(resource="pods", namespace="default", body=pod("p", namespace="kube-system")),
            400,
        )
        assert "does not match the namespace sent on the request" in status.message

    serve(body)


def test_update_name_mismatch_is_bad_request() -> None:
    """An update whose body names another object than the URL: 400."""

    async def body(api: Api) -> None:
        created = await api.ok(Create(resource="pods", namespace="default", body=pod("p")))
        status = await api.fail(
            Update(resource="pods", namespace="default", name="q", body=created), 400
        )
        assert status.message == (
            "the name of the object (p) does not match the name on the URL (q)"
        )

    serve(body)


def test_invalid_object_lists_field_errors() -> None:
    """A pod without containers: 422 Invalid with a cause for spec.containers."""

    async def body(api: Api) -> None:
        empty = Pod(metadata=ObjectMeta(name="p"))
        status = await api.fail(Create(resource="pods", namespace="default", body=empty), 422)
        assert status.reason == "Invalid"
        assert status.message.startswith('Pod "p" is invalid: ')
        assert "spec.containers: Required value" in status.message
        assert status.details is not None
        assert status.details.kind == "Pod"
        assert "spec.containers" in [c.field for c in status.details.causes]

    serve(body)


def test_update_of_missing_object_is_not_found() -> None:
    """An update of an object that does not exist: 404 (PUT does not create here)."""

    async def body(api: Api) -> None:
        status = await api.fail(
            Update(resource="pods", namespace="default", name="p", body=pod("p")), 404
        )
        assert status.message == 'pods "p" not found'

    serve(body)


def test_list_from_a_future_version_times_out() -> None:
    """A list at a resourceVersion the server has not reached: 504 Timeout, `Too large ...`."""

    async def body(api: Api) -> None:
        listed = await api.ok(ListRequest(resource="pods"))
        current = listed.metadata.resource_version
        status = await api.fail(ListRequest(resource="pods", resource_version="999"), 504)
        assert status.reason == "Timeout"
        assert status.message == (f"Timeout: Too large resource version: 999, current: {current}")

    serve(body)
