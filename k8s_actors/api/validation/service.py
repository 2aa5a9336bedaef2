"""Validation of Services and EndpointSlices.

Role: ValidateService (pkg/apis/core/validation) and ValidateEndpointSlice
(pkg/apis/discovery/validation), a subset: names, types, ports, target ports, affinity.
Neighbours: `names`, `meta`, `errors`, `objects.service`.
"""

from __future__ import annotations

from k8s_actors.api.objects.service import EndpointSlice, Service, ServicePort
from k8s_actors.api.validation import names
from k8s_actors.api.validation.container import PORT_PROTOCOLS
from k8s_actors.api.validation.errors import (
    FieldError,
    duplicate,
    int_or_string,
    invalid,
    not_supported,
    required,
)
from k8s_actors.api.validation.meta import validate_labels, validate_object_meta

SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
SESSION_AFFINITIES = ("ClientIP", "None")
TRAFFIC_POLICIES = ("Cluster", "Local")
ADDRESS_TYPES = ("IPv4", "IPv6", "FQDN")


def _validate_target_port(port: ServicePort, path: str) -> list[FieldError]:
    target = port.target_port
    if isinstance(target, str):
        return [invalid(path, int_or_string(target), m) for m in names.port_name(target)]
    return [invalid(path, int_or_string(target), m) for m in names.port_number(target)]


def _validate_port(port: ServicePort, path: str, require_name: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    if require_name and not port.name:
        errors.append(required(f"{path}.name"))
    elif port.name:
        errors += [invalid(f"{path}.name", port.name, m) for m in names.dns1123_label(port.name)]
    errors += [invalid(f"{path}.port", port.port, m) for m in names.port_number(port.port)]
    if not port.protocol:
        errors.append(required(f"{path}.protocol"))
    elif port.protocol not in PORT_PROTOCOLS:
        errors.append(not_supported(f"{path}.protocol", port.protocol, PORT_PROTOCOLS))
    errors += _validate_target_port(port, f"{path}.targetPort")
    if port.node_port:
        msgs = names.port_number(port.node_port)
        errors += [invalid(f"{path}.nodePort", port.node_port, m) for m in msgs]
    return errors


def _validate_ports(service: Service) -> list[FieldError]:
    spec = service.spec
    if not spec.ports and spec.type != "ExternalName":
        return [required("spec.ports")]
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, port in enumerate(spec.ports):
        at = f"spec.ports[{i}]"
        errors += _validate_port(port, at, require_name=len(spec.ports) > 1)
        if port.name in seen:
            errors.append(duplicate(f"{at}.name", port.name))
        seen.add(port.name)
    return errors


def validate_service(service: Service) -> list[FieldError]:
    spec = service.spec
    errors = validate_object_meta(service.metadata, namespaced=True, name_check=names.dns1035_label)
    if spec.type not in SERVICE_TYPES:
        errors.append(not_supported("spec.type", spec.type, SERVICE_TYPES))
    errors += _validate_ports(service)
    if spec.session_affinity not in SESSION_AFFINITIES:
        affinity = spec.session_affinity
        errors.append(not_supported("spec.sessionAffinity", affinity, SESSION_AFFINITIES))
    policy = spec.external_traffic_policy
    if policy and policy not in TRAFFIC_POLICIES:
        errors.append(not_supported("spec.externalTrafficPolicy", policy, TRAFFIC_POLICIES))
    if spec.type == "ExternalName" and not spec.external_name:
        errors.append(required("spec.externalName"))
    errors += validate_labels(spec.selector, "spec.selector")
    return errors


def validate_endpoint_slice(slice_: EndpointSlice) -> list[FieldError]:
    errors = validate_object_meta(
        slice_.metadata, namespaced=True, name_check=names.dns1123_subdomain
    )
    if slice_.address_type not in ADDRESS_TYPES:
        errors.append(not_supported("addressType", slice_.address_type, ADDRESS_TYPES))
    for i, endpoint in enumerate(slice_.endpoints):
        if not endpoint.addresses:
            errors.append(required(f"endpoints[{i}].addresses", "must contain at least 1 address"))
    for i, port in enumerate(slice_.ports):
        if port.port is not None:
            msgs = names.port_number(port.port)
            errors += [invalid(f"ports[{i}].port", port.port, m) for m in msgs]
    return errors
