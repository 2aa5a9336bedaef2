"""create, run, apply and expose: the objects kubectl builds, and what it prints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from k8s_actors.messages import KubectlResult
from tests.components.kubectl.conftest import Shell, shell


def test_create_deployment_builds_kubectls_object() -> None:
    """Labels app=NAME, selector, replicas and a container named after the image."""

    async def body(sh: Shell) -> tuple[str, Any]:
        out = await sh.ok("create deployment nginx --image=nginx:1.24 --replicas=3 --port=80")
        return out, await sh.get("deployments", "nginx")

    out, deployment = shell(body)
    assert out == "deployment.apps/nginx created\n"
    assert deployment.metadata.labels == {"app": "nginx"}
    assert deployment.spec.replicas == 3
    assert deployment.spec.selector.match_labels == {"app": "nginx"}
    (container,) = deployment.spec.template.spec.containers
    assert (container.name, container.image) == ("nginx", "nginx:1.24")
    assert container.ports[0].container_port == 80


def test_create_twice_reports_already_exists() -> None:
    """The second create prints the server's AlreadyExists and exits 1."""

    async def body(sh: Shell) -> KubectlResult:
        await sh.ok("create namespace team")
        return await sh("create namespace team")

    result = shell(body)
    assert result.exit_code == 1
    assert result.stderr == 'Error from server (AlreadyExists): namespaces "team" already exists\n'


def test_create_configmap_and_secret() -> None:
    """--from-literal fills data; a secret's values are base64."""

    async def body(sh: Shell) -> tuple[str, Any, Any]:
        out = await sh.ok("create configmap cfg --from-literal=a=b")
        out += await sh.ok("create secret generic s --from-literal=a=b")
        return out, await sh.get("configmaps", "cfg"), await sh.get("secrets", "s")

    out, configmap, secret = shell(body)
    assert out == "configmap/cfg created\nsecret/s created\n"
    assert configmap.data == {"a": "b"}
    assert secret.data == {"a": "Yg=="}


def test_client_dry_run_prints_yaml_without_creating() -> None:
    """--dry-run=client -o yaml prints the generated object; nothing is stored."""

    async def body(sh: Shell) -> tuple[str, KubectlResult]:
        out = await sh.ok("create deployment web --image=nginx --dry-run=client -o yaml")
        return out, await sh("get deploy web")

    out, after = shell(body)
    assert "kind: Deployment" in out and "image: nginx" in out
    assert after.exit_code == 1


def test_run_creates_a_pod() -> None:
    """kubectl run makes a Pod labelled run=NAME."""

    async def body(sh: Shell) -> tuple[str, Any]:
        return await sh.ok("run web --image=nginx"), await sh.get("pods", "web")

    out, pod = shell(body)
    assert out == "pod/web created\n"
    assert pod.metadata.labels == {"run": "web"}
    assert pod.spec.containers[0].name == "web"


def test_legacy_run_generator_creates_a_deployment() -> None:
    """--generator=deployment/apps.v1 --replicas=3 makes the old Deployment."""

    async def body(sh: Shell) -> tuple[str, Any]:
        out = await sh.ok("run nginx --image=nginx --replicas=3 --generator=deployment/apps.v1")
        return out, await sh.get("deployments", "nginx")

    out, deployment = shell(body)
    assert out == "deployment.apps/nginx created\n"
    assert deployment.spec.replicas == 3
    assert deployment.spec.selector.match_labels == {"run": "nginx"}


MANIFEST = """
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: MODE}
"""


def test_apply_creates_then_configures_then_leaves_unchanged(tmp_path: Path) -> None:
    """apply -f prints created, configured, unchanged as the object evolves."""
    path = tmp_path / "cm.yaml"

    async def body(sh: Shell) -> tuple[list[str], Any]:
        outs = []
        for mode in ("a", "b", "b"):
            path.write_text(MANIFEST.replace("MODE", mode))
            outs.append(await sh.ok("apply -f cm.yaml"))
        return outs, await sh.get("configmaps", "settings")

    outs, configmap = shell(body, workdir=tmp_path)
    assert outs == [
        "configmap/settings created\n",
        "configmap/settings configured\n",
        "configmap/settings unchanged\n",
    ]
    assert configmap.data == {"mode": "b"}
    assert "kubectl.kubernetes.io/last-applied-configuration" in configmap.metadata.annotations


def test_apply_of_a_missing_file() -> None:
    """A -f path that does not exist is kubectl's error."""

    async def body(sh: Shell) -> KubectlResult:
        return await sh("apply -f nowhere.yaml")

    assert shell(body, workdir=Path("/nonexistent")).stderr == (
        'error: the path "nowhere.yaml" does not exist\n'
    )


def test_expose_deployment_makes_a_service() -> None:
    """The service selects the deployment's pods on --port, targeting --target-port."""

    async def body(sh: Shell) -> tuple[str, Any]:
        await sh.ok("create deployment web --image=nginx")
        out = await sh.ok("expose deployment web --port=80 --target-port=8080 --type=NodePort")
        return out, await sh.get("services", "web")

    out, service = shell(body)
    assert out == "service/web exposed\n"
    assert service.spec.selector == {"app": "web"}
    assert service.spec.type == "NodePort"
    (port,) = service.spec.ports
    assert (port.port, port.target_port, port.protocol) == (80, 8080, "TCP")


def test_expose_without_port_fails_as_kubectl() -> None:
    """No --port and no container port: kubectl's introspection error."""

    async def body(sh: Shell) -> KubectlResult:
        await sh.ok("create deployment web --image=nginx")
        return await sh("expose deployment web")

    assert shell(body).stderr == "error: couldn't find port via --port flag or introspection\n"
