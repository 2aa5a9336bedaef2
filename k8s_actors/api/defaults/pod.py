"""Defaults of Pods and pod templates.

Role: SetDefaults_PodSpec / SetDefaults_Pod / SetDefaults_Volume of
pkg/apis/core/v1/defaults.go, plus what the ServiceAccount and Priority admission plugins
set on every created Pod (serviceAccountName, priority, preemptionPolicy).
Neighbours: `defaults.container`, `defaults.workloads` (templates), `objects.pod`.
"""

from __future__ import annotations

from typing import Any

from msgspec.structs import replace

from k8s_actors.api.defaults.container import default_container
from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import Pod, PodSecurityContext, PodSpec, PodTemplateSpec
from k8s_actors.api.objects.volume import EmptyDirVolumeSource, Volume

DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30
DEFAULT_SCHEDULER_NAME = "default-scheduler"
DEFAULT_VOLUME_MODE = 0o644  # 420, the defaultMode of configMap/secret/projected/downwardAPI


def _default_volume(volume: Volume) -> Volume:
    if not volume.sources():
        return replace(volume, empty_dir=EmptyDirVolumeSource())
    changes: dict[str, Any] = {}
    for field in ("config_map", "secret", "projected", "downward_api"):
        source = getattr(volume, field)
        if source is not None and source.default_mode is None:
            changes[field] = replace(source, default_mode=DEFAULT_VOLUME_MODE)
    return replace(volume, **changes) if changes else volume


def default_pod_spec(spec: PodSpec) -> PodSpec:
    """SetDefaults_PodSpec and the container/volume defaults (for pods and templates)."""
    host_network = spec.host_network
    changes: dict[str, Any] = {
        "containers": tuple(default_container(c, host_network) for c in spec.containers),
        "init_containers": tuple(default_container(c, host_network) for c in spec.init_containers),
        "volumes": tuple(_default_volume(v) for v in spec.volumes),
    }
    if not spec.dns_policy:
        changes["dns_policy"] = "ClusterFirst"
    if not spec.restart_policy:
        changes["restart_policy"] = "Always"
    if spec.security_context is None:
        changes["security_context"] = PodSecurityContext()
    if spec.termination_grace_period_seconds is None:
        changes["termination_grace_period_seconds"] = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
    if not spec.scheduler_name:
        changes["scheduler_name"] = DEFAULT_SCHEDULER_NAME
    return replace(spec, **changes)


def default_pod_template(template: PodTemplateSpec) -> PodTemplateSpec:
    return replace(template, spec=default_pod_spec(template.spec))


def requests_from_limits(container: Container) -> Container:
    """A resource with a limit but no request gets the limit as its request (pods only)."""
    resources = container.resources
    missing = {k: v for k, v in resources.limits.items() if k not in resources.requests}
    if not missing:
        return container
    requests = {**resources.requests, **missing}
    return replace(container, resources=replace(resources, requests=requests))


def _default_admitted_fields(spec: PodSpec) -> dict[str, Any]:
    """What admission plugins add on create: the default ServiceAccount, priority 0 and
    PreemptLowerPriority when no PriorityClass is named (plugin/pkg/admission/priority)."""
    changes: dict[str, Any] = {}
    if not spec.service_account_name:
        changes["service_account_name"] = "default"
    if spec.priority is None and not spec.priority_class_name:
        changes["priority"] = 0
    if spec.preemption_policy is None:
        changes["preemption_policy"] = "PreemptLowerPriority"
    return changes


def default_pod(pod: Pod) -> Pod:
    """Everything a created Pod gets: spec defaults, requests from limits, service links."""
    spec = default_pod_spec(pod.spec)
    changes: dict[str, Any] = {
        "containers": tuple(requests_from_limits(c) for c in spec.containers),
        "init_containers": tuple(requests_from_limits(c) for c in spec.init_containers),
        **_default_admitted_fields(spec),
    }
    if spec.enable_service_links is None:
        changes["enable_service_links"] = True
    return replace(pod, spec=replace(spec, **changes))
