"""Defaults of one container: pull policy, termination message, ports, probes, env refs.

Role: what pkg/apis/core/v1/defaults.go (SetDefaults_Container, _ContainerPort, _Probe,
_HTTPGetAction, _ObjectFieldSelector) fills in, applied to containers and init containers.
Neighbours: `defaults.pod` (calls it), `objects.container` (the types).
"""

from __future__ import annotations

from typing import Any

from msgspec.structs import replace

from k8s_actors.api.objects.container import (
    Container,
    ContainerPort,
    EnvVar,
    HTTPGetAction,
    Lifecycle,
    LifecycleHandler,
    Probe,
)

TERMINATION_MESSAGE_PATH = "/dev/termination-log"


def image_tag(image: str) -> str:
    """The tag of an image reference: "latest" when neither tag nor digest is given.

    The tag is what follows the last ':' after the last '/' (a ':' before it is a registry
    port); a digest reference ("@sha256:...") without a tag has no tag.
    """
    name, at, _digest = image.partition("@")
    last_segment = name.rsplit("/", 1)[-1]
    if ":" in last_segment:
        return last_segment.rsplit(":", 1)[1]
    return "" if at else "latest"


def image_pull_policy_for(image: str) -> str:
    """Always for ":latest" or untagged images, IfNotPresent otherwise."""
    return "Always" if image_tag(image) == "latest" else "IfNotPresent"


def default_http_get(action: HTTPGetAction) -> HTTPGetAction:
    changes: dict[str, Any] = {}
    if not action.path:
        changes["path"] = "/"
    if not action.scheme:
        changes["scheme"] = "HTTP"
    return replace(action, **changes) if changes else action


def default_probe(probe: Probe) -> Probe:
    """timeoutSeconds 1, periodSeconds 10, successThreshold 1, failureThreshold 3."""
    changes: dict[str, Any] = {}
    for field, value in (
        ("timeout_seconds", 1),
        ("period_seconds", 10),
        ("success_threshold", 1),
        ("failure_threshold", 3),
    ):
        if getattr(probe, field) == 0:
            changes[field] = value
    if probe.http_get is not None:
        changes["http_get"] = default_http_get(probe.http_get)
    return replace(probe, **changes) if changes else probe


def _default_handler(handler: LifecycleHandler | None) -> LifecycleHandler | None:
    if handler is None or handler.http_get is None:
        return handler
    return replace(handler, http_get=default_http_get(handler.http_get))


def _default_lifecycle(lifecycle: Lifecycle) -> Lifecycle:
    return replace(
        lifecycle,
        post_start=_default_handler(lifecycle.post_start),
        pre_stop=_default_handler(lifecycle.pre_stop),
    )


def _default_port(port: ContainerPort, host_network: bool) -> ContainerPort:
    changes: dict[str, Any] = {}
    if not port.protocol:
        changes["protocol"] = "TCP"
    if host_network and not port.host_port:
        # With hostNetwork the container port is the host port (defaultHostNetworkPorts).
        changes["host_port"] = port.container_port
    return replace(port, **changes) if changes else port


def _default_env(var: EnvVar) -> EnvVar:
    source = var.value_from
    if source is None or source.field_ref is None or source.field_ref.api_version:
        return var
    field_ref = replace(source.field_ref, api_version="v1")
    return replace(var, value_from=replace(source, field_ref=field_ref))


def default_container(container: Container, host_network: bool = False) -> Container:
    """The container with every apiserver default filled in."""
    changes: dict[str, Any] = {
        "ports": tuple(_default_port(p, host_network) for p in container.ports),
        "env": tuple(_default_env(v) for v in container.env),
    }
    if not container.image_pull_policy:
        changes["image_pull_policy"] = image_pull_policy_for(container.image)
    if not container.termination_message_path:
        changes["termination_message_path"] = TERMINATION_MESSAGE_PATH
    if not container.termination_message_policy:
        changes["termination_message_policy"] = "File"
    for probe_field in ("liveness_probe", "readiness_probe", "startup_probe"):
        probe = getattr(container, probe_field)
        if probe is not None:
            changes[probe_field] = default_probe(probe)
    if container.lifecycle is not None:
        changes["lifecycle"] = _default_lifecycle(container.lifecycle)
    return replace(container, **changes)
