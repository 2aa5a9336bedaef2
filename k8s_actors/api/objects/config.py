"""Configuration kinds of core/v1: ConfigMap, Secret, ServiceAccount.

Role: data that pods consume through env and volumes, and the identity they run as.
Neighbours: `container` (env refs), `volume` (configMap/secret volumes), `defaults.cluster`.
"""

from __future__ import annotations

import msgspec

from k8s_actors.api.meta import Model, ObjectMeta
from k8s_actors.api.objects.common import LocalObjectReference, ObjectReference, fixed


class ConfigMap(Model, frozen=True):
    """core/v1 ConfigMap; binaryData values are base64 strings."""

    api_version: str = fixed("v1")
    kind: str = fixed("ConfigMap")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    data: dict[str, str] = msgspec.field(default_factory=dict)
    binary_data: dict[str, str] = msgspec.field(default_factory=dict)
    immutable: bool | None = None


class Secret(Model, frozen=True):
    """core/v1 Secret; data values are base64 strings, stringData is write-only plain text."""

    api_version: str = fixed("v1")
    kind: str = fixed("Secret")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    type: str = ""
    data: dict[str, str] = msgspec.field(default_factory=dict)
    string_data: dict[str, str] = msgspec.field(default_factory=dict)
    immutable: bool | None = None


class ServiceAccount(Model, frozen=True):
    """core/v1 ServiceAccount."""

    api_version: str = fixed("v1")
    kind: str = fixed("ServiceAccount")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    secrets: tuple[ObjectReference, ...] = ()
    image_pull_secrets: tuple[LocalObjectReference, ...] = ()
    automount_service_account_token: bool | None = None
