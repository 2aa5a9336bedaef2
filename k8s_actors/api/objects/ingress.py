"""Ingress (networking.k8s.io/v1): HTTP routing from outside the cluster to Services.

Role: the Ingress kind with its rules (host, HTTP paths with pathType Exact, Prefix or
ImplementationSpecific), service backends and defaultBackend, plus its validation (v1 has no
defaulting of its own: pathType is required). Validation follows
pkg/apis/networking/validation/validation.go: a spec needs rules or a defaultBackend, every
path is absolute and has a supported pathType, every backend names a service and exactly one
of port name or number. Registered in `registry`; the validator is registered on import.
Neighbours: `service` (the backends' target), `k8s_actors.components.ingress` (the controller).
"""

from __future__ import annotations

import msgspec

from k8s_actors.api.meta import Model, ObjectMeta
from k8s_actors.api.objects.common import fixed
from k8s_actors.api.validation import register_validator
from k8s_actors.api.validation.errors import (
    OMIT,
    FieldError,
    invalid,
    not_supported,
    required,
)
from k8s_actors.api.validation.meta import validate_object_meta
from k8s_actors.api.validation.names import dns1035_label, dns1123_subdomain, port_number

PATH_TYPES = ("Exact", "ImplementationSpecific", "Prefix")


class ServiceBackendPort(Model, frozen=True):
    """The service port by name or number (exactly one)."""

    name: str = ""
    number: int = 0


class IngressServiceBackend(Model, frozen=True):
    name: str = ""
    port: ServiceBackendPort = msgspec.field(default_factory=ServiceBackendPort)


class IngressBackend(Model, frozen=True):
    """A Service backend (resource backends are not modelled)."""

    service: IngressServiceBackend | None = None


class HTTPIngressPath(Model, frozen=True):
    path: str = ""
    path_type: str | None = None
    backend: IngressBackend = msgspec.field(default_factory=IngressBackend)


class HTTPIngressRuleValue(Model, frozen=True):
    paths: tuple[HTTPIngressPath, ...] = ()


class IngressRule(Model, frozen=True):
    """Requests for `host` (every host when empty; "*.a.b" matches one label) and `http` paths."""

    host: str = ""
    http: HTTPIngressRuleValue | None = None


class IngressTLS(Model, frozen=True):
    hosts: tuple[str, ...] = ()
    secret_name: str = ""


class IngressSpec(Model, frozen=True):
    ingress_class_name: str | None = None
    default_backend: IngressBackend | None = None
    tls: tuple[IngressTLS, ...] = ()
    rules: tuple[IngressRule, ...] = ()


class IngressLoadBalancerIngress(Model, frozen=True):
    ip: str = ""
    hostname: str = ""


class IngressLoadBalancerStatus(Model, frozen=True):
    ingress: tuple[IngressLoadBalancerIngress, ...] = ()


class IngressStatus(Model, frozen=True):
    load_balancer: IngressLoadBalancerStatus = msgspec.field(
        default_factory=IngressLoadBalancerStatus
    )


class Ingress(Model, frozen=True):
    """networking.k8s.io/v1 Ingress."""

    api_version: str = fixed("networking.k8s.io/v1")
    kind: str = fixed("Ingress")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: IngressSpec = msgspec.field(default_factory=IngressSpec)
    status: IngressStatus = msgspec.field(default_factory=IngressStatus)


# -- validation ----------------------------------------------------------------------------------


def validate_backend(backend: IngressBackend, path: str) -> list[FieldError]:
    service = backend.service
    if service is None:
        return [invalid(path, OMIT, "one backend type must be specified")]
    errors = [invalid(f"{path}.service.name", service.name, m) for m in _name(service.name)]
    port = service.port
    if port.name and port.number:
        errors.append(
            invalid(f"{path}.service.port", OMIT, "cannot set both port name & port number")
        )
    elif not port.name and not port.number:
        errors.append(required(f"{path}.service.port", "port name or number is required"))
    elif port.number:
        where = f"{path}.service.port.number"
        errors += [invalid(where, port.number, m) for m in port_number(port.number)]
    return errors


def validate_http_path(http_path: HTTPIngressPath, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if http_path.path_type is None:
        errors.append(required(f"{path}.pathType", "pathType must be specified"))
    elif http_path.path_type not in PATH_TYPES:
        errors.append(not_supported(f"{path}.pathType", http_path.path_type, PATH_TYPES))
    if not http_path.path.startswith("/"):
        errors.append(invalid(f"{path}.path", http_path.path, "must be an absolute path"))
    return errors + validate_backend(http_path.backend, f"{path}.backend")


def validate_ingress(ingress: Ingress) -> list[FieldError]:
    """The Ingress' field errors, in the order the API server reports them."""
    errors = validate_object_meta(ingress.metadata, namespaced=True, name_check=dns1123_subdomain)
    spec = ingress.spec
    if not spec.rules and spec.default_backend is None:
        errors.append(invalid("spec", OMIT, "either `defaultBackend` or `rules` must be specified"))
    if spec.default_backend is not None:
        errors += validate_backend(spec.default_backend, "spec.defaultBackend")
    for index, rule in enumerate(spec.rules):
        where = f"spec.rules[{index}]"
        if rule.host.startswith("*") and not rule.host.startswith("*."):
            errors.append(
                invalid(
                    f"{where}.host", rule.host, "a wildcard DNS-1123 subdomain must start with '*.'"
                )
            )
        if rule.http is None:
            continue
        for number, http_path in enumerate(rule.http.paths):
            errors += validate_http_path(http_path, f"{where}.http.paths[{number}]")
    return errors


def _name(name: str) -> list[str]:
    return dns1035_label(name) if name else ["name is required"]


register_validator(Ingress, validate_ingress)
