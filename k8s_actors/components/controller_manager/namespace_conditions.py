"""The status conditions a terminating namespace carries, with Kubernetes' reasons and texts.

Role: pkg/controller/namespace/deletion/status_condition_utils.go. The namespace deleter
reports what went wrong (discovery, deletion errors, content or finalizers remaining) as
failing conditions; every condition type not failing is written in its "ok" form, so that a
namespace shows all five. Pure functions over the object model. Neighbours: `namespace`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from k8s_actors.api.objects.cluster import NamespaceCondition
from k8s_actors.api.registry import ResourceInfo

__all__ = [
    "CONDITION_TYPES",
    "ContentTotals",
    "ResourceRemaining",
    "deletion_conditions",
    "update_conditions",
]

DISCOVERY = "NamespaceDeletionDiscoveryFailure"
GROUP_VERSION = "NamespaceDeletionGroupVersionParsingFailure"
CONTENT_FAILURE = "NamespaceDeletionContentFailure"
CONTENT_REMAINING = "NamespaceContentRemaining"
FINALIZERS_REMAINING = "NamespaceFinalizersRemaining"
CONDITION_TYPES = (
    DISCOVERY,
    GROUP_VERSION,
    CONTENT_FAILURE,
    CONTENT_REMAINING,
    FINALIZERS_REMAINING,
)

# The "nothing wrong" form of each condition: (reason, message), status False.
OK: dict[str, tuple[str, str]] = {
    DISCOVERY: ("ResourcesDiscovered", "All resources successfully discovered"),
    GROUP_VERSION: ("ParsedGroupVersions", "All legacy kube types successfully parsed"),
    CONTENT_FAILURE: (
        "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization",
    ),
    CONTENT_REMAINING: ("ContentRemoved", "All content successfully removed"),
    FINALIZERS_REMAINING: ("ContentRemoved", "All content successfully removed"),
}


@dataclass
class ResourceRemaining:
    """What is left of one resource after its deletion (gvrDeletionMetadata)."""

    estimate: int = 0
    count: int = 0
    finalizers: dict[str, int] = field(default_factory=dict)
    error: str = ""


@dataclass
class ContentTotals:
    """Remaining instances per resource and per finalizer (allGVRDeletionMetadata)."""

    by_resource: dict[str, int] = field(default_factory=dict)
    by_finalizer: dict[str, int] = field(default_factory=dict)

    def add(self, info: ResourceInfo, remaining: ResourceRemaining) -> None:
        if remaining.count <= 0:
            return
        # "<resource>.<group>", so core resources read "pods." as in Kubernetes.
        self.by_resource[f"{info.resource}.{info.group}"] = remaining.count
        for finalizer, count in remaining.finalizers.items():
            if count:
                self.by_finalizer[finalizer] = self.by_finalizer.get(finalizer, 0) + count


def _failing(type_: str, reason: str, message: str) -> NamespaceCondition:
    return NamespaceCondition(type=type_, status="True", reason=reason, message=message)


def deletion_conditions(
    discovery_error: str, content_errors: list[str], totals: ContentTotals
) -> list[NamespaceCondition]:
    """The failing conditions of one pass of the deleter (without timestamps)."""
    failures: list[NamespaceCondition] = []
    if discovery_error:
        failures.append(_failing(DISCOVERY, "DiscoveryFailed", discovery_error))
    if totals.by_resource:
        listed = sorted(f"{r} has {n} resource instances" for r, n in totals.by_resource.items())
        message = "Some resources are remaining: " + ", ".join(listed)
        failures.append(_failing(CONTENT_REMAINING, "SomeResourcesRemain", message))
    if totals.by_finalizer:
        listed = sorted(f"{f} in {n} resource instances" for f, n in totals.by_finalizer.items())
        message = "Some finalizers are remaining: " + ", ".join(listed)
        failures.append(_failing(FINALIZERS_REMAINING, "SomeFinalizerRemain", message))
    if content_errors:
        errors = sorted(content_errors)
        message = f"Failed to delete all resource types, {len(errors)} remaining: " + ", ".join(
            errors
        )
        failures.append(_failing(CONTENT_FAILURE, "ContentDeletionFailed", message))
    return failures


def update_conditions(
    current: tuple[NamespaceCondition, ...], failures: list[NamespaceCondition], now: str
) -> tuple[tuple[NamespaceCondition, ...], bool]:
    """The namespace's conditions with every deleter type set; and whether anything changed.

    As updateConditions: a missing type is appended; an existing one is rewritten when its
    status, reason or message differ, its lastTransitionTime moving only when the status does.
    """
    failing = {condition.type: condition for condition in failures}
    conditions = list(current)
    changed = False
    for type_ in CONDITION_TYPES:
        wanted = failing.get(type_)
        if wanted is None:
            reason, message = OK[type_]
            wanted = NamespaceCondition(type=type_, status="False", reason=reason, message=message)
        index = next((i for i, c in enumerate(conditions) if c.type == type_), None)
        if index is None:
            conditions.append(msgspec.structs.replace(wanted, last_transition_time=now))
            changed = True
            continue
        old = conditions[index]
        if (old.status, old.reason, old.message) == (wanted.status, wanted.reason, wanted.message):
            continue
        moved = now if old.status != wanted.status else old.last_transition_time
        conditions[index] = msgspec.structs.replace(wanted, last_transition_time=moved)
        changed = True
    return tuple(conditions), changed
