"""The garbage collector's dependency graph: one node per uid, edges from ownerReferences.

Role: pkg/controller/garbagecollector/graph.go and graph_builder.go. Informer events of every
watched resource go through `GraphBuilder.observe`; an owner referenced before it is observed
gets a *virtual* node, to be verified against the API server. Each change returns the work it
makes necessary (`GraphChanges`): nodes to examine for deletion (`attemptToDelete`), owners to
orphan their dependents (`attemptToOrphan`), dependents naming an owner in another namespace.
Synchronous and pure: the controller (`garbagecollector`) does every API call and owns the
queues. The absent-owner cache remembers owners the API server confirmed missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from k8s_actors.api.meta import OwnerReference

__all__ = [
    "FOREGROUND",
    "ORPHAN",
    "AbsentOwnerCache",
    "GraphBuilder",
    "GraphChanges",
    "Identity",
    "Node",
    "has_finalizer",
]

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
EventType = Literal["add", "update", "delete"]


class Identity(msgspec.Struct, frozen=True):
    """Who an object is: its coordinates and uid (graph.go objectReference)."""

    api_version: str
    kind: str
    namespace: str
    name: str
    uid: str

    def __str__(self) -> str:
        # objectReference.String() of graph.go, used in event messages.
        return (
            f"[{self.api_version}/{self.kind}, namespace: {self.namespace}, "
            f"name: {self.name}, uid: {self.uid}]"
        )

    @classmethod
    def of_owner(cls, ref: OwnerReference, namespace: str) -> Identity:
        return cls(ref.api_version, ref.kind, namespace, ref.name, ref.uid)


def has_finalizer(obj: Any, finalizer: str) -> bool:
    return finalizer in obj.metadata.finalizers


def _matches(ref: OwnerReference, identity: Identity) -> bool:
    """ownerReferenceMatchesCoordinates: same apiVersion, kind, name and uid."""
    return (ref.api_version, ref.kind, ref.name, ref.uid) == (
        identity.api_version,
        identity.kind,
        identity.name,
        identity.uid,
    )


class Node:
    """One object (or a virtual owner) and its edges; mutated only by the builder."""

    __slots__ = (
        "being_deleted",
        "deleting_dependents",
        "dependents",
        "identity",
        "owners",
        "virtual",
    )

    def __init__(
        self,
        identity: Identity,
        owners: tuple[OwnerReference, ...] = (),
        *,
        virtual: bool = False,
    ) -> None:
        self.identity = identity
        self.owners = owners
        # Insertion-ordered by uid, so that iteration is reproducible.
        self.dependents: dict[str, Node] = {}
        self.being_deleted = False
        self.deleting_dependents = False
        self.virtual = virtual

    @property
    def uid(self) -> str:
        return self.identity.uid

    def blocking_dependents(self) -> list[Node]:
        """Dependents whose reference to this node has blockOwnerDeletion=true."""
        return [
            dep
            for dep in self.dependents.values()
            if any(ref.uid == self.uid and ref.block_owner_deletion for ref in dep.owners)
        ]

    def __repr__(self) -> str:
        return f"Node({self.identity}, virtual={self.virtual})"


@dataclass
class GraphChanges:
    """The work one graph change calls for."""

    to_delete: list[Node] = field(default_factory=list)
    to_orphan: list[Node] = field(default_factory=list)
    invalid_namespace: list[tuple[Node, OwnerReference]] = field(default_factory=list)

    def delete(self, node: Node) -> None:
        if all(n is not node for n in self.to_delete):
            self.to_delete.append(node)


class AbsentOwnerCache:
    """An LRU set of owners known to be absent (garbagecollector.go: 500 entries)."""

    def __init__(self, size: int = 500) -> None:
        self.size = size
        self._items: dict[Identity, None] = {}

    def add(self, identity: Identity) -> None:
        self._items.pop(identity, None)
        self._items[identity] = None
        while len(self._items) > self.size:
            del self._items[next(iter(self._items))]

    def __contains__(self, identity: object) -> bool:
        if identity not in self._items:
            return False
        assert isinstance(identity, Identity)
        self.add(identity)  # refresh its place, as a cache hit does
        return True

    def __len__(self) -> int:
        return len(self._items)


def _identity_of(api_version: str, kind: str, obj: Any) -> Identity:
    meta = obj.metadata
    return Identity(api_version, kind, meta.namespace, meta.name, meta.uid)


def _starts_waiting(old: Any, new: Any, finalizer: str) -> bool:
    """deletionStartsWithFinalizer: deleted with `finalizer` now, and not so before."""
    if new.metadata.deletion_timestamp is None or not has_finalizer(new, finalizer):
        return False
    if old is None:
        return True
    return old.metadata.deletion_timestamp is None or not has_finalizer(old, finalizer)


def _reference_diffs(
    old: tuple[OwnerReference, ...], new: tuple[OwnerReference, ...]
) -> tuple[list[OwnerReference], list[OwnerReference], list[tuple[OwnerReference, OwnerReference]]]:
    """(added, removed, changed) references, matched by uid (graph_builder.go referencesDiffs)."""
    before = {ref.uid: ref for ref in old}
    added: list[OwnerReference] = []
    changed: list[tuple[OwnerReference, OwnerReference]] = []
    for ref in new:
        previous = before.pop(ref.uid, None)
        if previous is None:
            added.append(ref)
        elif previous != ref:
            changed.append((previous, ref))
    return added, list(before.values()), changed


class GraphBuilder:
    """The uid -> node map, kept in step with the informers' events."""

    def __init__(self, absent: AbsentOwnerCache | None = None) -> None:
        self.nodes: dict[str, Node] = {}
        self.absent = absent if absent is not None else AbsentOwnerCache()

    def __len__(self) -> int:
        return len(self.nodes)

    # -- informer events -------------------------------------------------------------------------

    def observe(
        self, event: EventType, api_version: str, kind: str, obj: Any, old: Any = None
    ) -> GraphChanges:
        """Apply one informer event of an object of `api_version`/`kind`."""
        changes = GraphChanges()
        identity = _identity_of(api_version, kind, obj)
        node = self.nodes.get(identity.uid)
        if node is not None and node.virtual:
            self._observe_virtual(node, identity, changes)
        if event == "delete":
            if node is not None:
                self._remove(node, identity, changes)
            return changes
        if node is None:
            node = Node(identity, tuple(obj.metadata.owner_references))
            node.being_deleted = obj.metadata.deletion_timestamp is not None
            node.deleting_dependents = node.being_deleted and has_finalizer(obj, FOREGROUND)
            self.nodes[identity.uid] = node
            self._add_to_owners(node, node.owners, changes)
        else:
            self._update_owners(node, tuple(obj.metadata.owner_references), changes)
            if obj.metadata.deletion_timestamp is not None:
                node.being_deleted = True
        self._transitions(old, obj, node, changes)
        return changes

    def virtual_delete(self, identity: Identity) -> GraphChanges:
        """The API server says `identity` does not exist (a virtual delete event)."""
        changes = GraphChanges()
        node = self.nodes.get(identity.uid)
        if node is None:
            return changes
        if not node.virtual and node.identity != identity:
            # An observed object disagrees with the coordinates found absent: keep it, and
            # re-examine only the dependents that referred to those absent coordinates.
            self.absent.add(identity)
            for dep in self._matching_dependents(node, identity):
                changes.delete(dep)
            return changes
        self._remove(node, identity, changes)
        return changes

    # -- steps -----------------------------------------------------------------------------------

    def _observe_virtual(self, node: Node, observed: Identity, changes: GraphChanges) -> None:
        """A virtual owner shows up in an informer: adopt its real coordinates."""
        node.virtual = False
        if node.identity == observed:
            return
        for dep in node.dependents.values():
            wrong_namespace = bool(observed.namespace) and dep.identity.namespace != (
                observed.namespace
            )
            coordinates_differ = not any(
                _matches(ref, observed) for ref in dep.owners if ref.uid == observed.uid
            )
            if wrong_namespace:
                changes.invalid_namespace.extend(
                    (dep, ref) for ref in dep.owners if ref.uid == observed.uid
                )
            if wrong_namespace or coordinates_differ:
                changes.delete(dep)
        node.identity = observed

    def _remove(self, node: Node, identity: Identity, changes: GraphChanges) -> None:
        del self.nodes[node.uid]
        self._remove_from_owners(node, node.owners)
        if node.dependents:
            self.absent.add(identity)
        for dep in node.dependents.values():
            changes.delete(dep)
        for ref in node.owners:
            owner = self.nodes.get(ref.uid)
            if owner is not None and owner.deleting_dependents:
                # Let the owner check whether this was its last blocking dependent.
                changes.delete(owner)

    def _add_to_owners(
        self, node: Node, refs: tuple[OwnerReference, ...] | list[OwnerReference], changes: Any
    ) -> None:
        suspicious = False
        for ref in refs:
            owner = self.nodes.get(ref.uid)
            if owner is None:
                # The owner is not observed yet: a virtual node, verified by the collector.
                owner = Node(Identity.of_owner(ref, node.identity.namespace), virtual=True)
                self.nodes[ref.uid] = owner
                owner.dependents[node.uid] = node
                changes.delete(owner)
                continue
            owner.dependents[node.uid] = node
            owner_namespace = owner.identity.namespace
            if owner_namespace and owner_namespace != node.identity.namespace:
                if not owner.virtual:
                    changes.invalid_namespace.append((node, ref))
                suspicious = True
            elif not _matches(ref, owner.identity):
                suspicious = True
        if suspicious:
            changes.delete(node)

    def _remove_from_owners(
        self, node: Node, refs: tuple[OwnerReference, ...] | list[OwnerReference]
    ) -> None:
        for ref in refs:
            owner = self.nodes.get(ref.uid)
            if owner is not None:
                owner.dependents.pop(node.uid, None)

    def _update_owners(
        self, node: Node, refs: tuple[OwnerReference, ...], changes: GraphChanges
    ) -> None:
        added, removed, changed = _reference_diffs(node.owners, refs)
        if not (added or removed or changed):
            return
        # Owners waiting for this dependent are woken when it stops blocking them.
        for ref in removed:
            if ref.block_owner_deletion:
                self._wake_owner(ref, changes)
        for before, after in changed:
            if before.block_owner_deletion and not after.block_owner_deletion:
                self._wake_owner(after, changes)
        node.owners = refs
        self._add_to_owners(node, added, changes)
        self._remove_from_owners(node, removed)

    def _wake_owner(self, ref: OwnerReference, changes: GraphChanges) -> None:
        owner = self.nodes.get(ref.uid)
        if owner is not None:
            changes.delete(owner)

    def _transitions(self, old: Any, new: Any, node: Node, changes: GraphChanges) -> None:
        if _starts_waiting(old, new, ORPHAN):
            changes.to_orphan.append(node)
            return
        if _starts_waiting(old, new, FOREGROUND):
            node.deleting_dependents = True
            for dep in node.dependents.values():
                changes.delete(dep)
            changes.delete(node)

    @staticmethod
    def _matching_dependents(node: Node, identity: Identity) -> list[Node]:
        return [
            dep
            for dep in node.dependents.values()
            if (not identity.namespace or dep.identity.namespace == identity.namespace)
            and any(_matches(ref, identity) for ref in dep.owners)
        ]
