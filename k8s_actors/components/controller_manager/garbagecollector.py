"""The garbage collector: deletes dependents whose owners are gone, orphans or waits on request.

Role: pkg/controller/garbagecollector/garbagecollector.go. Informers of every stored resource
(events excepted) feed the dependency graph (`gc_graph`). Two kinds of work share one queue,
keyed `delete/<uid>` (attemptToDelete) and `orphan/<uid>` (attemptToOrphan):
- attemptToDelete reads the live object and classifies its owner references as solid, dangling
  (the owner is absent, or has another uid) or waiting (the owner is being deleted in the
  foreground). With a solid owner only the dangling and waiting references are patched away;
  with owners waiting and dependents of its own, the object is deleted in the foreground;
  otherwise it is deleted (Background, or the GC finalizer it already carries). An owner being
  deleted in the foreground loses its `foregroundDeletion` finalizer once no dependent blocks it.
- attemptToOrphan removes the owner's uid from each dependent, then its `orphan` finalizer.
Deletes carry a uid precondition, so a newer object of the same name is never hit.
Neighbours: `gc_graph` (the graph), `base` (Controller), the API server's deletion path
(which adds the `orphan` / `foregroundDeletion` finalizers and removes finalized objects).
"""

from __future__ import annotations

from typing import Any, NoReturn

from k8s_actors.api.meta import ObjectMeta, OwnerReference
from k8s_actors.api.objects.machinery import DeleteOptions, Preconditions
from k8s_actors.api.registry import REGISTRY, ResourceInfo
from k8s_actors.client import Conflict, NotFound
from k8s_actors.components.controller_manager.base import Controller, ControllerContext
from k8s_actors.components.controller_manager.gc_graph import (
    FOREGROUND,
    ORPHAN,
    GraphBuilder,
    GraphChanges,
    Identity,
    Node,
    has_finalizer,
)
from k8s_actors.kernel import TraceContext

__all__ = ["GarbageCollector", "monitored_resources"]

STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
# graph_builder.go ignoredResources: events are never owners nor collected.
IGNORED_RESOURCES = (("", "events"), ("events.k8s.io", "events"))
# retry.DefaultBackoff makes 4 attempts before giving a conflict back to the worker.
FINALIZER_ATTEMPTS = 4


class VirtualDeleteEnqueued(Exception):
    """The object is gone (or replaced): its node was dropped from the graph."""


class NamespacedOwnerOfClusterScoped(Exception):
    """A cluster-scoped object names a namespaced owner: no retry can resolve it."""


def monitored_resources() -> list[ResourceInfo]:
    """Every resource that can own or be owned: deletable, listable and watchable."""
    needed = {"delete", "list", "watch"}
    return [
        info
        for info in REGISTRY.api_resources()
        if (info.group, info.resource) not in IGNORED_RESOURCES and needed <= set(info.verbs)
    ]


