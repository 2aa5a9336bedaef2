"""Validation of Namespace, Node, ConfigMap, Secret and the other simple kinds.

Role: the object-meta rules of each kind (which name format, which scope) and the data-key
rules of ConfigMap and Secret (pkg/apis/core/validation). Neighbours: `meta`, `names`,
`errors`; dispatched from `validation.__init__`.
"""

from __future__ import annotations

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Namespace
from k8s_actors.api.objects.config import ConfigMap, Secret
from k8s_actors.api.validation import names
from k8s_actors.api.validation.errors import FieldError, invalid
from k8s_actors.api.validation.meta import validate_object_meta


def validate_namespace(namespace: Namespace) -> list[FieldError]:
    """Namespace names are DNS-1123 labels (they appear in DNS names of services)."""
    return validate_object_meta(
        namespace.metadata, namespaced=False, name_check=names.dns1123_label
    )


def validate_meta_only(meta: ObjectMeta, *, namespaced: bool) -> list[FieldError]:
    """Kinds whose only rules are a DNS-1123 subdomain name and their scope."""
    return validate_object_meta(meta, namespaced=namespaced, name_check=names.dns1123_subdomain)


def _validate_keys(keys: list[str], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for key in sorted(keys):
        errors += [invalid(f"{path}[{key}]", key, m) for m in names.config_map_key(key)]
    return errors


def validate_config_map(config_map: ConfigMap) -> list[FieldError]:
    errors = validate_meta_only(config_map.metadata, namespaced=True)
    errors += _validate_keys(list(config_map.data), "data")
    errors += _validate_keys(list(config_map.binary_data), "binaryData")
    for key in sorted(config_map.binary_data):
        if key in config_map.data:
            detail = "duplicate of key present in data"
            errors.append(invalid(f"binaryData[{key}]", key, detail))
    return errors


def validate_secret(secret: Secret) -> list[FieldError]:
    errors = validate_meta_only(secret.metadata, namespaced=True)
    errors += _validate_keys(list(secret.data), "data")
    return errors
