"""The namespace controller: empties a terminating namespace, then releases its finalizer.

Role: pkg/controller/namespace/namespace_controller.go and deletion/
namespaced_resources_deleter.go. A namespace with a deletionTimestamp is synced 5 s after the
event (so that last-minute creations are seen); a sync deletes every namespaced resource the
server serves (deletecollection with Background propagation, else one by one), lists what is
left, writes the five deletion conditions (`namespace_conditions`), and either waits
(estimate / 2 + 1 seconds, the estimate being the longest grace period of the namespace's pods,
or 15 s for objects held by finalizers) or removes the `kubernetes` finalizer through
namespaces/finalize, after which the API server deletes the namespace. Neighbours: `base`,
`namespace_conditions`, the API server (NamespaceLifecycle admission refuses new content while
the namespace terminates).
"""

from __future__ import annotations

import contextlib
from typing import Any

import msgspec

from k8s_actors.api.objects.cluster import Namespace
from k8s_actors.api.objects.machinery import DeleteOptions
from k8s_actors.api.registry import ResourceInfo
from k8s_actors.client import (
    ApiError,
    AsyncWorkQueue,
    BucketRateLimiter,
    Conflict,
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
    NotFound,
    WorkQueue,
)
from k8s_actors.components.controller_manager.base import Controller, ControllerContext
from k8s_actors.components.controller_manager.namespace_conditions import (
    ContentTotals,
    ResourceRemaining,
    deletion_conditions,
    update_conditions,
)
from k8s_actors.kernel import TraceContext
from k8s_actors.messages import Update

__all__ = ["NamespaceController"]

replace = msgspec.structs.replace
FINALIZER = "kubernetes"
# namespace_controller.go: namespaceDeletionGracePeriod, and the informer's resync period.
DELETION_GRACE = 5.0
RESYNC_PERIOD = 300.0
# namespaced_resources_deleter.go: finalizerEstimateSeconds.
FINALIZER_ESTIMATE = 15
MAX_CONFLICT_RETRIES = 5


class ContentRemaining(Exception):
    """deletion.ResourcesRemainingError: content is going away, look again later."""

    def __init__(self, estimate: int) -> None:
        super().__init__(
            f"some content remains in the namespace, estimate {estimate} seconds before it is "
            "removed"
        )
        self.estimate = estimate


class ContentDeletionFailed(Exception):
    """Deleting some resources failed; the message aggregates their errors."""


def namespace_rate_limiter() -> MaxOfRateLimiter[str]:
    """nsControllerRateLimiter: 5 ms doubling to 60 s per namespace, 10 qps (burst 100)."""
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(0.005, 60.0), BucketRateLimiter(10.0, 100)
    )


def aggregate(errors: list[str]) -> str:
    """utilerrors.NewAggregate's message: one error alone, several in brackets."""
    return errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"


def gvr_string(info: ResourceInfo) -> str:
    """schema.GroupVersionResource's String(): "apps/v1, Resource=deployments"."""
    return f"{info.group}/{info.version}, Resource={info.resource}"


