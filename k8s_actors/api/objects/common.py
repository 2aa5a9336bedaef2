"""Small types shared by several groups of kinds.

Role: the building blocks that more than one kind embeds (object references, int-or-string,
the `fixed` default for apiVersion/kind). Neighbours: `core_*` (Pod), `workloads`, `service`,
`config`, `cluster`; all derive from `meta.Model`.
"""

from __future__ import annotations

import msgspec

from k8s_actors.api.meta import Model

IntOrString = int | str
"""intstr.IntOrString: a port number or name, a count or a percentage such as "25%"."""


def fixed(value: str) -> str:
    """A default for `apiVersion`/`kind` that is always encoded.

    `Model` omits fields equal to their default; a default_factory that is not an empty
    collection is never omitted by msgspec, so every encoded object names its own kind.
    """
    return msgspec.field(default_factory=lambda: value)


class ObjectReference(Model, frozen=True):
    """core/v1 ObjectReference: points at another object (Event.involvedObject, Binding.target)."""

    api_version: str = ""
    kind: str = ""
    namespace: str = ""
    name: str = ""
    uid: str = ""
    resource_version: str = ""
    field_path: str = ""


class LocalObjectReference(Model, frozen=True):
    """A reference by name within the same namespace (imagePullSecrets, configMapRef)."""

    name: str = ""


class TypedLocalObjectReference(Model, frozen=True):
    """A reference by kind and name within the same namespace."""

    api_group: str | None = None
    kind: str = ""
    name: str = ""
