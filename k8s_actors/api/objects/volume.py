"""Pod volumes: configMap, secret, emptyDir, persistentVolumeClaim, hostPath, projected,
downwardAPI.

Role: core/v1 Volume and its sources, embedded by `pod.PodSpec`; `container.VolumeMount`
refers to them by name. Neighbours: `container`, `pod`, `quantity` (emptyDir sizeLimit).
"""

from __future__ import annotations

import msgspec

from k8s_actors.api.meta import Model
from k8s_actors.api.objects.container import ObjectFieldSelector, ResourceFieldSelector
from k8s_actors.api.quantity import Quantity


class KeyToPath(Model, frozen=True):
    """Projects one key of a ConfigMap/Secret to a relative path in the volume."""

    key: str = ""
    path: str = ""
    mode: int | None = None


class ConfigMapVolumeSource(Model, frozen=True):
    name: str = ""
    items: tuple[KeyToPath, ...] = ()
    default_mode: int | None = None
    optional: bool | None = None


class SecretVolumeSource(Model, frozen=True):
    secret_name: str = ""
    items: tuple[KeyToPath, ...] = ()
    default_mode: int | None = None
    optional: bool | None = None


class EmptyDirVolumeSource(Model, frozen=True):
    """Scratch space living as long as the pod; medium "" (node disk) or "Memory"."""

    medium: str = ""
    size_limit: Quantity | None = None


class PersistentVolumeClaimVolumeSource(Model, frozen=True):
    claim_name: str = ""
    read_only: bool | None = None


class HostPathVolumeSource(Model, frozen=True):
    path: str = ""
    type: str | None = None


class DownwardAPIVolumeFile(Model, frozen=True):
    path: str = ""
    field_ref: ObjectFieldSelector | None = None
    resource_field_ref: ResourceFieldSelector | None = None
    mode: int | None = None


class DownwardAPIVolumeSource(Model, frozen=True):
    items: tuple[DownwardAPIVolumeFile, ...] = ()
    default_mode: int | None = None


class ConfigMapProjection(Model, frozen=True):
    name: str = ""
    items: tuple[KeyToPath, ...] = ()
    optional: bool | None = None


class SecretProjection(Model, frozen=True):
    name: str = ""
    items: tuple[KeyToPath, ...] = ()
    optional: bool | None = None


class ServiceAccountTokenProjection(Model, frozen=True):
    path: str = ""
    audience: str = ""
    expiration_seconds: int | None = None


class DownwardAPIProjection(Model, frozen=True):
    items: tuple[DownwardAPIVolumeFile, ...] = ()


class VolumeProjection(Model, frozen=True):
    """One source of a projected volume."""

    config_map: ConfigMapProjection | None = None
    secret: SecretProjection | None = None
    downward_api: DownwardAPIProjection | None = msgspec.field(default=None, name="downwardAPI")
    service_account_token: ServiceAccountTokenProjection | None = None


class ProjectedVolumeSource(Model, frozen=True):
    sources: tuple[VolumeProjection, ...] = ()
    default_mode: int | None = None


class Volume(Model, frozen=True):
    """A named volume with exactly one source (emptyDir when none is given)."""

    name: str = ""
    config_map: ConfigMapVolumeSource | None = None
    secret: SecretVolumeSource | None = None
    empty_dir: EmptyDirVolumeSource | None = None
    persistent_volume_claim: PersistentVolumeClaimVolumeSource | None = None
    host_path: HostPathVolumeSource | None = None
    projected: ProjectedVolumeSource | None = None
    downward_api: DownwardAPIVolumeSource | None = msgspec.field(default=None, name="downwardAPI")

    def sources(self) -> list[str]:
        """Wire names of the sources that are set, in field order."""
        present = [
            ("configMap", self.config_map),
            ("secret", self.secret),
            ("emptyDir", self.empty_dir),
            ("persistentVolumeClaim", self.persistent_volume_claim),
            ("hostPath", self.host_path),
            ("projected", self.projected),
            ("downwardAPI", self.downward_api),
        ]
        return [name for name, value in present if value is not None]
