"""scale, set image, label, annotate: the requests kubectl sends and the lines it prints."""

from __future__ import annotations

from typing import Any

from k8s_actors.messages import KubectlResult
from tests.components.kubectl.conftest import Shell, shell


def _sent(sh: Shell, verb: str) -> list[dict[str, Any]]:
    return [r for r in sh.records() if r["event"] == "kubectl_request_sent" and r["verb"] == verb]


def test_scale_goes_through_the_scale_subresource() -> None:
    """scale reads and writes deployments/scale and prints `scaled`."""

    async def body(sh: Shell) -> tuple[str, Any, list[Any]]:
        await sh.ok("create deployment nginx --image=nginx --replicas=3")
        out = await sh.ok("scale deployment nginx --replicas=5")
        return out, await sh.get("deployments", "nginx"), _sent(sh, "update")

    out, deployment, updates = shell(body)
    assert out == "deployment.apps/nginx scaled\n"
    assert deployment.spec.replicas == 5
    assert [u["subresource"] for u in updates] == ["scale"]


def test_scale_precondition_on_current_replicas() -> None:
    """--current-replicas that does not match refuses the change."""

    async def body(sh: Shell) -> KubectlResult:
        await sh.ok("create deployment nginx --image=nginx --replicas=3")
        return await sh("scale deploy/nginx --replicas=5 --current-replicas=2")

    assert shell(body).stderr == "error: Expected replicas to be 2, was 3\n"


def test_set_image_patches_the_pod_template() -> None:
    """A strategic merge patch changes the named container's image only."""

    async def body(sh: Shell) -> tuple[str, Any, list[Any]]:
        await sh.ok("create deployment web --image=nginx:1.24 --image=busybox")
        out = await sh.ok("set image deployment/web nginx=nginx:1.25")
        return out, await sh.get("deployments", "web"), _sent(sh, "patch")

    out, deployment, patches = shell(body)
    assert out == "deployment.apps/web image updated\n"
    images = [(c.name, c.image) for c in deployment.spec.template.spec.containers]
    assert images == [("nginx", "nginx:1.25"), ("busybox", "busybox")]
    assert patches[0]["patch_type"] == "application/strategic-merge-patch+json"


def test_set_image_of_an_unknown_container() -> None:
    """kubectl names the container it could not find."""

    async def body(sh: Shell) -> KubectlResult:
        await sh.ok("create deployment web --image=nginx")
        return await sh("set image deployment/web app=nginx:2")

    assert shell(body).stderr == 'error: unable to find container named "app"\n'


def test_label_add_overwrite_and_remove() -> None:
    """labeled, refusal without --overwrite, then unlabeled for a removal."""

    async def body(sh: Shell) -> tuple[list[KubectlResult], Any]:
        await sh.ok("run web --image=nginx")
        results = [
            await sh("label pods web tier=front"),
            await sh("label pods web tier=back"),
            await sh("label pods web tier=back --overwrite"),
            await sh("label pod/web tier-"),
        ]
        return results, await sh.get("pods", "web")

    results, pod = shell(body)
    assert [r.stdout for r in results] == [
        "pod/web labeled\n",
        "",
        "pod/web labeled\n",
        "pod/web unlabeled\n",
    ]
    assert (
        results[1].stderr == "error: 'tier' already has a value (front), and --overwrite is false\n"
    )
    assert pod.metadata.labels == {"run": "web"}


def test_annotate_and_overwrite_refusal() -> None:
    """annotated; an existing key without --overwrite lists what is declared."""

    async def body(sh: Shell) -> tuple[str, KubectlResult, Any]:
        await sh.ok("run web --image=nginx")
        out = await sh.ok("annotate pods web note=hello")
        again = await sh("annotate pods web note=bye")
        return out, again, await sh.get("pods", "web")

    out, again, pod = shell(body)
    assert out == "pod/web annotated\n"
    assert again.stderr == (
        "error: --overwrite is false but found the following declared annotation(s): "
        "'note' already has a value (hello)\n"
    )
    assert pod.metadata.annotations == {"note": "hello"}
