"""The PATCH verb's three patch formats, chosen by content type, over plain JSON-like data.

``apply_patch`` decodes the request body and dispatches on its content type to JSON merge patch
and JSON patch (``patch_json``) or strategic merge patch (``patch_strategic``), the latter with
the per-kind field metadata of ``STRATEGIES``: the patchStrategy / patchMergeKey struct tags of
k8s.io/api. Like kube-apiserver's handlers/patch.go, failures raise ``PatchError`` carrying
the HTTP status the apiserver answers with. Pure: nothing here reads or writes state.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from k8s_actors.components.apiserver.patch_json import (
    JSON,
    PatchError,
    apply_json_patch,
    apply_merge_patch,
)
from k8s_actors.components.apiserver.patch_strategic import (
    FieldPatchMeta,
    Schema,
    apply_strategic_merge_patch,
)

__all__ = [
    "JSON_PATCH",
    "MAX_JSON_PATCH_OPERATIONS",
    "MERGE_PATCH",
    "STRATEGIC_MERGE_PATCH",
    "STRATEGIES",
    "FieldPatchMeta",
    "PatchError",
    "Schema",
    "apply_json_patch",
    "apply_merge_patch",
    "apply_patch",
    "apply_strategic_merge_patch",
    "schema_for",
]

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
# kubectl patch --type names for the same formats.
_PATCH_TYPES = {
    JSON_PATCH: JSON_PATCH,
    MERGE_PATCH: MERGE_PATCH,
    STRATEGIC_MERGE_PATCH: STRATEGIC_MERGE_PATCH,
    "json": JSON_PATCH,
    "merge": MERGE_PATCH,
    "strategic": STRATEGIC_MERGE_PATCH,
}
# handlers/patch.go: maxJSONPatchOperations.
MAX_JSON_PATCH_OPERATIONS = 10000


def _merge(merge_key: str = "", **fields: FieldPatchMeta) -> FieldPatchMeta:
    return FieldPatchMeta(strategy="merge", merge_key=merge_key, fields=fields)


def _object(**fields: FieldPatchMeta) -> FieldPatchMeta:
    return FieldPatchMeta(fields=fields)


# Atomic lists without a patchStrategy tag (tolerations, taints) need no entry: lists replace by
# default. They are listed where a reader might expect otherwise.
_ATOMIC = FieldPatchMeta(strategy="replace")
_CONDITIONS = _merge("type")
_OBJECT_META = _object(ownerReferences=_merge("uid"), finalizers=_merge())
_CONTAINER: dict[str, FieldPatchMeta] = {
    "ports": _merge("containerPort"),
    "env": _merge("name"),
    "volumeMounts": _merge("mountPath"),
    "volumeDevices": _merge("devicePath"),
}
_POD_SPEC = _object(
    volumes=_merge("name"),  # merge,retainKeys: elements may carry $retainKeys
    initContainers=_merge("name", **_CONTAINER),
    containers=_merge("name", **_CONTAINER),
    ephemeralContainers=_merge("name", **_CONTAINER),
    imagePullSecrets=_merge("name"),
    hostAliases=_merge("ip"),
    tolerations=_ATOMIC,
    topologySpreadConstraints=_merge("topologyKey"),
    schedulingGates=_merge("name"),
    resourceClaims=_merge("name"),
)
_POD_TEMPLATE = _object(metadata=_OBJECT_META, spec=_POD_SPEC)
_WORKLOAD: dict[str, FieldPatchMeta] = {
    "metadata": _OBJECT_META,
    "spec": _object(template=_POD_TEMPLATE),
    "status": _object(conditions=_CONDITIONS),
}
_WITH_CONDITIONS: dict[str, FieldPatchMeta] = {
    "metadata": _OBJECT_META,
    "status": _object(conditions=_CONDITIONS),
}
_METADATA_ONLY: dict[str, FieldPatchMeta] = {"metadata": _OBJECT_META}

STRATEGIES: Mapping[str, Schema] = {
    "Pod": {
        "metadata": _OBJECT_META,
        "spec": _POD_SPEC,
        "status": _object(
            conditions=_CONDITIONS,
            podIPs=_merge("ip"),
            hostIPs=_merge("ip"),
            resourceClaimStatuses=_merge("name"),
        ),
    },
    "PodTemplate": {"metadata": _OBJECT_META, "template": _POD_TEMPLATE},
    "Deployment": _WORKLOAD,
    "ReplicaSet": _WORKLOAD,
    "StatefulSet": _WORKLOAD,
    "DaemonSet": _WORKLOAD,
    "Job": _WORKLOAD,
    "CronJob": {
        "metadata": _OBJECT_META,
        "spec": _object(
            jobTemplate=_object(metadata=_OBJECT_META, spec=_object(template=_POD_TEMPLATE))
        ),
    },
    "Service": {
        "metadata": _OBJECT_META,
        "spec": _object(ports=_merge("port")),
        "status": _object(conditions=_CONDITIONS),
    },
    "Node": {
        "metadata": _OBJECT_META,
        "spec": _object(podCIDRs=_merge(), taints=_ATOMIC),
        "status": _object(conditions=_CONDITIONS, addresses=_merge("type")),
    },
    "Namespace": _WITH_CONDITIONS,
    "PersistentVolumeClaim": _WITH_CONDITIONS,
    "ServiceAccount": {"metadata": _OBJECT_META, "secrets": _merge("name")},
    "ConfigMap": _METADATA_ONLY,
    "Secret": _METADATA_ONLY,
    "Endpoints": _METADATA_ONLY,
    "EndpointSlice": _METADATA_ONLY,
    "Event": _METADATA_ONLY,
    "Lease": _METADATA_ONLY,
}


def schema_for(kind: str) -> Schema:
    """The strategic merge patch metadata of a kind; kinds not listed get ObjectMeta's only."""
    return STRATEGIES.get(kind, _METADATA_ONLY)


def apply_patch(document: JSON, patch_type: str, patch: bytes | str | JSON, kind: str) -> JSON:
    """Apply a PATCH request body of content type (or kubectl --type) ``patch_type``."""
    content_type = _PATCH_TYPES.get(patch_type.split(";", 1)[0].strip().lower())
    if content_type is None:
        accepted = ", ".join([JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH])
        raise PatchError(
            "the body of the request was in an unknown format - "
            f"accepted media types include: {accepted}",
            415,
        )
    body = _decode(patch)
    if content_type == JSON_PATCH:
        if isinstance(body, list) and len(body) > MAX_JSON_PATCH_OPERATIONS:
            raise PatchError(
                "The allowed maximum operations in a JSON patch is "
                f"{MAX_JSON_PATCH_OPERATIONS}, got {len(body)}",
                413,
            )
        return apply_json_patch(document, body)
    if content_type == MERGE_PATCH:
        return _apply_kube_merge_patch(document, body)
    return apply_strategic_merge_patch(document, body, schema_for(kind))


def _decode(patch: bytes | str | JSON) -> JSON:
    if not isinstance(patch, bytes | str):
        return patch
    try:
        return msgspec.json.decode(patch)
    except msgspec.DecodeError as error:
        raise PatchError(f"error decoding patch: {error}", 400) from None


def _apply_kube_merge_patch(document: JSON, patch: JSON) -> JSON:
    """json-patch.v4's MergePatch: an object merges, an array replaces, anything else is refused."""
    if isinstance(patch, dict):
        return apply_merge_patch(document, patch)
    if isinstance(patch, list):
        return patch
    raise PatchError("Invalid JSON Patch", 400)
