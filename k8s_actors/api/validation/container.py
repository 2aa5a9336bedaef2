"""Validation of one container: name, image, ports, env, probes, resources, policies.

Role: validateContainers / validateContainerPorts / validateProbe /
ValidateResourceRequirements of pkg/apis/core/validation/validation.go (a subset).
Neighbours: `validation.pod` (calls it with the pod's volume names), `names`, `errors`.
"""

from __future__ import annotations

from collections.abc import Collection

from k8s_actors.api.objects.container import Container, ContainerPort, Probe
from k8s_actors.api.validation import names
from k8s_actors.api.validation.errors import (
    FieldError,
    forbidden,
    invalid,
    not_found,
    not_supported,
    required,
)

NON_NEGATIVE = "must be greater than or equal to 0"
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
PORT_PROTOCOLS = ("SCTP", "TCP", "UDP")
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")


def non_negative(value: int, path: str) -> list[FieldError]:
    return [invalid(path, value, NON_NEGATIVE)] if value < 0 else []


def validate_port(port: ContainerPort, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if port.name:
        errors += [invalid(f"{path}.name", port.name, m) for m in names.port_name(port.name)]
    if port.container_port == 0:
        errors.append(required(f"{path}.containerPort"))
    else:
        msgs = names.port_number(port.container_port)
        errors += [invalid(f"{path}.containerPort", port.container_port, m) for m in msgs]
    if port.host_port:
        msgs = names.port_number(port.host_port)
        errors += [invalid(f"{path}.hostPort", port.host_port, m) for m in msgs]
    if not port.protocol:
        errors.append(required(f"{path}.protocol"))
    elif port.protocol not in PORT_PROTOCOLS:
        errors.append(not_supported(f"{path}.protocol", port.protocol, PORT_PROTOCOLS))
    return errors


def _handler_count(probe: Probe) -> int:
    return sum(h is not None for h in (probe.exec, probe.http_get, probe.tcp_socket, probe.grpc))


def validate_probe(
    probe: Probe | None, path: str, *, success_must_be_one: bool
) -> list[FieldError]:
    """One handler, non-negative timings, successThreshold 1 for liveness and startup."""
    if probe is None:
        return []
    errors: list[FieldError] = []
    count = _handler_count(probe)
    if count == 0:
        errors.append(required(path, "must specify a handler type"))
    elif count > 1:
        errors.append(forbidden(path, "may not specify more than 1 handler type"))
    for field, wire in (
        ("initial_delay_seconds", "initialDelaySeconds"),
        ("timeout_seconds", "timeoutSeconds"),
        ("period_seconds", "periodSeconds"),
        ("success_threshold", "successThreshold"),
        ("failure_threshold", "failureThreshold"),
    ):
        errors += non_negative(getattr(probe, field), f"{path}.{wire}")
    if success_must_be_one and probe.success_threshold != 1:
        errors.append(invalid(f"{path}.successThreshold", probe.success_threshold, "must be 1"))
    grace = probe.termination_grace_period_seconds
    if grace is not None and grace <= 0:
        path_grace = f"{path}.terminationGracePeriodSeconds"
        errors.append(invalid(path_grace, grace, "must be greater than 0"))
    return errors


def validate_resources(container: Container, path: str) -> list[FieldError]:
    """Quantities non-negative; each request at most its limit (sorted by resource name)."""
    errors: list[FieldError] = []
    limits, requests = container.resources.limits, container.resources.requests
    for kind, amounts in (("limits", limits), ("requests", requests)):
        for name in sorted(amounts):
            if amounts[name].sign() < 0:
                errors.append(invalid(f"{path}.{kind}[{name}]", str(amounts[name]), NON_NEGATIVE))
    for name in sorted(requests):
        limit = limits.get(name)
        if limit is not None and requests[name] > limit:
            detail = f"must be less than or equal to {name} limit of {limit}"
            errors.append(invalid(f"{path}.requests[{name}]", str(requests[name]), detail))
    return errors


def _validate_policies(container: Container, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    policy = container.image_pull_policy
    if not policy:
        errors.append(required(f"{path}.imagePullPolicy"))
    elif policy not in PULL_POLICIES:
        errors.append(not_supported(f"{path}.imagePullPolicy", policy, PULL_POLICIES))
    message_policy = container.termination_message_policy
    if message_policy and message_policy not in TERMINATION_MESSAGE_POLICIES:
        at = f"{path}.terminationMessagePolicy"
        errors.append(not_supported(at, message_policy, TERMINATION_MESSAGE_POLICIES))
    return errors


def validate_container(
    container: Container, path: str, volume_names: Collection[str], *, sidecar_or_regular: bool
) -> list[FieldError]:
    """Everything about one container; probes only where the kubelet runs them."""
    errors: list[FieldError] = []
    if not container.name:
        errors.append(required(f"{path}.name"))
    else:
        msgs = names.dns1123_label(container.name)
        errors += [invalid(f"{path}.name", container.name, m) for m in msgs]
    if not container.image:
        errors.append(required(f"{path}.image"))
    for i, port in enumerate(container.ports):
        errors += validate_port(port, f"{path}.ports[{i}]")
    for i, var in enumerate(container.env):
        if not var.name:
            errors.append(required(f"{path}.env[{i}].name"))
    for i, mount in enumerate(container.volume_mounts):
        at = f"{path}.volumeMounts[{i}]"
        if not mount.name:
            errors.append(required(f"{at}.name"))
        elif mount.name not in volume_names:
            errors.append(not_found(f"{at}.name", mount.name))
        if not mount.mount_path:
            errors.append(required(f"{at}.mountPath"))
    errors += validate_resources(container, f"{path}.resources")
    errors += _validate_policies(container, path)
    if sidecar_or_regular:
        for field, wire, must_be_one in (
            ("liveness_probe", "livenessProbe", True),
            ("readiness_probe", "readinessProbe", False),
            ("startup_probe", "startupProbe", True),
        ):
            probe = getattr(container, field)
            errors += validate_probe(probe, f"{path}.{wire}", success_must_be_one=must_be_one)
    return errors
