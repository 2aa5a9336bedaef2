"""kube-apiserver: the three patch formats end to end, through admission, defaulting and storage.

The pure patch functions have their own tests; these check what the verb does around them:
the stored result, generation, the status subresource, and the errors a bad patch gets.
"""

from __future__ import annotations

from k8s_actors.messages import Create, Get, Patch

from .conftest import APPS, Api, deployment, serve

MERGE = "application/merge-patch+json"
JSON = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"


def test_merge_patch_changes_replicas_and_bumps_generation() -> None:
    """A JSON merge patch of spec.replicas is stored and bumps generation."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("web")))
        patched = await api.ok(
            Patch(**APPS, name="web", patch_type=MERGE, patch={"spec": {"replicas": 5}})
        )
        assert patched.spec.replicas == 5
        assert patched.metadata.generation == 2
        assert (await api.ok(Get(**APPS, name="web"))).spec.replicas == 5

    serve(body)


def test_merge_patch_null_removes_a_label() -> None:
    """null in a merge patch deletes the key."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("web")))
        await api.ok(
            Patch(
                **APPS,
                name="web",
                patch_type=MERGE,
                patch={"metadata": {"labels": {"a": "1", "b": "2"}}},
            )
        )
        patched = await api.ok(
            Patch(**APPS, name="web", patch_type=MERGE, patch={"metadata": {"labels": {"a": None}}})
        )
        assert patched.metadata.labels == {"b": "2"}
        assert patched.metadata.generation == 1

    serve(body)


def test_json_patch_replaces_and_tests() -> None:
    """RFC 6902 operations apply in order; a failing `test` op is a 422 and writes nothing."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("web")))
        ops = [
            {"op": "test", "path": "/spec/replicas", "value": 3},
            {"op": "replace", "path": "/spec/replicas", "value": 2},
            {"op": "add", "path": "/metadata/labels", "value": {"tier": "web"}},
        ]
        patched = await api.ok(Patch(**APPS, name="web", patch_type=JSON, patch=ops))
        assert patched.spec.replicas == 2
        assert patched.metadata.labels == {"tier": "web"}
        failing = [{"op": "test", "path": "/spec/replicas", "value": 3}]
        response = await api.call(Patch(**APPS, name="web", patch_type=JSON, patch=failing))
        assert not response.ok
        assert (await api.ok(Get(**APPS, name="web"))).metadata.resource_version == (
            patched.metadata.resource_version
        )

    serve(body)


def test_strategic_merge_patch_merges_containers_by_name() -> None:
    """A strategic patch of one container by name keeps the other container."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("web")))
        patch = {
            "spec": {
                "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}
            }
        }
        patched = await api.ok(Patch(**APPS, name="web", patch_type=STRATEGIC, patch=patch))
        containers = patched.spec.template.spec.containers
        assert [(c.name, c.image) for c in containers] == [
            ("nginx", "nginx:1.27"),
            ("sidecar", "busybox:1.36"),
        ]
        assert patched.metadata.generation == 2

    serve(body)


def test_merge_patch_replaces_the_container_list() -> None:
    """The same patch as a JSON merge patch replaces the whole list (no merge keys)."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("web")))
        patch = {
            "spec": {
                "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}
            }
        }
        patched = await api.ok(Patch(**APPS, name="web", patch_type=MERGE, patch=patch))
        assert [c.name for c in patched.spec.template.spec.containers] == ["nginx"]

    serve(body)


def test_status_patch_changes_status_only() -> None:
    """A patch of deployments/status ignores spec changes and keeps generation."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("web")))
        patch = {"spec": {"replicas": 9}, "status": {"replicas": 3, "readyReplicas": 2}}
        patched = await api.ok(
            Patch(**APPS, name="web", patch_type=MERGE, patch=patch, subresource="status")
        )
        assert patched.spec.replicas == 3
        assert (patched.status.replicas, patched.status.ready_replicas) == (3, 2)
        assert patched.metadata.generation == 1

    serve(body)


def test_patch_that_breaks_validation_is_invalid() -> None:
    """A patch producing a negative replica count answers 422 Invalid and stores nothing."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("web")))
        status = await api.fail(
            Patch(**APPS, name="web", patch_type=MERGE, patch={"spec": {"replicas": -1}}), 422
        )
        assert status.reason == "Invalid"
        assert status.message.startswith('Deployment.apps "web" is invalid: spec.replicas')
        assert (await api.ok(Get(**APPS, name="web"))).spec.replicas == 3

    serve(body)


def test_unknown_patch_type_is_415() -> None:
    """An unknown content type answers 415 UnsupportedMediaType."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("web")))
        status = await api.fail(Patch(**APPS, name="web", patch_type="text/plain", patch={}), 415)
        assert status.reason == "UnsupportedMediaType"

    serve(body)


def test_patch_of_missing_object_is_404() -> None:
    """Patching an object that does not exist answers NotFound."""

    async def body(api: Api) -> None:
        status = await api.fail(Patch(**APPS, name="none", patch_type=MERGE, patch={}), 404)
        assert status.message == 'deployments.apps "none" not found'

    serve(body)
