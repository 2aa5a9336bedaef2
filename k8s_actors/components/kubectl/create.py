"""`create deployment|namespace|configmap|secret generic`, `create -f` and `apply -f`.

Role: kubectl's generators (pkg/cmd/create/create_*.go) build the object on the client side, as
`--dry-run=client -o yaml` shows it; the verb then POSTs it and prints
`deployment.apps/nginx created`. `apply` creates what is missing and patches what exists with
the manifest (recording the last-applied-configuration annotation as client-side apply does),
printing `created`, `configured` or `unchanged`. Neighbours: `actor` (calls `generate` before
discovery, then `run_*`), `session`, `printer`.
"""

from __future__ import annotations

import base64
import json
import string
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from k8s_actors.api.codec import to_builtins
from k8s_actors.api.labels import LabelSelector
from k8s_actors.api.manifest import ManifestError, load_manifest_file
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects import ConfigMap, Deployment, Namespace, Secret
from k8s_actors.api.objects.container import Container, ContainerPort
from k8s_actors.api.objects.pod import PodSpec, PodTemplateSpec
from k8s_actors.api.objects.workloads import DeploymentSpec
from k8s_actors.api.registry import REGISTRY
from k8s_actors.client import AlreadyExists, NotFound
from k8s_actors.components.kubectl.command import Command
from k8s_actors.components.kubectl.errors import KubectlError
from k8s_actors.components.kubectl.printer import document, to_json, to_yaml
from k8s_actors.components.kubectl.session import Session, object_name

if TYPE_CHECKING:
    import random  # annotations only: the run's generator is always handed in

__all__ = ["LAST_APPLIED", "container_name", "generate_create", "run_apply", "run_create"]

replace = msgspec.structs.replace
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def container_name(image: str, rng: random.Random) -> str:
    """The container name kubectl derives from an image (create_deployment.go buildPodSpec)."""
    name = image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    if "_" in name or "." in name:
        suffix = "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(5))
        name = name.replace("_", "-").replace(".", "-") + "-" + suffix
    return name


def _literals(command: Command) -> dict[str, str]:
    data: dict[str, str] = {}
    for item in command.list_flag("from-literal"):
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise KubectlError(f"error: invalid literal source {item}, expected key=value")
        data[key] = value
    return data


def generate_create(command: Command, rng: random.Random) -> list[Any]:
    """The objects a `create` verb sends, built on the client side."""
    name = command.args[0] if command.args else ""
    meta = ObjectMeta(name=name, namespace=command.namespace)
    if command.verb == "create deployment":
        labels = {"app": name}
        containers = [
            Container(name=container_name(image, rng), image=image)
            for image in command.list_flag("image")
        ]
        port = command.int_flag("port")
        if port >= 0 and containers:
            containers[0] = Container(
                name=containers[0].name,
                image=containers[0].image,
                ports=(ContainerPort(container_port=port),),
            )
        return [
            Deployment(
                metadata=ObjectMeta(name=name, namespace=command.namespace, labels=labels),
                spec=DeploymentSpec(
                    replicas=command.int_flag("replicas"),
                    selector=LabelSelector(match_labels=labels),
                    template=PodTemplateSpec(
                        metadata=ObjectMeta(labels=labels),
                        spec=PodSpec(containers=tuple(containers)),
                    ),
                ),
            )
        ]
    if command.verb == "create namespace":
        return [Namespace(metadata=ObjectMeta(name=name))]
    if command.verb == "create configmap":
        return [ConfigMap(metadata=meta, data=_literals(command))]
    if command.verb == "create secret generic":
        encoded = {
            key: base64.b64encode(value.encode()).decode()
            for key, value in _literals(command).items()
        }
        return [Secret(metadata=meta, type=command.text_flag("type"), data=encoded)]
    return []


def read_files(command: Command, workdir: Path) -> list[Any]:
    """The objects of every `-f` file, relative to the actor's working directory."""
    objects: list[Any] = []
    for name in command.list_flag("filename"):
        path = workdir / name
        if not path.exists():
            raise KubectlError(f'error: the path "{name}" does not exist')
        try:
            objects.extend(load_manifest_file(path))
        except ManifestError as error:
            raise KubectlError(f'error: error validating "{name}": {error}') from None
    return objects


def dry_run_suffix(command: Command) -> str:
    mode = command.text_flag("dry-run")
    if mode in ("client", "unchanged"):
        return " (dry run)"
    return " (server dry run)" if mode == "server" else ""


def print_result(session: Session, obj: Any, operation: str) -> None:
    """`-o yaml|json|name`, or the `kind/name operation` line."""
    info = REGISTRY.for_object(obj)
    output = session.command.text_flag("output")
    if output == "yaml":
        session.out.write(to_yaml(document(obj)))
    elif output == "json":
        session.out.write(to_json(document(obj)))
    elif output == "name":
        session.print(object_name(info, obj.metadata.name))
    else:
        session.print(f"{object_name(info, obj.metadata.name)} {operation}")


async def run_create(session: Session, objects: list[Any]) -> None:
    """POST each generated (or read) object; print what was created."""
    command = session.command
    mode = command.text_flag("dry-run")
    suffix = dry_run_suffix(command)
    failures: list[str] = []
    for obj in objects:
        info = REGISTRY.for_object(obj)
        if mode in ("client", "unchanged"):
            print_result(session, obj, "created" + suffix)
            continue
        try:
            created = await session.create(info, obj, dry_run=mode == "server")
        except AlreadyExists as error:
            failures.append(f"Error from server (AlreadyExists): {error}")
            continue
        print_result(session, created, "created" + suffix)
    if failures:
        raise KubectlError("\n".join(failures))


async def run_apply(session: Session, objects: list[Any]) -> None:
    """Create the missing objects, patch the others with their manifest."""
    for obj in objects:
        info = REGISTRY.for_object(obj)
        manifest = to_builtins(obj)
        manifest.pop("status", None)
        if info.namespaced and not manifest.get("metadata", {}).get("namespace"):
            manifest.setdefault("metadata", {})["namespace"] = session.namespace
        recorded = json.dumps(manifest, separators=(",", ":"), sort_keys=True)
        annotations = {**obj.metadata.annotations, LAST_APPLIED: recorded + "\n"}
        try:
            live = await session.get(info, obj.metadata.name)
        except NotFound:
            live = None
        if live is None:
            annotated = replace(obj, metadata=replace(obj.metadata, annotations=annotations))
            created = await session.create(info, annotated)
            print_result(session, created, "created")
            continue
        patch = {**manifest, "metadata": {**manifest["metadata"], "annotations": annotations}}
        patched = await session.patch(
            info, obj.metadata.name, patch, "application/merge-patch+json"
        )
        changed = patched.metadata.resource_version != live.metadata.resource_version
        print_result(session, patched, "configured" if changed else "unchanged")