class GarbageCollector(Controller):
    name = "garbage-collector-controller"
    workers = 20  # --concurrent-gc-syncs

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.graph = GraphBuilder()

    # -- the graph -------------------------------------------------------------------------------

    def setup(self) -> None:
        for info in monitored_resources():
            informer = self.ctx.informers.informer(info)
            version, kind = info.api_version, info.kind

            def on_add(
                obj: Any, span: TraceContext | None, v: str = version, k: str = kind
            ) -> None:
                self._apply(self.graph.observe("add", v, k, obj), span)

            def on_update(
                old: Any, new: Any, span: TraceContext | None, v: str = version, k: str = kind
            ) -> None:
                self._apply(self.graph.observe("update", v, k, new, old), span)

            def on_delete(
                obj: Any, span: TraceContext | None, v: str = version, k: str = kind
            ) -> None:
                self._apply(self.graph.observe("delete", v, k, obj), span)

            informer.add_handler(on_add, on_update, on_delete)

    def _apply(self, changes: GraphChanges, span: TraceContext | None) -> None:
        for node in changes.to_delete:
            self.enqueue_key(f"delete/{node.uid}", span)
        for node in changes.to_orphan:
            self.enqueue_key(f"orphan/{node.uid}", span)
        for dependent, ref in changes.invalid_namespace:
            self.enqueue_key(f"invalid/{dependent.uid}/{ref.uid}", span)

    def _virtual_delete(self, identity: Identity, span: TraceContext) -> NoReturn:
        self.log.debug("gc_object_absent", ctx=span, object=str(identity))
        self._apply(self.graph.virtual_delete(identity), span)
        raise VirtualDeleteEnqueued(str(identity))

    async def _report_invalid_namespace(
        self, dependent: Node, owner_uid: str, span: TraceContext
    ) -> None:
        """graph_builder.go reportInvalidNamespaceOwnerRef: a Warning on the dependent."""
        who = dependent.identity
        for ref in dependent.owners:
            if ref.uid != owner_uid:
                continue
            absent = Identity.of_owner(ref, who.namespace)
            message = f'ownerRef {absent} does not exist in namespace "{who.namespace}"'
            self.log.warning("gc_owner_ref_invalid_namespace", ctx=span, dependent=str(who))
            await self.recorder.event(
                _Subject(who), "Warning", "OwnerRefInvalidNamespace", message, span
            )
            return

    # -- the worker ------------------------------------------------------------------------------

    async def run_worker(self) -> None:
        """As the base worker, but a sync may ask for a quiet rate-limited retry."""
        actor = self.ctx.actor
        while True:
            key = await self.queue.get()
            if key is None:
                return
            span = actor.child_span(self._causes.pop(key, None))
            try:
                requeue = await self.process(key, span)
            except Exception as error:  # retried with back-off, as garbagecollector.go does
                requeue = True
                self.log.warning("gc_sync_failed", ctx=span, key=key, error=str(error))
            if requeue:
                self.queue.add_rate_limited(key)
            else:
                self.queue.forget(key)
            self.queue.done(key)

    async def sync(self, key: str, span: TraceContext) -> None:
        await self.process(key, span)

    async def process(self, key: str, span: TraceContext) -> bool:
        """Handle one key; True asks for a rate-limited retry."""
        work, _, rest = key.partition("/")
        uid, _, owner_uid = rest.partition("/")
        node = self.graph.nodes.get(uid)
        if node is None:
            return False  # dropped from the graph meanwhile
        if work == "invalid":
            await self._report_invalid_namespace(node, owner_uid, span)
            return False
        if work == "orphan":
            await self._attempt_to_orphan(node, span)
            return False
        try:
            await self._attempt_to_delete(node, span)
        except (VirtualDeleteEnqueued, NamespacedOwnerOfClusterScoped):
            return False
        # A virtual node is polled until an informer observes it (issue 56121).
        return node.virtual

    # -- attemptToDelete -------------------------------------------------------------------------

    async def _attempt_to_delete(self, node: Node, span: TraceContext) -> None:
        if node.being_deleted and not node.deleting_dependents:
            return  # a one-way trip: its dependents are handled once it is gone
        latest = await self._get(node.identity, span)
        if latest is None or latest.metadata.uid != node.uid:
            self._virtual_delete(node.identity, span)
        if node.deleting_dependents:
            await self._process_deleting_dependents(node, span)
            return
        refs = latest.metadata.owner_references
        if not refs:
            return
        solid, dangling, waiting = await self._classify(node, refs, span)
        if solid:
            if dangling or waiting:
                await self._remove_references(node, [*dangling, *waiting], span)
        elif waiting and node.dependents:
            if any(dep.deleting_dependents for dep in node.dependents.values()):
                await self._unblock_references(node, latest, span)
            await self._delete(node, latest, "Foreground", dangling + waiting, span)
        else:
            policy = "Background"
            if has_finalizer(latest, ORPHAN):
                policy = "Orphan"
            elif has_finalizer(latest, FOREGROUND):
                policy = "Foreground"
            await self._delete(node, latest, policy, dangling + waiting, span)

    async def _classify(
        self, node: Node, refs: tuple[OwnerReference, ...], span: TraceContext
    ) -> tuple[list[OwnerReference], list[OwnerReference], list[OwnerReference]]:
        solid: list[OwnerReference] = []
        dangling: list[OwnerReference] = []
        waiting: list[OwnerReference] = []
        for ref in refs:
            owner = await self._live_owner(ref, node, span)
            if owner is None:
                dangling.append(ref)
            elif owner.metadata.deletion_timestamp is not None and has_finalizer(owner, FOREGROUND):
                waiting.append(ref)
            else:
                solid.append(ref)
        return solid, dangling, waiting

    async def _live_owner(self, ref: OwnerReference, node: Node, span: TraceContext) -> Any:
        """The owner as the API server has it, or None when it is absent (isDangling)."""
        cluster_key = Identity.of_owner(ref, "")
        namespaced_key = Identity.of_owner(ref, node.identity.namespace)
        if cluster_key in self.graph.absent or namespaced_key in self.graph.absent:
            return None
        info = REGISTRY.for_kind(ref.api_version, ref.kind)  # unknown kinds are retried
        if info.namespaced and not node.identity.namespace:
            raise NamespacedOwnerOfClusterScoped(str(node.identity))
        key = namespaced_key if info.namespaced else cluster_key
        try:
            owner = await self.api.get(info, key.namespace, ref.name, span=span)
        except NotFound:
            owner = None
        if owner is None or owner.metadata.uid != ref.uid:
            self.graph.absent.add(key)
            return None
        return owner

    async def _process_deleting_dependents(self, node: Node, span: TraceContext) -> None:
        blocking = node.blocking_dependents()
        if "gcIgnoresBlockOwnerDeletion" in self.ctx.settings.get("mutants", ()):
            blocking = []  # the mutant lets the owner go while its dependents still block
        if not blocking:
            owner = await self._remove_finalizer(node, FOREGROUND, span)
            if owner is not None:
                self.log.info("gc_foreground_finalized", ctx=span, obj=owner)
            return
        for dep in blocking:
            if not dep.deleting_dependents:
                self.enqueue_key(f"delete/{dep.uid}", span)

    # -- attemptToOrphan -------------------------------------------------------------------------

    async def _attempt_to_orphan(self, owner: Node, span: TraceContext) -> None:
        for dep in list(owner.dependents.values()):
            try:
                patched = await self._patch_references(
                    dep, [{"$patch": "delete", "uid": owner.uid}], span
                )
            except NotFound:
                continue
            self.log.info("gc_orphaned", ctx=span, obj=patched, owner=str(owner.identity))
        finalized = await self._remove_finalizer(owner, ORPHAN, span)
        if finalized is not None:
            self.log.info("gc_orphan_finalized", ctx=span, obj=finalized)

    # -- writes ----------------------------------------------------------------------------------

    async def _get(self, identity: Identity, span: TraceContext) -> Any:
        info = REGISTRY.for_kind(identity.api_version, identity.kind)
        namespace = identity.namespace if info.namespaced else ""
        try:
            return await self.api.get(info, namespace, identity.name, span=span)
        except NotFound:
            return None

    async def _delete(
        self,
        node: Node,
        latest: Any,
        policy: str,
        absent: list[OwnerReference],
        span: TraceContext,
    ) -> None:
        identity = node.identity
        info = REGISTRY.for_kind(identity.api_version, identity.kind)
        options = DeleteOptions(
            preconditions=Preconditions(uid=identity.uid), propagation_policy=policy
        )
        namespace = identity.namespace if info.namespaced else ""
        try:
            await self.api.delete(info, namespace, identity.name, options, span=span)
        except NotFound:
            self._virtual_delete(identity, span)
        self.log.info(
            "gc_dependent_deleted",
            ctx=span,
            obj=latest,
            propagation_policy=policy,
            owners=[ref.uid for ref in absent],
        )

    async def _remove_references(
        self, node: Node, refs: list[OwnerReference], span: TraceContext
    ) -> None:
        entries = [{"$patch": "delete", "uid": ref.uid} for ref in refs]
        try:
            patched = await self._patch_references(node, entries, span)
        except NotFound:
            self._virtual_delete(node.identity, span)
        self.log.info(
            "gc_owner_references_removed", ctx=span, obj=patched, owners=[r.uid for r in refs]
        )

    async def _unblock_references(self, node: Node, latest: Any, span: TraceContext) -> None:
        """Owners and dependent both wait on each other: stop this one blocking its owners."""
        entries = [
            {"uid": ref.uid, "blockOwnerDeletion": False}
            for ref in latest.metadata.owner_references
            if ref.block_owner_deletion
        ]
        if entries:
            patched = await self._patch_references(node, entries, span)
            self.log.info("gc_owner_references_unblocked", ctx=span, obj=patched)

    async def _patch_references(
        self, node: Node, entries: list[dict[str, Any]], span: TraceContext
    ) -> Any:
        """A strategic merge patch of ownerReferences, naming the object's uid as the real one."""
        identity = node.identity
        info = REGISTRY.for_kind(identity.api_version, identity.kind)
        patch = {"metadata": {"ownerReferences": entries, "uid": identity.uid}}
        namespace = identity.namespace if info.namespaced else ""
        return await self.api.patch(info, namespace, identity.name, patch, STRATEGIC, span=span)

    async def _remove_finalizer(self, node: Node, finalizer: str, span: TraceContext) -> Any:
        """Drop `finalizer` from the live object; the object patched, or None if nothing to do."""
        identity = node.identity
        info = REGISTRY.for_kind(identity.api_version, identity.kind)
        for attempt in range(FINALIZER_ATTEMPTS):
            latest = await self._get(identity, span)
            if latest is None or latest.metadata.uid != identity.uid:
                return None
            if not has_finalizer(latest, finalizer):
                return None
            kept = [f for f in latest.metadata.finalizers if f != finalizer]
            meta = {"finalizers": kept, "resourceVersion": latest.metadata.resource_version}
            try:
                return await self.api.patch(
                    info, latest.metadata.namespace, identity.name, {"metadata": meta}, MERGE,
                    span=span,
                )  # fmt: skip
            except Conflict:
                if attempt == FINALIZER_ATTEMPTS - 1:
                    raise
            except NotFound:
                return None
        return None


class _Subject:
    """What the Event recorder needs of an object known only by its identity."""

    def __init__(self, identity: Identity) -> None:
        self.api_version = identity.api_version
        self.kind = identity.kind
        self.metadata = ObjectMeta(
            name=identity.name, namespace=identity.namespace, uid=identity.uid
        )
