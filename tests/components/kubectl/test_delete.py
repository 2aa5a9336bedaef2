"""delete: propagation policies, kubectl's default wait, grace periods and selectors."""

from __future__ import annotations

from typing import Any

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects import Node
from k8s_actors.api.objects.machinery import DeleteOptions
from k8s_actors.messages import Delete, KubectlResult
from tests.components.kubectl.conftest import Shell, shell


def _policies(sh: Shell) -> list[Any]:
    return [
        r["propagation_policy"]
        for r in sh.records()
        if r["event"] == "kubectl_request_sent" and r["verb"] == "delete"
    ]


def test_delete_uses_background_and_prints_kind_and_name() -> None:
    """Default cascade is Background; the object is gone afterwards."""

    async def body(sh: Shell) -> tuple[str, list[Any], KubectlResult]:
        await sh.ok("create deployment nginx --image=nginx")
        out = await sh.ok("delete deployment nginx")
        return out, _policies(sh), await sh("get deploy nginx")

    out, policies, after = shell(body)
    assert out == 'deployment.apps "nginx" deleted\n'
    assert policies == ["Background"]
    assert after.exit_code == 1


def test_orphan_and_foreground_map_to_their_policies() -> None:
    """--cascade=orphan and foreground become Orphan and Foreground (finalizers show them)."""

    async def body(sh: Shell) -> tuple[list[Any], Any, Any]:
        await sh.ok("create deployment a --image=nginx")
        await sh.ok("create deployment b --image=nginx")
        # No garbage collector runs here to remove the finalizers, so do not wait for it.
        await sh.ok("delete deploy/a --cascade=orphan --wait=false")
        await sh.ok("delete deploy/b --cascade=foreground --wait=false")
        return _policies(sh), await sh.get("deployments", "a"), await sh.get("deployments", "b")

    policies, orphaned, foreground = shell(body)
    assert policies == ["Orphan", "Foreground"]
    assert orphaned.metadata.finalizers == ("orphan",)
    assert foreground.metadata.finalizers == ("foregroundDeletion",)


def test_delete_wait_is_bounded_by_timeout() -> None:
    """An object held by a finalizer makes kubectl time out after --timeout."""

    async def body(sh: Shell) -> KubectlResult:
        await sh.ok("create deployment a --image=nginx")
        return await sh("delete deploy/a --cascade=orphan --timeout=10s")

    result = shell(body)
    assert result.exit_code == 1
    assert result.stdout == 'deployment.apps "a" deleted\n'
    assert result.stderr == "error: timed out waiting for the condition on deployments/a\n"


def test_delete_waits_until_a_graceful_pod_is_gone() -> None:
    """A bound pod has 30s of grace: kubectl returns only once it is removed."""

    async def body(sh: Shell) -> tuple[KubectlResult, float]:
        await sh.create(_node())
        await sh.ok("run web --image=nginx")
        await sh.patch("pods", "web", {"spec": {"nodeName": "node-1"}})

        async def kubelet_confirms() -> None:
            await sh.api(_delete_now("web"))

        result = await sh.during("delete pod web", (12.0, kubelet_confirms))
        return result, sh.clock.now()

    result, now = shell(body)
    assert result.stdout == 'pod "web" deleted\n'
    assert now >= 12.0


def test_delete_by_selector_and_missing_names() -> None:
    """-l deletes what it selects; a missing name is the server's NotFound."""

    async def body(sh: Shell) -> tuple[str, KubectlResult]:
        await sh.ok("run a --image=nginx --labels=tier=front")
        await sh.ok("run b --image=nginx --labels=tier=back")
        return await sh.ok("delete pods -l tier=front"), await sh("delete pod ghost")

    out, missing = shell(body)
    assert out == 'pod "a" deleted\n'
    assert missing.stderr == 'Error from server (NotFound): pods "ghost" not found\n'


def _node() -> Node:
    return Node(metadata=ObjectMeta(name="node-1"))


def _delete_now(name: str) -> Delete:
    return Delete(
        resource="pods",
        namespace="default",
        name=name,
        options=DeleteOptions(grace_period_seconds=0),
    )
