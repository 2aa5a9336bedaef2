"""Volumes and environment of a pod's containers: emptyDir, configMap, secret; env and envFrom.

Role: the volume manager's SetUp and kuberuntime's makeEnvironmentVariables, reduced to what the
simulation needs. The pod worker fetches the ConfigMaps and Secrets a pod names, then these pure
functions decide: a configMap or secret volume whose object is missing (and not optional) fails to
mount, 'configmap "x" not found' (the pod stays ContainerCreating, event FailedMount); an env
reference to a missing object or key is a CreateContainerConfigError with Kubernetes' message.
Resolved variables are kept on the simulated container. Not simulated: $(VAR) expansion, the
service link variables, resourceFieldRef values. Neighbours: `podworker` (caller), `runtime`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from k8s_actors.api.objects.config import ConfigMap, Secret
from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import Pod

ConfigMaps = dict[str, ConfigMap | None]
Secrets = dict[str, Secret | None]


class ConfigError(Exception):
    """A container's configuration cannot be built (CreateContainerConfigError)."""


def referenced_objects(pod: Pod) -> tuple[list[str], list[str]]:
    """Names of the ConfigMaps and the Secrets the pod's volumes and containers refer to."""
    configmaps: dict[str, None] = {}
    secrets: dict[str, None] = {}
    for volume in pod.spec.volumes:
        if volume.config_map is not None:
            configmaps[volume.config_map.name] = None
        if volume.secret is not None:
            secrets[volume.secret.secret_name] = None
        if volume.projected is not None:
            for source in volume.projected.sources:
                if source.config_map is not None:
                    configmaps[source.config_map.name] = None
                if source.secret is not None:
                    secrets[source.secret.name] = None
    for container in (*pod.spec.init_containers, *pod.spec.containers):
        for env_from in container.env_from:
            if env_from.config_map_ref is not None:
                configmaps[env_from.config_map_ref.name] = None
            if env_from.secret_ref is not None:
                secrets[env_from.secret_ref.name] = None
        for var in container.env:
            ref = var.value_from
            if ref is not None and ref.config_map_key_ref is not None:
                configmaps[ref.config_map_key_ref.name] = None
            if ref is not None and ref.secret_key_ref is not None:
                secrets[ref.secret_key_ref.name] = None
    return list(configmaps), list(secrets)


def mount_volumes(pod: Pod, configmaps: ConfigMaps, secrets: Secrets) -> tuple[str, str]:
    """(volume that failed, message) for the first volume that cannot be set up, or ("", "")."""
    for volume in pod.spec.volumes:
        source = volume.config_map
        if source is not None and configmaps.get(source.name) is None and not source.optional:
            return volume.name, f'configmap "{source.name}" not found'
        secret = volume.secret
        if secret is not None and secrets.get(secret.secret_name) is None and not secret.optional:
            return volume.name, f'secret "{secret.secret_name}" not found'
    return "", ""


def volume_kinds(pod: Pod) -> dict[str, str]:
    """Each volume's name and source (emptyDir is tmpfs-backed when medium is Memory)."""
    kinds: dict[str, str] = {}
    for volume in pod.spec.volumes:
        sources = volume.sources() or ["emptyDir"]
        kinds[volume.name] = sources[0]
    return kinds


def container_mounts(container: Container) -> tuple[str, ...]:
    """The container's mounts as "volume:path"."""
    return tuple(f"{m.name}:{m.mount_path}" for m in container.volume_mounts)


def container_env(
    container: Container,
    pod: Pod,
    configmaps: ConfigMaps,
    secrets: Secrets,
    pod_ip: str,
    host_ip: str,
) -> dict[str, str]:
    """The variables the container starts with: envFrom first, then env (env wins); raises
    ConfigError with Kubernetes' message for a missing object or key."""
    namespace = pod.metadata.namespace
    env: dict[str, str] = {}
    for env_from in container.env_from:
        if env_from.config_map_ref is not None:
            ref = env_from.config_map_ref
            found = configmaps.get(ref.name)
            if found is None and not ref.optional:
                raise ConfigError(f'configmap "{ref.name}" not found')
            for key, value in sorted((found.data if found else {}).items()):
                env[env_from.prefix + key] = value
        if env_from.secret_ref is not None:
            sref = env_from.secret_ref
            secret = secrets.get(sref.name)
            if secret is None and not sref.optional:
                raise ConfigError(f'secret "{sref.name}" not found')
            for key, value in sorted(secret_values(secret).items()):
                env[env_from.prefix + key] = value
    for var in container.env:
        resolved = _value_of(var, pod, namespace, configmaps, secrets, pod_ip, host_ip)
        if resolved is not None:
            env[var.name] = resolved
    return env


def _value_of(
    var: Any,
    pod: Pod,
    namespace: str,
    configmaps: ConfigMaps,
    secrets: Secrets,
    pod_ip: str,
    host_ip: str,
) -> str | None:
    source = var.value_from
    if source is None:
        return str(var.value)
    if source.config_map_key_ref is not None:
        ref = source.config_map_key_ref
        found = configmaps.get(ref.name)
        if found is None:
            if ref.optional:
                return None
            raise ConfigError(f'configmap "{ref.name}" not found')
        if ref.key not in found.data:
            if ref.optional:
                return None
            raise ConfigError(f"couldn't find key {ref.key} in ConfigMap {namespace}/{ref.name}")
        return found.data[ref.key]
    if source.secret_key_ref is not None:
        sref = source.secret_key_ref
        secret = secrets.get(sref.name)
        if secret is None:
            if sref.optional:
                return None
            raise ConfigError(f'secret "{sref.name}" not found')
        values = secret_values(secret)
        if sref.key not in values:
            if sref.optional:
                return None
            raise ConfigError(f"couldn't find key {sref.key} in Secret {namespace}/{sref.name}")
        return values[sref.key]
    if source.field_ref is not None:
        return _field(pod, source.field_ref.field_path, pod_ip, host_ip)
    return ""


def secret_values(secret: Secret | None) -> dict[str, str]:
    """A Secret's data decoded from base64 (stringData merged as the apiserver would)."""
    if secret is None:
        return {}
    values: dict[str, str] = {}
    for key, encoded in secret.data.items():
        try:
            values[key] = base64.b64decode(encoded).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            values[key] = encoded
    values.update(secret.string_data)
    return values


def _field(pod: Pod, path: str, pod_ip: str, host_ip: str) -> str:
    """The downward API value of a fieldRef."""
    meta = pod.metadata
    simple = {
        "metadata.name": meta.name,
        "metadata.namespace": meta.namespace,
        "metadata.uid": meta.uid,
        "spec.nodeName": pod.spec.node_name,
        "spec.serviceAccountName": pod.spec.service_account_name,
        "status.podIP": pod_ip,
        "status.podIPs": pod_ip,
        "status.hostIP": host_ip,
        "status.hostIPs": host_ip,
    }
    if path in simple:
        return simple[path]
    for prefix, mapping in (
        ("metadata.labels", meta.labels),
        ("metadata.annotations", meta.annotations),
    ):
        if path.startswith(prefix + "['") and path.endswith("']"):
            return str(mapping.get(path[len(prefix) + 2 : -2], ""))
    return ""
