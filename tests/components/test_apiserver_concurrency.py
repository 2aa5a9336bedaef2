"""kube-apiserver: optimistic concurrency with resourceVersion, as etcd3's GuaranteedUpdate does.

A stale resourceVersion is a 409 Conflict with Kubernetes' exact message; an empty one updates
unconditionally; of two writers that read the same version, exactly one wins.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from k8s_actors.messages import Create, Get, Patch, Update

from .conftest import APPS, Api, deployment, serve

replace = msgspec.structs.replace
CONFLICT = (
    'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; '
    "please apply your changes to the latest version and try again"
)


def _scaled(obj: Any, replicas: int) -> Any:
    return replace(obj, spec=replace(obj.spec, replicas=replicas))


def test_update_with_stale_resource_version_conflicts() -> None:
    """An update carrying an older resourceVersion is refused with 409 Conflict."""

    async def body(api: Api) -> None:
        first = await api.ok(Create(**APPS, body=deployment("web")))
        await api.ok(Update(**APPS, name="web", body=_scaled(first, 4)))
        status = await api.fail(Update(**APPS, name="web", body=_scaled(first, 5)), 409)
        assert status.reason == "Conflict"
        assert status.message == CONFLICT
        assert status.details is not None
        assert (status.details.name, status.details.group, status.details.kind) == (
            "web",
            "apps",
            "deployments",
        )
        current = await api.ok(Get(**APPS, name="web"))
        assert current.spec.replicas == 4

    serve(body)


def test_update_with_empty_resource_version_is_unconditional() -> None:
    """An update without a resourceVersion overwrites whatever version is stored."""

    async def body(api: Api) -> None:
        first = await api.ok(Create(**APPS, body=deployment("web")))
        await api.ok(Update(**APPS, name="web", body=_scaled(first, 4)))
        blind = _scaled(first, 6)
        blind = replace(blind, metadata=replace(blind.metadata, resource_version=""))
        written = await api.ok(Update(**APPS, name="web", body=blind))
        assert written.spec.replicas == 6
        assert written.metadata.generation == 3

    serve(body)


def test_update_with_current_resource_version_succeeds() -> None:
    """An update carrying the stored resourceVersion succeeds and gets a new one."""

    async def body(api: Api) -> None:
        first = await api.ok(Create(**APPS, body=deployment("web")))
        written = await api.ok(Update(**APPS, name="web", body=_scaled(first, 2)))
        assert int(written.metadata.resource_version) > int(first.metadata.resource_version)

    serve(body)


def test_of_two_racing_writers_one_wins() -> None:
    """Two updates sent at once from the same version: one 200, one 409."""

    async def body(api: Api) -> None:
        first = await api.ok(Create(**APPS, body=deployment("web")))
        answers = await asyncio.gather(
            api.call(Update(**APPS, name="web", body=_scaled(first, 7))),
            api.call(Update(**APPS, name="web", body=_scaled(first, 8)), src="other-client"),
        )
        assert sorted(a.code for a in answers) == [200, 409]
        winner: Any = next(a for a in answers if a.ok).obj
        current = await api.ok(Get(**APPS, name="web"))
        assert current.spec.replicas == winner.spec.replicas

    serve(body)


def test_racing_unconditional_patches_both_apply() -> None:
    """Patches without a resourceVersion retry a lost race: both label changes land."""

    async def body(api: Api) -> None:
        await api.ok(Create(**APPS, body=deployment("web")))
        merge = "application/merge-patch+json"
        await asyncio.gather(
            api.call(
                Patch(
                    **APPS, name="web", patch_type=merge, patch={"metadata": {"labels": {"a": "1"}}}
                )
            ),
            api.call(
                Patch(
                    **APPS, name="web", patch_type=merge, patch={"metadata": {"labels": {"b": "2"}}}
                ),
                src="other-client",
            ),
        )
        current = await api.ok(Get(**APPS, name="web"))
        assert current.metadata.labels == {"a": "1", "b": "2"}

    serve(body)


def test_patch_with_stale_resource_version_conflicts() -> None:
    """A patch that names an old resourceVersion is refused with 409 Conflict."""

    async def body(api: Api) -> None:
        first = await api.ok(Create(**APPS, body=deployment("web")))
        await api.ok(Update(**APPS, name="web", body=_scaled(first, 4)))
        patch = {"metadata": {"resourceVersion": first.metadata.resource_version}}
        status = await api.fail(
            Patch(**APPS, name="web", patch_type="application/merge-patch+json", patch=patch), 409
        )
        assert status.message == CONFLICT

    serve(body)
