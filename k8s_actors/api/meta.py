"""Object metadata shared by every Kubernetes kind: ObjectMeta, ListMeta, OwnerReference.

Role: the common base of the object model (layer 0). Every kind in `k8s_actors.api` is a frozen
msgspec Struct deriving from `Model`, which gives the Kubernetes wire names (`rename="camel"`),
omits defaults on encoding, and refuses unknown fields so that a typo in a manifest is an error.
Neighbours: `quantity` (resource amounts), `objects` (the kinds), `codec` (encode/decode).
"""

from __future__ import annotations

import msgspec


class Model(
    msgspec.Struct,
    frozen=True,
    rename="camel",
    omit_defaults=True,
    kw_only=True,
    forbid_unknown_fields=True,
    gc=False,
):
    """Base of every API struct: immutable, camelCase on the wire, unknown fields rejected.

    Objects are frozen trees that never refer back to themselves, so the cycle collector need not
    track them (`gc=False`): with 150,000 pods it would otherwise rescan the cluster repeatedly.
    """


class OwnerReference(Model, frozen=True):
    """A link from a dependent to its owner; at most one per object has controller=True."""

    api_version: str
    kind: str
    name: str
    uid: str
    controller: bool | None = None
    block_owner_deletion: bool | None = None


class ManagedFieldsEntry(Model, frozen=True):
    """Kept so manifests exported from real clusters decode; not interpreted."""

    manager: str = ""
    operation: str = ""
    api_version: str = ""
    time: str | None = None
    fields_type: str = ""
    fields_v1: dict[str, object] | None = None


class ObjectMeta(Model, frozen=True):
    """metadata of every object (k8s.io/apimachinery/pkg/apis/meta/v1 ObjectMeta)."""

    name: str = ""
    generate_name: str = ""
    namespace: str = ""
    uid: str = ""
    resource_version: str = ""
    generation: int = 0
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    deletion_grace_period_seconds: int | None = None
    labels: dict[str, str] = msgspec.field(default_factory=dict)
    annotations: dict[str, str] = msgspec.field(default_factory=dict)
    owner_references: tuple[OwnerReference, ...] = ()
    finalizers: tuple[str, ...] = ()
    managed_fields: tuple[ManagedFieldsEntry, ...] = ()

    def controller_ref(self) -> OwnerReference | None:
        """The owner reference with controller=true, if any."""
        for ref in self.owner_references:
            if ref.controller:
                return ref
        return None


class ListMeta(Model, frozen=True):
    """metadata of a list response."""

    resource_version: str = ""
    continue_: str = msgspec.field(default="", name="continue")
    remaining_item_count: int | None = None