class NamespaceController(Controller):
    name = "namespace-controller"
    workers = 10  # --concurrent-namespace-syncs

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.queue = AsyncWorkQueue(ctx.actor.clock, WorkQueue(namespace_rate_limiter()))

    def setup(self) -> None:
        informer = self.ctx.informers.informer(Namespace, resync_period=RESYNC_PERIOD)
        informer.add_handler(
            on_add=self._enqueue, on_update=lambda old, new, span: self._enqueue(new, span)
        )

    def _enqueue(self, namespace: Any, span: TraceContext | None) -> None:
        if namespace.metadata.deletion_timestamp is None:
            return
        key = namespace.metadata.name
        if span is not None or key not in self._causes:
            self._causes[key] = span
        self.enqueue_after(key, DELETION_GRACE)

    async def sync(self, key: str, span: TraceContext) -> None:
        try:
            await self._delete(key, span)
        except ContentRemaining as remaining:
            wait = remaining.estimate // 2 + 1
            self.log.info(
                "namespace_content_remaining",
                ctx=span,
                namespace=key,
                estimate=remaining.estimate,
                retry_in=wait,
            )
            self.enqueue_after(key, wait)

    # -- the deleter -----------------------------------------------------------------------------

    async def _delete(self, name: str, span: TraceContext) -> None:
        try:
            namespace = await self.api.get(Namespace, "", name, span=span)
        except NotFound:
            return
        if namespace.metadata.deletion_timestamp is None:
            return
        namespace = await self._ensure_terminating(namespace, span)
        if namespace is None or not namespace.spec.finalizers:
            return  # gone, or finalized already
        estimate = await self._delete_all_content(namespace, span)
        if estimate > 0:
            raise ContentRemaining(estimate)
        await self._finalize(namespace, span)

    async def _ensure_terminating(self, namespace: Any, span: TraceContext) -> Any:
        if namespace.status.phase == "Terminating":
            return namespace
        marked = replace(namespace, status=replace(namespace.status, phase="Terminating"))
        try:
            return await self.api.update_status(marked, span=span)
        except NotFound:
            return None

    async def _delete_all_content(self, namespace: Any, span: TraceContext) -> int:
        """Delete every resource kind; the estimate of seconds before the rest is gone."""
        name = namespace.metadata.name
        deleted_at = self.ctx.actor.clock.parse_timestamp(namespace.metadata.deletion_timestamp)
        errors: list[str] = []
        discovery_error = ""
        try:
            served = await self.api.discovery(span=span)
        except ApiError as error:
            discovery_error = str(error)
            errors.append(discovery_error)
            served = []
        totals = ContentTotals()
        estimate = 0
        for info in _deletable(served):
            remaining = await self._delete_resource(info, name, deleted_at, span)
            if remaining.error:
                errors.append(remaining.error)
            estimate = max(estimate, remaining.estimate)
            totals.add(info, remaining)
        failures = deletion_conditions(
            discovery_error, sorted(e for e in errors if e != discovery_error), totals
        )
        await self._write_conditions(namespace, failures, span)
        if errors:
            raise ContentDeletionFailed(aggregate(errors))
        return estimate

    async def _delete_resource(
        self, info: ResourceInfo, namespace: str, deleted_at: float, span: TraceContext
    ) -> ResourceRemaining:
        """deleteAllContentForGroupVersionResource."""
        estimate = 0
        if info.resource == "pods" and not info.group:
            estimate = await self._estimate_pods(namespace, deleted_at, span)
        background = DeleteOptions(propagation_policy="Background")
        try:
            if "deletecollection" in info.verbs:
                await self.api.delete_collection(info, namespace, options=background, span=span)
            else:
                for item in (await self.api.list(info, namespace, span=span)).items:
                    with contextlib.suppress(NotFound):
                        await self.api.delete(
                            info, namespace, item.metadata.name, background, span=span
                        )
            left = list((await self.api.list(info, namespace, span=span)).items)
        except ApiError as error:
            return ResourceRemaining(estimate=estimate, error=str(error))
        self.log.info(
            "namespace_content_deleted",
            ctx=span,
            namespace=namespace,
            resource=info.qualified_resource,
            remaining=len(left),
        )
        return _remaining(info, namespace, left, estimate)

    async def _estimate_pods(self, namespace: str, deleted_at: float, span: TraceContext) -> int:
        """The longest grace period of the pods still running, unless already spent."""
        estimate = 0
        for pod in (await self.api.list("pods", namespace, span=span)).items:
            if pod.status and pod.status.phase in ("Succeeded", "Failed"):
                continue
            grace = pod.spec.termination_grace_period_seconds
            if grace is not None:
                estimate = max(estimate, grace)
        if self.ctx.actor.clock.now() - deleted_at >= estimate:
            return 0
        return estimate

    async def _write_conditions(
        self, namespace: Any, failures: list[Any], span: TraceContext
    ) -> None:
        now = self.ctx.actor.clock.timestamp()
        conditions, changed = update_conditions(namespace.status.conditions, failures, now)
        if not changed:
            return
        updated = replace(namespace, status=replace(namespace.status, conditions=conditions))
        try:
            await self.api.update_status(updated, span=span)
        except ApiError as error:  # logged and left for the next sync, as the deleter does
            self.log.warning(
                "namespace_status_update_failed", ctx=span, obj=namespace, error=str(error)
            )
            return
        self.log.info(
            "namespace_conditions_updated",
            ctx=span,
            obj=namespace,
            conditions={c.type: c.status for c in conditions},
        )

    async def _finalize(self, namespace: Any, span: TraceContext) -> None:
        """Remove our finalizer through namespaces/finalize (retried on conflicts)."""
        for _ in range(MAX_CONFLICT_RETRIES):
            kept = sorted({f for f in namespace.spec.finalizers if f != FINALIZER})
            body = replace(namespace, spec=replace(namespace.spec, finalizers=tuple(kept)))
            request = Update(
                resource="namespaces", name=namespace.metadata.name, body=body,
                subresource="finalize",
            )  # fmt: skip
            try:
                result = await self.api.call(request, span)
            except NotFound:
                return
            except Conflict:
                latest = await self.api.get(Namespace, "", namespace.metadata.name, span=span)
                if latest.metadata.uid != namespace.metadata.uid:
                    raise RuntimeError("namespace uid has changed across retries") from None
                namespace = latest
                continue
            self.log.info("namespace_finalized", ctx=span, obj=result, finalizers=kept)
            return
        raise RuntimeError(f"finalizing namespace {namespace.metadata.name} kept conflicting")


def _deletable(served: list[ResourceInfo]) -> list[ResourceInfo]:
    """Namespaced resources that can be deleted, in a stable order."""
    chosen = [info for info in served if info.namespaced and "delete" in info.verbs]
    return sorted(chosen, key=lambda info: (info.group, info.resource))


def _remaining(
    info: ResourceInfo, namespace: str, left: list[Any], estimate: int
) -> ResourceRemaining:
    if not left:
        return ResourceRemaining()
    finalizers: dict[str, int] = {}
    for item in left:
        for finalizer in item.metadata.finalizers:
            finalizers[finalizer] = finalizers.get(finalizer, 0) + 1
    if estimate:
        return ResourceRemaining(estimate, len(left), finalizers)
    if finalizers:
        # Objects held by finalizers are normal: allow the collectors some time.
        return ResourceRemaining(FINALIZER_ESTIMATE, len(left), finalizers)
    error = f"unexpected items still remain in namespace: {namespace} for gvr: {gvr_string(info)}"
    return ResourceRemaining(estimate, len(left), finalizers, error)
