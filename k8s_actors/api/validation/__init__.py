"""Validation as the API server does it after defaulting, with Kubernetes' field errors.

Role: `validate_object(obj) -> list[FieldError]` dispatches on the object's type to one
validator per kind; `register_validator` adds rules for new kinds. `invalid_message` and
`invalid_status` build the 422 response. Neighbours: `defaults` (runs first), `objects`,
`manifest` and the API server (callers). Rules live in `meta`, `pod`, `container`,
`workloads`, `service`, `cluster`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from k8s_actors.api.objects import (
    ConfigMap,
    Deployment,
    EndpointSlice,
    Lease,
    List,
    Namespace,
    Node,
    Pod,
    PriorityClass,
    ReplicaSet,
    Secret,
    Service,
    ServiceAccount,
)
from k8s_actors.api.validation.cluster import (
    validate_config_map,
    validate_meta_only,
    validate_namespace,
    validate_secret,
)
from k8s_actors.api.validation.errors import (
    ErrorType,
    FieldError,
    aggregate,
    invalid_message,
    invalid_status,
)
from k8s_actors.api.validation.pod import validate_pod, validate_pod_spec
from k8s_actors.api.validation.service import validate_endpoint_slice, validate_service
from k8s_actors.api.validation.workloads import validate_deployment, validate_replica_set

Validator = Callable[[Any], list[FieldError]]

_VALIDATORS: dict[type[Any], Validator] = {
    Pod: validate_pod,
    Deployment: validate_deployment,
    ReplicaSet: validate_replica_set,
    Service: validate_service,
    EndpointSlice: validate_endpoint_slice,
    ConfigMap: validate_config_map,
    Secret: validate_secret,
    Namespace: validate_namespace,
    ServiceAccount: lambda o: validate_meta_only(o.metadata, namespaced=True),
    Lease: lambda o: validate_meta_only(o.metadata, namespaced=True),
    Node: lambda o: validate_meta_only(o.metadata, namespaced=False),
    PriorityClass: lambda o: validate_meta_only(o.metadata, namespaced=False),
}


def register_validator(typ: type[Any], validator: Validator) -> None:
    """Add or replace the validator of a kind."""
    _VALIDATORS[typ] = validator


def validate_object(obj: object) -> list[FieldError]:
    """Every problem found, in Kubernetes' order; [] when valid (unknown kinds pass).

    For a List the field paths are prefixed with `items[i].`.
    """
    if isinstance(obj, List):
        return [
            _prefixed(error, f"items[{i}].")
            for i, item in enumerate(obj.items)
            for error in validate_object(item)
        ]
    validator = _VALIDATORS.get(type(obj))
    return validator(obj) if validator is not None else []


def _prefixed(error: FieldError, prefix: str) -> FieldError:
    return FieldError(error.type, prefix + error.field, error.value, error.detail)


__all__ = [
    "ErrorType",
    "FieldError",
    "aggregate",
    "invalid_message",
    "invalid_status",
    "register_validator",
    "validate_object",
    "validate_pod_spec",
]
