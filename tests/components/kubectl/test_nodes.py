"""cordon, uncordon and drain against a Node object and pods bound to it."""

from __future__ import annotations

from typing import Any

from k8s_actors.api.meta import ObjectMeta, OwnerReference
from k8s_actors.api.objects import Node, Pod
from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import PodSpec
from k8s_actors.api.objects.volume import EmptyDirVolumeSource, Volume
from k8s_actors.messages import KubectlResult
from tests.components.kubectl.conftest import Shell, shell


def _owner(kind: str) -> OwnerReference:
    return OwnerReference(
        api_version="apps/v1", kind=kind, name="owner", uid="u-1", controller=True
    )


def _pod(name: str, owner: str = "ReplicaSet", **meta: Any) -> Pod:
    refs = (_owner(owner),) if owner else ()
    volumes = meta.pop("volumes", ())
    return Pod(
        metadata=ObjectMeta(name=name, namespace="default", owner_references=refs, **meta),
        spec=PodSpec(
            containers=(Container(name="app", image="nginx"),),
            node_name="node-1",
            volumes=volumes,
        ),
    )


async def _node(sh: Shell) -> None:
    await sh.create(Node(metadata=ObjectMeta(name="node-1")))


def test_cordon_and_uncordon_toggle_unschedulable() -> None:
    """cordoned / already cordoned / uncordoned, with spec.unschedulable following."""

    async def body(sh: Shell) -> tuple[list[str], Any]:
        await _node(sh)
        outs = [
            await sh.ok("cordon node-1"),
            await sh.ok("cordon node-1"),
        ]
        cordoned = await sh.get("nodes", "node-1")
        outs += [await sh.ok("uncordon node-1"), await sh.ok("uncordon node-1")]
        return outs, cordoned

    outs, cordoned = shell(body)
    assert outs == [
        "node/node-1 cordoned\n",
        "node/node-1 already cordoned\n",
        "node/node-1 uncordoned\n",
        "node/node-1 already uncordoned\n",
    ]
    assert cordoned.spec.unschedulable is True


def test_drain_evicts_managed_pods_and_waits_for_them() -> None:
    """Evictions go through pods/eviction; mirror pods are left; the node ends drained."""

    async def body(sh: Shell) -> tuple[KubectlResult, list[str], list[Any]]:
        await _node(sh)
        await sh.create(_pod("web-1"))
        await sh.create(_pod("web-2"))
        await sh.create(_pod("static", owner="", annotations={"kubernetes.io/config.mirror": "x"}))
        result = await sh("drain node-1 --grace-period=0")
        left = [p.metadata.name for p in (await sh.api(_list_pods())).items]
        evictions = [
            r["name"]
            for r in sh.records()
            if r["event"] == "kubectl_request_sent" and r.get("subresource") == "eviction"
        ]
        return result, left, evictions

    result, left, evictions = shell(body)
    assert result.exit_code == 0, result
    assert result.stdout == (
        "node/node-1 cordoned\n"
        "evicting pod default/web-1\n"
        "evicting pod default/web-2\n"
        "pod/web-1 evicted\n"
        "pod/web-2 evicted\n"
        "node/node-1 drained\n"
    )
    assert left == ["static"]
    assert evictions == ["web-1", "web-2"]


def test_drain_refuses_daemonset_unmanaged_and_emptydir_pods() -> None:
    """Without the flags kubectl lists what it cannot delete and exits 1."""

    async def body(sh: Shell) -> KubectlResult:
        await _node(sh)
        await sh.create(_pod("agent", owner="DaemonSet"))
        return await sh("drain node-1")

    result = shell(body)
    assert result.exit_code == 1
    message = (
        "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent"
    )
    assert result.stderr == (
        f'error: unable to drain node "node-1" due to error: {message}, continuing command...\n'
        "There are pending nodes to be drained:\n node-1\n"
        f"error: {message}\n"
    )


def test_drain_with_flags_warns_and_proceeds() -> None:
    """--ignore-daemonsets, --force and --delete-emptydir-data turn refusals into warnings."""

    async def body(sh: Shell) -> tuple[KubectlResult, list[str]]:
        await _node(sh)
        await sh.create(_pod("agent", owner="DaemonSet"))
        await sh.create(_pod("loner", owner=""))
        await sh.create(
            _pod("cache", volumes=(Volume(name="tmp", empty_dir=EmptyDirVolumeSource()),))
        )
        result = await sh(
            "drain node-1 --ignore-daemonsets --force --delete-emptydir-data --grace-period=0"
        )
        left = [p.metadata.name for p in (await sh.api(_list_pods())).items]
        return result, left

    result, left = shell(body)
    assert result.exit_code == 0, result
    assert result.stderr == (
        "Warning: ignoring DaemonSet-managed Pods: default/agent; deleting Pods with local "
        "storage: default/cache; deleting Pods that declare no controller: default/loner\n"
    )
    assert left == ["agent"]


def _list_pods() -> Any:
    from k8s_actors.messages import ListRequest

    return ListRequest(resource="pods", namespace="default")
