"""The Pod kind: PodSpec, PodStatus, container statuses and PodTemplateSpec.

Role: core/v1 Pod, the unit the scheduler places and the kubelet runs; PodTemplateSpec is
embedded by the workload kinds. Neighbours: `container`, `volume`, `scheduling` (the parts),
`workloads` (templates), `defaults.pod` and `validation.pod` (the rules).
"""

from __future__ import annotations

import msgspec

from k8s_actors.api.meta import Model, ObjectMeta
from k8s_actors.api.objects.common import LocalObjectReference, fixed
from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.scheduling import Affinity, Toleration, TopologySpreadConstraint
from k8s_actors.api.objects.volume import Volume
from k8s_actors.api.quantity import Quantity


class PodSecurityContext(Model, frozen=True):
    """Pod-level securityContext: a permissive subset; defaulted to {}."""

    run_as_user: int | None = None
    run_as_group: int | None = None
    run_as_non_root: bool | None = None
    fs_group: int | None = None
    supplemental_groups: tuple[int, ...] = ()
    seccomp_profile: dict[str, str] | None = None
    sysctls: tuple[dict[str, str], ...] = ()


class PodReadinessGate(Model, frozen=True):
    condition_type: str


class HostAlias(Model, frozen=True):
    ip: str = ""
    hostnames: tuple[str, ...] = ()


class PodSpec(Model, frozen=True):
    """core/v1 PodSpec."""

    containers: tuple[Container, ...] = ()
    init_containers: tuple[Container, ...] = ()
    volumes: tuple[Volume, ...] = ()
    restart_policy: str = ""
    termination_grace_period_seconds: int | None = None
    active_deadline_seconds: int | None = None
    dns_policy: str = ""
    node_selector: dict[str, str] = msgspec.field(default_factory=dict)
    service_account_name: str = ""
    automount_service_account_token: bool | None = None
    node_name: str = ""
    host_network: bool = False
    host_pid: bool = msgspec.field(default=False, name="hostPID")
    host_ipc: bool = msgspec.field(default=False, name="hostIPC")
    share_process_namespace: bool | None = None
    security_context: PodSecurityContext | None = None
    image_pull_secrets: tuple[LocalObjectReference, ...] = ()
    hostname: str = ""
    subdomain: str = ""
    affinity: Affinity | None = None
    scheduler_name: str = ""
    tolerations: tuple[Toleration, ...] = ()
    host_aliases: tuple[HostAlias, ...] = ()
    priority_class_name: str = ""
    priority: int | None = None
    preemption_policy: str | None = None
    readiness_gates: tuple[PodReadinessGate, ...] = ()
    runtime_class_name: str | None = None
    enable_service_links: bool | None = None
    overhead: dict[str, Quantity] = msgspec.field(default_factory=dict)
    topology_spread_constraints: tuple[TopologySpreadConstraint, ...] = ()


class PodCondition(Model, frozen=True):
    """type (PodScheduled, Initialized, ContainersReady, Ready, ...) and status True/False."""

    type: str
    status: str
    last_probe_time: str | None = None
    last_transition_time: str | None = None
    reason: str = ""
    message: str = ""


class ContainerStateWaiting(Model, frozen=True):
    reason: str = ""
    message: str = ""


class ContainerStateRunning(Model, frozen=True):
    started_at: str | None = None


class ContainerStateTerminated(Model, frozen=True):
    exit_code: int = 0
    signal: int | None = None
    reason: str = ""
    message: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    container_id: str = msgspec.field(default="", name="containerID")


class ContainerState(Model, frozen=True):
    """At most one of waiting, running, terminated is set."""

    waiting: ContainerStateWaiting | None = None
    running: ContainerStateRunning | None = None
    terminated: ContainerStateTerminated | None = None


class ContainerStatus(Model, frozen=True):
    name: str
    image: str = ""
    image_id: str = msgspec.field(default="", name="imageID")
    container_id: str = msgspec.field(default="", name="containerID")
    state: ContainerState = msgspec.field(default_factory=ContainerState)
    last_state: ContainerState = msgspec.field(default_factory=ContainerState)
    ready: bool = False
    started: bool | None = None
    restart_count: int = 0


class PodIP(Model, frozen=True):
    ip: str


class HostIP(Model, frozen=True):
    ip: str


class PodStatus(Model, frozen=True):
    """core/v1 PodStatus, written by the kubelet (and the scheduler for PodScheduled)."""

    phase: str = ""
    conditions: tuple[PodCondition, ...] = ()
    message: str = ""
    reason: str = ""
    nominated_node_name: str = ""
    host_ip: str = msgspec.field(default="", name="hostIP")
    host_ips: tuple[HostIP, ...] = msgspec.field(default=(), name="hostIPs")
    pod_ip: str = msgspec.field(default="", name="podIP")
    pod_ips: tuple[PodIP, ...] = msgspec.field(default=(), name="podIPs")
    start_time: str | None = None
    init_container_statuses: tuple[ContainerStatus, ...] = ()
    container_statuses: tuple[ContainerStatus, ...] = ()
    qos_class: str = ""


class Pod(Model, frozen=True):
    """core/v1 Pod."""

    api_version: str = fixed("v1")
    kind: str = fixed("Pod")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: PodSpec = msgspec.field(default_factory=PodSpec)
    status: PodStatus = msgspec.field(default_factory=PodStatus)


class PodTemplateSpec(Model, frozen=True):
    """The pod a workload controller stamps out: metadata (labels) and spec."""

    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: PodSpec = msgspec.field(default_factory=PodSpec)
