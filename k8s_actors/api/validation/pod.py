"""Validation of Pods and pod templates: spec, containers, init containers, volumes.

Role: ValidatePod / ValidatePodSpec / ValidatePodTemplateSpec of
pkg/apis/core/validation/validation.go (a subset that grows rule by rule).
Neighbours: `validation.container`, `validation.meta`, `validation.workloads` (templates).
"""

from __future__ import annotations

from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import Pod, PodSpec, PodTemplateSpec
from k8s_actors.api.objects.volume import Volume
from k8s_actors.api.validation import names
from k8s_actors.api.validation.container import non_negative, validate_container
from k8s_actors.api.validation.errors import (
    FieldError,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    required,
)
from k8s_actors.api.validation.meta import validate_labels, validate_object_meta

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
MAX_ACTIVE_DEADLINE_SECONDS = 2**31 - 1


def validate_volumes(volumes: tuple[Volume, ...], path: str) -> list[FieldError]:
    """Names are unique DNS labels; each volume has exactly one source."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, volume in enumerate(volumes):
        at = f"{path}[{i}]"
        if not volume.name:
            errors.append(required(f"{at}.name"))
        else:
            errors += [
                invalid(f"{at}.name", volume.name, m) for m in names.dns1123_label(volume.name)
            ]
            if volume.name in seen:
                errors.append(duplicate(f"{at}.name", volume.name))
            seen.add(volume.name)
        count = len(volume.sources())
        if count == 0:
            errors.append(required(at, "must specify a volume type"))
        elif count > 1:
            errors.append(forbidden(at, "may not specify more than 1 volume type"))
    return errors


def _validate_init_container(container: Container, path: str) -> list[FieldError]:
    """Only restartPolicy Always (a sidecar) is allowed; plain init containers run no probes."""
    if container.restart_policy is not None and container.restart_policy != "Always":
        return [not_supported(f"{path}.restartPolicy", container.restart_policy, ("Always",))]
    if container.restart_policy is None:
        detail = "may not be set for init containers without restartPolicy=Always"
        for field, wire in (
            ("lifecycle", "lifecycle"),
            ("liveness_probe", "livenessProbe"),
            ("readiness_probe", "readinessProbe"),
            ("startup_probe", "startupProbe"),
        ):
            if getattr(container, field) is not None:
                return [forbidden(f"{path}.{wire}", detail)]
    return []


def _validate_containers(spec: PodSpec, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    volume_names = {v.name for v in spec.volumes}
    seen: set[str] = set()
    groups = (("initContainers", spec.init_containers), ("containers", spec.containers))
    for wire, containers in groups:
        for i, container in enumerate(containers):
            at = f"{path}.{wire}[{i}]"
            is_init = wire == "initContainers"
            runs_probes = not is_init or container.restart_policy == "Always"
            errors += validate_container(
                container, at, volume_names, sidecar_or_regular=runs_probes
            )
            if is_init:
                errors += _validate_init_container(container, at)
            elif container.restart_policy is not None:
                errors.append(
                    forbidden(f"{at}.restartPolicy", "may not be set for non-init containers")
                )
            if container.name in seen:
                errors.append(duplicate(f"{at}.name", container.name))
            if container.name:
                seen.add(container.name)
    if not spec.containers:
        errors.append(required(f"{path}.containers"))
    return errors


def _validate_policies(spec: PodSpec, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not spec.restart_policy:
        errors.append(required(f"{path}.restartPolicy"))
    elif spec.restart_policy not in RESTART_POLICIES:
        errors.append(not_supported(f"{path}.restartPolicy", spec.restart_policy, RESTART_POLICIES))
    if spec.dns_policy and spec.dns_policy not in DNS_POLICIES:
        errors.append(not_supported(f"{path}.dnsPolicy", spec.dns_policy, DNS_POLICIES))
    return errors


def validate_pod_spec(spec: PodSpec, path: str) -> list[FieldError]:
    errors = validate_volumes(spec.volumes, f"{path}.volumes")
    errors += _validate_containers(spec, path)
    errors += _validate_policies(spec, path)
    if spec.termination_grace_period_seconds is not None:
        at = f"{path}.terminationGracePeriodSeconds"
        errors += non_negative(spec.termination_grace_period_seconds, at)
    deadline = spec.active_deadline_seconds
    if deadline is not None and not 1 <= deadline <= MAX_ACTIVE_DEADLINE_SECONDS:
        detail = names.inclusive_range_error(1, MAX_ACTIVE_DEADLINE_SECONDS)
        errors.append(invalid(f"{path}.activeDeadlineSeconds", deadline, detail))
    errors += validate_labels(spec.node_selector, f"{path}.nodeSelector")
    for field, value in (("hostname", spec.hostname), ("subdomain", spec.subdomain)):
        if value:
            errors += [invalid(f"{path}.{field}", value, m) for m in names.dns1123_label(value)]
    return errors


def validate_pod_template(template: PodTemplateSpec, path: str) -> list[FieldError]:
    """The template's labels and annotations, then its pod spec."""
    errors = validate_labels(template.metadata.labels, f"{path}.metadata.labels")
    return errors + validate_pod_spec(template.spec, f"{path}.spec")


def validate_pod(pod: Pod) -> list[FieldError]:
    errors = validate_object_meta(pod.metadata, namespaced=True, name_check=names.dns1123_subdomain)
    return errors + validate_pod_spec(pod.spec, "spec")
