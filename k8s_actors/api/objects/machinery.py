"""API machinery kinds: Status, DeleteOptions, List, and the subresource kinds Binding,
Eviction and Scale.

Role: what requests and responses carry besides stored objects (errors are `Status` data,
never exceptions, on the bus). Neighbours: `meta` (ListMeta), `common` (ObjectReference),
`registry` (subresources), `validation.errors` (422 Status causes).
"""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.api.meta import ListMeta, Model, ObjectMeta
from k8s_actors.api.objects.common import ObjectReference, fixed


class StatusCause(Model, frozen=True):
    """One cause of a failure, e.g. reason FieldValueInvalid for field spec.replicas."""

    reason: str = ""
    message: str = ""
    field: str = ""


class StatusDetails(Model, frozen=True):
    name: str = ""
    group: str = ""
    kind: str = ""
    uid: str = ""
    causes: tuple[StatusCause, ...] = ()
    retry_after_seconds: int = 0


class Status(Model, frozen=True):
    """meta/v1 Status: status Success/Failure, reason (NotFound, Conflict, ...), HTTP code."""

    api_version: str = fixed("v1")
    kind: str = fixed("Status")
    metadata: ListMeta = msgspec.field(default_factory=ListMeta)
    status: str = ""
    message: str = ""
    reason: str = ""
    details: StatusDetails | None = None
    code: int = 0


class Preconditions(Model, frozen=True):
    uid: str | None = None
    resource_version: str | None = None


class DeleteOptions(Model, frozen=True):
    """meta/v1 DeleteOptions; propagationPolicy Orphan, Background or Foreground."""

    api_version: str = fixed("v1")
    kind: str = fixed("DeleteOptions")
    grace_period_seconds: int | None = None
    preconditions: Preconditions | None = None
    orphan_dependents: bool | None = None
    propagation_policy: str | None = None
    dry_run: tuple[str, ...] = ()


class Binding(Model, frozen=True):
    """core/v1 Binding: the pods/binding subresource the scheduler posts."""

    api_version: str = fixed("v1")
    kind: str = fixed("Binding")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    target: ObjectReference = msgspec.field(default_factory=ObjectReference)


class Eviction(Model, frozen=True):
    """policy/v1 Eviction: the pods/eviction subresource (honours PodDisruptionBudgets)."""

    api_version: str = fixed("policy/v1")
    kind: str = fixed("Eviction")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    delete_options: DeleteOptions | None = None


class ScaleSpec(Model, frozen=True):
    replicas: int = 0


class ScaleStatus(Model, frozen=True):
    replicas: int = 0
    selector: str = ""


class Scale(Model, frozen=True):
    """autoscaling/v1 Scale: the scale subresource of deployments and replicasets."""

    api_version: str = fixed("autoscaling/v1")
    kind: str = fixed("Scale")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: ScaleSpec = msgspec.field(default_factory=ScaleSpec)
    status: ScaleStatus = msgspec.field(default_factory=ScaleStatus)


class List(Model, frozen=True):
    """A list of objects: `kind: List` in manifests, `PodList` etc. in responses.

    items hold typed objects once decoded by `codec.decode_object` (plain dicts before).
    """

    api_version: str = fixed("v1")
    kind: str = fixed("List")
    metadata: ListMeta = msgspec.field(default_factory=ListMeta)
    items: tuple[Any, ...] = ()
