"""The container of a Pod: image, command, ports, env, resources, probes, lifecycle hooks.

Role: core/v1 Container and its parts, embedded by `pod.PodSpec`. Neighbours: `volume`
(volumeMounts refer to its volumes), `pod` (the spec and status), `quantity` (resources).
"""

from __future__ import annotations

import msgspec

from k8s_actors.api.meta import Model
from k8s_actors.api.objects.common import IntOrString
from k8s_actors.api.quantity import Quantity


class ContainerPort(Model, frozen=True):
    """A port the container listens on; protocol defaults to TCP."""

    container_port: int = 0
    name: str = ""
    protocol: str = ""
    host_port: int | None = None
    host_ip: str = msgspec.field(default="", name="hostIP")


class KeySelector(Model, frozen=True):
    """configMapKeyRef / secretKeyRef: one key of a ConfigMap or Secret."""

    name: str = ""
    key: str = ""
    optional: bool | None = None


class ObjectFieldSelector(Model, frozen=True):
    """fieldRef: a field of the pod itself, e.g. metadata.name or status.podIP."""

    field_path: str = ""
    api_version: str = ""


class ResourceFieldSelector(Model, frozen=True):
    """resourceFieldRef: a container's request or limit, scaled by divisor."""

    resource: str = ""
    container_name: str = ""
    divisor: Quantity | None = None


class EnvVarSource(Model, frozen=True):
    """valueFrom: exactly one source."""

    config_map_key_ref: KeySelector | None = None
    secret_key_ref: KeySelector | None = None
    field_ref: ObjectFieldSelector | None = None
    resource_field_ref: ResourceFieldSelector | None = None


class EnvVar(Model, frozen=True):
    """One environment variable, a literal value or a reference."""

    name: str
    value: str = ""
    value_from: EnvVarSource | None = None


class EnvSourceRef(Model, frozen=True):
    """configMapRef / secretRef of envFrom: the whole object by name."""

    name: str = ""
    optional: bool | None = None


class EnvFromSource(Model, frozen=True):
    """envFrom: every key of a ConfigMap or Secret, optionally prefixed."""

    prefix: str = ""
    config_map_ref: EnvSourceRef | None = None
    secret_ref: EnvSourceRef | None = None


class ResourceRequirements(Model, frozen=True):
    """requests/limits by resource name (cpu, memory, ephemeral-storage, ...)."""

    requests: dict[str, Quantity] = msgspec.field(default_factory=dict)
    limits: dict[str, Quantity] = msgspec.field(default_factory=dict)


class ExecAction(Model, frozen=True):
    command: tuple[str, ...] = ()


class HTTPHeader(Model, frozen=True):
    name: str
    value: str


class HTTPGetAction(Model, frozen=True):
    """httpGet: path defaults to "/", scheme to HTTP."""

    port: IntOrString = 0
    path: str = ""
    host: str = ""
    scheme: str = ""
    http_headers: tuple[HTTPHeader, ...] = ()


class TCPSocketAction(Model, frozen=True):
    port: IntOrString = 0
    host: str = ""


class GRPCAction(Model, frozen=True):
    port: int = 0
    service: str | None = None


class SleepAction(Model, frozen=True):
    seconds: int = 0


class Probe(Model, frozen=True):
    """liveness/readiness/startup probe; zero thresholds are filled in by defaulting."""

    exec: ExecAction | None = None
    http_get: HTTPGetAction | None = None
    tcp_socket: TCPSocketAction | None = None
    grpc: GRPCAction | None = None
    initial_delay_seconds: int = 0
    timeout_seconds: int = 0
    period_seconds: int = 0
    success_threshold: int = 0
    failure_threshold: int = 0
    termination_grace_period_seconds: int | None = None


class LifecycleHandler(Model, frozen=True):
    """postStart / preStop: exactly one action."""

    exec: ExecAction | None = None
    http_get: HTTPGetAction | None = None
    tcp_socket: TCPSocketAction | None = None
    sleep: SleepAction | None = None


class Lifecycle(Model, frozen=True):
    post_start: LifecycleHandler | None = None
    pre_stop: LifecycleHandler | None = None


class Capabilities(Model, frozen=True):
    add: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()


class SecurityContext(Model, frozen=True):
    """Container securityContext: a permissive subset, kept for manifests to decode."""

    privileged: bool | None = None
    run_as_user: int | None = None
    run_as_group: int | None = None
    run_as_non_root: bool | None = None
    read_only_root_filesystem: bool | None = None
    allow_privilege_escalation: bool | None = None
    capabilities: Capabilities | None = None
    seccomp_profile: dict[str, str] | None = None
    proc_mount: str | None = None


class VolumeMount(Model, frozen=True):
    """Mounts the volume `name` of the pod at mountPath."""

    name: str = ""
    mount_path: str = ""
    read_only: bool | None = None
    sub_path: str = ""
    sub_path_expr: str = ""
    mount_propagation: str | None = None


class VolumeDevice(Model, frozen=True):
    name: str = ""
    device_path: str = ""


class Container(Model, frozen=True):
    """core/v1 Container; also an init container (restartPolicy Always makes it a sidecar)."""

    name: str = ""
    image: str = ""
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    working_dir: str = ""
    ports: tuple[ContainerPort, ...] = ()
    env_from: tuple[EnvFromSource, ...] = ()
    env: tuple[EnvVar, ...] = ()
    resources: ResourceRequirements = msgspec.field(default_factory=ResourceRequirements)
    restart_policy: str | None = None
    volume_mounts: tuple[VolumeMount, ...] = ()
    volume_devices: tuple[VolumeDevice, ...] = ()
    liveness_probe: Probe | None = None
    readiness_probe: Probe | None = None
    startup_probe: Probe | None = None
    lifecycle: Lifecycle | None = None
    termination_message_path: str = ""
    termination_message_policy: str = ""
    image_pull_policy: str = ""
    security_context: SecurityContext | None = None
    stdin: bool = False
    stdin_once: bool = False
    tty: bool = False


__all__ = [
    "Container",
    "ContainerPort",
    "EnvFromSource",
    "EnvSourceRef",
    "EnvVar",
    "EnvVarSource",
    "ExecAction",
    "GRPCAction",
    "HTTPGetAction",
    "HTTPHeader",
    "KeySelector",
    "Lifecycle",
    "LifecycleHandler",
    "ObjectFieldSelector",
    "Probe",
    "ResourceFieldSelector",
    "ResourceRequirements",
    "SecurityContext",
    "SleepAction",
    "TCPSocketAction",
    "VolumeMount",
]
