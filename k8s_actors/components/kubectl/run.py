"""`kubectl run NAME --image=I`: a Pod (kubectl >= 1.18), or, legacy, a Deployment.

Role: the client-side generator of `run` (pkg/cmd/run/run.go): a Pod labelled `run=NAME` with
one container named NAME, restartPolicy from `--restart`. With `--generator=deployment/apps.v1`
(kubectl before 1.18) it builds the Deployment of the old DeploymentAppsV1 generator instead:
`--replicas` replicas selected by `run=NAME`. Neighbours: `create` (posting and printing),
`commands` (where the legacy flag is allowed).
"""

from __future__ import annotations

from typing import Any

from k8s_actors.api.labels import LabelSelector
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects import Deployment, Pod
from k8s_actors.api.objects.container import Container, ContainerPort, EnvVar
from k8s_actors.api.objects.pod import PodSpec, PodTemplateSpec
from k8s_actors.api.objects.workloads import DeploymentSpec
from k8s_actors.components.kubectl.command import Command
from k8s_actors.components.kubectl.errors import KubectlError
from k8s_actors.components.kubectl.verbs import LEGACY_GENERATOR

__all__ = ["generate_run"]


def _labels(command: Command, name: str) -> dict[str, str]:
    text = command.text_flag("labels")
    if not text:
        return {"run": name}
    labels: dict[str, str] = {}
    for pair in text.split(","):
        key, equals, value = pair.partition("=")
        if not equals:
            raise KubectlError(f"error: invalid label spec: {pair}")
        labels[key] = value
    return labels


def _container(command: Command, name: str) -> Container:
    env = []
    for item in command.list_flag("env"):
        key, _, value = item.partition("=")
        env.append(EnvVar(name=key, value=value))
    ports: tuple[ContainerPort, ...] = ()
    if command.text_flag("port"):
        try:
            ports = (ContainerPort(container_port=int(command.text_flag("port"))),)
        except ValueError:
            raise KubectlError(f'error: invalid port "{command.text_flag("port")}"') from None
    words = command.after_dash
    return Container(
        name=name,
        image=command.text_flag("image"),
        env=tuple(env),
        ports=ports,
        command=words if command.bool_flag("command") else (),
        args=() if command.bool_flag("command") else words,
    )


def generate_run(command: Command) -> list[Any]:
    """The object `run` sends: a Pod, or the legacy generator's Deployment."""
    name = command.args[0]
    labels = _labels(command, name)
    restart = command.text_flag("restart")
    if restart not in ("Always", "OnFailure", "Never"):
        raise KubectlError(f"error: invalid restart policy: {restart}")
    spec = PodSpec(containers=(_container(command, name),), restart_policy=restart)
    if command.text_flag("generator") == LEGACY_GENERATOR:
        return [
            Deployment(
                metadata=ObjectMeta(name=name, namespace=command.namespace, labels=labels),
                spec=DeploymentSpec(
                    replicas=command.int_flag("replicas"),
                    selector=LabelSelector(match_labels=labels),
                    template=PodTemplateSpec(
                        metadata=ObjectMeta(labels=labels),
                        spec=PodSpec(containers=spec.containers),
                    ),
                ),
            )
        ]
    return [
        Pod(
            metadata=ObjectMeta(name=name, namespace=command.namespace, labels=labels),
            spec=PodSpec(
                containers=spec.containers, restart_policy=restart, dns_policy="ClusterFirst"
            ),
        )
    ]
