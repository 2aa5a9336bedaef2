"""The Deployment controller's shared steps: find or create the new ReplicaSet and sync
revisions, scale ReplicaSets (with events), proportional scaling, revision-history cleanup and
the status of a Deployment that is not rolling out.

Role: pkg/controller/deployment/sync.go. `SyncContext` carries what one sync needs to write
(the API client, the recorder, the span, the clock) and performs every write, so the
strategies (`deployment_rolling`, `deployment_recreate`, `deployment_rollback`) read as the Go
code does. Planning is pure (`plan_scale`, `replica_sets_to_clean`, `calculate_status`).
Neighbours: `deployment_util` (pure helpers), `deployment_progress`, `deployment` (controller).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from msgspec.structs import replace

from k8s_actors.api.labels import LabelSelector
from k8s_actors.api.meta import ObjectMeta, OwnerReference
from k8s_actors.api.objects.machinery import Status
from k8s_actors.api.objects.workloads import (
    Deployment,
    DeploymentStatus,
    ReplicaSet,
    ReplicaSetSpec,
)
from k8s_actors.client import AlreadyExists, ApiClient, ApiError, Lister, NotFound
from k8s_actors.client.events import EventRecorder
from k8s_actors.components.controller_manager import deployment_util as du
from k8s_actors.kernel import Clock, Logger, TraceContext


def quote(text: str) -> str:
    """Go's %q for the plain names used in messages."""
    return json.dumps(text)


@dataclass
class SyncContext:
    """What one sync of one Deployment writes with, and the Deployment as it was read."""

    api: ApiClient
    recorder: EventRecorder
    log: Logger
    span: TraceContext
    clock: Clock
    rs_lister: Lister
    stored: Deployment
    enqueue_after: Callable[[float], None]
    enqueue_rate_limited: Callable[[], None]
    mutants: tuple[str, ...] = ()  # deliberate defects (k8s_actors.kernel.mutants)

    def now(self) -> float:
        """Absolute epoch seconds (what condition times are compared with)."""
        return self.clock.epoch.timestamp() + self.clock.now()

    def stamp(self) -> str:
        return self.clock.timestamp()

    async def event(self, d: Deployment, type_: str, reason: str, message: str) -> None:
        await self.recorder.event(d, type_, reason, message, self.span)

    async def write_status(self, d: Deployment) -> None:
        """UpdateStatus(d): status, and the annotations the controller changed.

        Kubernetes' status strategy for Deployments keeps metadata.annotations of the body,
        so one UpdateStatus also records the revision annotation. This API server's status
        subresource changes status alone, so changed annotations are first merged into the
        main resource, and the status write then uses that write's resourceVersion (as the
        single real write would). Later writes of the same sync use the resourceVersion the
        sync started with, and conflict as they do in Kubernetes.
        """
        body = d
        if d.metadata.annotations != self.stored.metadata.annotations:
            patch = {"metadata": {"annotations": _annotation_patch(self.stored, d)}}
            patched: Deployment = await self.api.patch(
                Deployment, d.metadata.namespace, d.metadata.name, patch, span=self.span
            )
            self.stored = replace(
                self.stored,
                metadata=replace(self.stored.metadata, annotations=dict(d.metadata.annotations)),
            )
            body = replace(
                d, metadata=replace(d.metadata, resource_version=patched.metadata.resource_version)
            )
        await self.api.update_status(body, span=self.span)
        self.log.info(
            "deployment_status_updated",
            ctx=self.span,
            obj=d,
            replicas=d.status.replicas,
            updated=d.status.updated_replicas,
            ready=d.status.ready_replicas,
            available=d.status.available_replicas,
            conditions=[f"{c.type}={c.status}/{c.reason}" for c in d.status.conditions],
        )

    async def scale_replica_set(
        self, rs: ReplicaSet, size: int, d: Deployment, operation: str
    ) -> tuple[bool, ReplicaSet]:
        """sync.go scaleReplicaSet: write the size and replicas annotations if either
        changed; an event only when the size did."""
        old = du.replicas(rs)
        size_changed = old != size
        surge_max = du.replicas(d) + du.max_surge(d)
        if not size_changed and not du.replicas_annotations_need_update(
            rs, du.replicas(d), surge_max
        ):
            return False, rs
        annotations, _ = du.set_replicas_annotations(
            rs.metadata.annotations, du.replicas(d), surge_max
        )
        body = replace(
            rs,
            metadata=replace(rs.metadata, annotations=annotations),
            spec=replace(rs.spec, replicas=size),
        )
        updated: ReplicaSet = await self.api.update(body, span=self.span)
        if not size_changed:
            return False, updated
        self.log.info(
            "deployment_replica_set_scaled",
            ctx=self.span,
            obj=updated,
            deployment=d.metadata.name,
            old_replicas=old,
            new_replicas=size,
        )
        # The 1.31+ wording (kubernetes PR 125118): "from <old> to <new>".
        message = f"Scaled {operation} replica set {rs.metadata.name} from {old} to {size}"
        await self.event(d, "Normal", "ScalingReplicaSet", message)
        return True, updated

    async def scale_and_record(
        self, rs: ReplicaSet, size: int, d: Deployment
    ) -> tuple[bool, ReplicaSet]:
        """scaleReplicaSetAndRecordEvent: nothing when the size is already right."""
        if du.replicas(rs) == size:
            return False, rs
        operation = "up" if du.replicas(rs) < size else "down"
        return await self.scale_replica_set(rs, size, d, operation)


def _annotation_patch(before: Deployment, after: Deployment) -> dict[str, str | None]:
    old, new = before.metadata.annotations, after.metadata.annotations
    patch: dict[str, str | None] = {k: v for k, v in sorted(new.items()) if old.get(k) != v}
    patch.update({k: None for k in sorted(old) if k not in new})
    return patch


# -- the new ReplicaSet and revisions --------------------------------------------------------


async def get_all_replica_sets_and_sync_revision(
    sc: SyncContext, d: Deployment, rs_list: Sequence[ReplicaSet], create: bool
) -> tuple[Deployment, ReplicaSet | None, list[ReplicaSet]]:
    """(Deployment, new RS or None, all old RSs), the new RS's revision brought to max+1."""
    _, all_old = du.find_old_replica_sets(d, rs_list)
    d, new_rs = await get_new_replica_set(sc, d, rs_list, all_old, create)
    return d, new_rs, all_old


async def get_new_replica_set(
    sc: SyncContext,
    d: Deployment,
    rs_list: Sequence[ReplicaSet],
    old_rss: Sequence[ReplicaSet],
    create: bool,
) -> tuple[Deployment, ReplicaSet | None]:
    existing = du.find_new_replica_set(d, rs_list)
    new_revision = str(du.max_revision(old_rss) + 1)
    if existing is not None:
        return await _sync_existing_new(sc, d, existing, new_revision)
    if not create:
        return d, None
    return await _create_new(sc, d, old_rss, new_revision)


async def _sync_existing_new(
    sc: SyncContext, d: Deployment, existing: ReplicaSet, new_revision: str
) -> tuple[Deployment, ReplicaSet]:
    annotations, changed = du.set_new_replica_set_annotations(
        d, existing.metadata.annotations, new_revision, True
    )
    if changed or existing.spec.min_ready_seconds != d.spec.min_ready_seconds:
        body = replace(
            existing,
            metadata=replace(existing.metadata, annotations=annotations),
            spec=replace(existing.spec, min_ready_seconds=d.spec.min_ready_seconds),
        )
        # sync.go returns right after this write; the Deployment's revision follows next sync.
        updated: ReplicaSet = await sc.api.update(body, span=sc.span)
        return d, updated
    current = existing.metadata.annotations.get(du.REVISION_ANNOTATION, "")
    d, needs_update = du.set_deployment_revision(d, current)
    if du.has_progress_deadline(d) and du.get_condition(d.status, du.PROGRESSING) is None:
        message = f"Found new replica set {quote(existing.metadata.name)}"
        condition = du.new_condition(
            du.PROGRESSING, "True", du.FOUND_NEW_RS_REASON, message, sc.stamp()
        )
        d = replace(d, status=du.set_condition(d.status, condition))
        needs_update = True
    if needs_update:
        await sc.write_status(d)
    return d, existing


def new_replica_set_for(
    d: Deployment, old_rss: Sequence[ReplicaSet], new_revision: str, mutants: Sequence[str] = ()
) -> ReplicaSet:
    """The ReplicaSet getNewReplicaSet creates: `<deployment>-<hash>`, owned by d."""
    template = d.spec.template
    hash_ = du.compute_hash(template, d.status.collision_count)
    labels = {**template.metadata.labels, du.UNIQUE_LABEL_KEY: hash_}
    selector = d.spec.selector or LabelSelector()
    selector = replace(selector, match_labels={**selector.match_labels, du.UNIQUE_LABEL_KEY: hash_})
    meta = d.metadata
    rs = ReplicaSet(
        metadata=ObjectMeta(
            name=f"{meta.name}-{hash_}",
            namespace=meta.namespace,
            owner_references=(controller_ref(d),),
            labels=labels,
        ),
        spec=ReplicaSetSpec(
            replicas=0,
            min_ready_seconds=d.spec.min_ready_seconds,
            selector=selector,
            template=replace(template, metadata=replace(template.metadata, labels=labels)),
        ),
    )
    count = du.new_rs_new_replicas(d, [*old_rss, rs], rs, mutants)
    annotations, _ = du.set_new_replica_set_annotations(d, {}, new_revision, False)
    return replace(
        rs,
        metadata=replace(rs.metadata, annotations=annotations),
        spec=replace(rs.spec, replicas=count),
    )


def controller_ref(d: Deployment) -> OwnerReference:
    """metav1.NewControllerRef for a Deployment."""
    return OwnerReference(
        api_version="apps/v1",
        kind="Deployment",
        name=d.metadata.name,
        uid=d.metadata.uid,
        controller=True,
        block_owner_deletion=True,
    )


async def _create_new(
    sc: SyncContext, d: Deployment, old_rss: Sequence[ReplicaSet], new_revision: str
) -> tuple[Deployment, ReplicaSet]:
    rs = new_replica_set_for(d, old_rss, new_revision, sc.mutants)
    name = rs.metadata.name
    count = du.replicas(rs)
    already_exists = False
    try:
        created: ReplicaSet = await sc.api.create(rs, span=sc.span)
    except AlreadyExists as error:
        created = await _existing_or_collision(sc, d, rs, error)
        already_exists = True
    except ApiError as error:
        message = f"Failed to create new replica set {quote(name)}: {error}"
        if du.has_progress_deadline(d):
            condition = du.new_condition(
                du.PROGRESSING, "False", du.FAILED_RS_CREATE_REASON, message, sc.stamp()
            )
            # The bigger problem is reported below; this write may fail quietly.
            with contextlib.suppress(ApiError):
                await sc.write_status(replace(d, status=du.set_condition(d.status, condition)))
        await sc.event(d, "Warning", du.FAILED_RS_CREATE_REASON, message)
        raise
    if not already_exists:
        sc.log.info(
            "deployment_replica_set_created",
            ctx=sc.span,
            obj=created,
            deployment=d.metadata.name,
            replicas=count,
            revision=new_revision,
        )
        if count > 0:
            message = f"Scaled up replica set {name} from 0 to {count}"
            await sc.event(d, "Normal", "ScalingReplicaSet", message)
    d, needs_update = du.set_deployment_revision(d, new_revision)
    if not already_exists and du.has_progress_deadline(d):
        message = f"Created new replica set {quote(name)}"
        condition = du.new_condition(
            du.PROGRESSING, "True", du.NEW_REPLICA_SET_REASON, message, sc.stamp()
        )
        d = replace(d, status=du.set_condition(d.status, condition))
        needs_update = True
    if needs_update:
        await sc.write_status(d)
    return d, created


async def _existing_or_collision(
    sc: SyncContext, d: Deployment, rs: ReplicaSet, error: AlreadyExists
) -> ReplicaSet:
    """An RS of that name exists: ours if owned with the same template, else a hash
    collision: bump status.collisionCount and fail so the next sync hashes anew."""
    meta = rs.metadata
    found: ReplicaSet | None = sc.rs_lister.get(meta.namespace, meta.name)
    if found is None:  # not in the cache yet: the lister's NotFound, retried later
        message = f'replicaset.apps "{meta.name}" not found'
        raise NotFound(Status(status="Failure", message=message, reason="NotFound", code=404))
    ref = found.metadata.controller_ref()
    if (
        ref is not None
        and ref.uid == d.metadata.uid
        and du.equal_ignore_hash(d.spec.template, found.spec.template)
    ):
        return found
    old_count = d.status.collision_count or 0
    bumped = replace(d, status=replace(d.status, collision_count=old_count + 1))
    await sc.write_status(bumped)
    sc.log.warning(
        "deployment_hash_collision",
        ctx=sc.span,
        obj=d,
        replica_set=meta.name,
        old_collision_count=old_count,
        new_collision_count=old_count + 1,
    )
    raise error


# -- scaling ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleStep:
    """One write of scale(): `operation` None means scaleReplicaSetAndRecordEvent (skip when
    the size is right); otherwise scaleReplicaSet with that word in the event."""

    rs: ReplicaSet
    size: int
    operation: str | None = None


def plan_scale(
    d: Deployment, new_rs: ReplicaSet | None, old_rss: Sequence[ReplicaSet]
) -> list[ScaleStep]:
    """sync.go scale(): resize on a scaling event or while paused, proportionally across
    the active ReplicaSets of a rolling Deployment so the rollout does not speed up."""
    # FindActiveOrLatest sorts the caller's old RSs newest first (in place, in Go).
    old_rss = list(reversed(du.by_creation(old_rss)))
    only = du.find_active_or_latest(new_rs, old_rss)
    if only is not None:
        if du.replicas(only) == du.replicas(d):
            return []
        return [ScaleStep(only, du.replicas(d))]
    if du.is_saturated(d, new_rs):
        return [ScaleStep(old, 0) for old in du.filter_active(old_rss)]
    if not du.is_rolling_update(d):
        return []
    return _proportional_steps(d, du.filter_active([*old_rss, new_rs]))


def _proportional_steps(d: Deployment, active: list[ReplicaSet]) -> list[ScaleStep]:
    allowed = du.replicas(d) + du.max_surge(d) if du.replicas(d) > 0 else 0
    to_add = allowed - du.replica_count(active)
    operation = ""
    if to_add > 0:
        active, operation = du.by_size_newer(active), "up"
    elif to_add < 0:
        active, operation = du.by_size_older(active), "down"
    sizes: list[int] = []
    added = 0
    for rs in active:
        proportion = du.get_proportion(rs, d, to_add, added)
        sizes.append(du.replicas(rs) + proportion)
        added += proportion
    if active and to_add != 0:
        # The leftover goes to the first (largest) ReplicaSet, never below zero.
        sizes[0] = max(0, sizes[0] + to_add - added)
    return [ScaleStep(rs, size, operation) for rs, size in zip(active, sizes, strict=True)]


async def scale(
    sc: SyncContext, d: Deployment, new_rs: ReplicaSet | None, old_rss: Sequence[ReplicaSet]
) -> None:
    """Apply plan_scale; the first failed write aborts (the Deployment is requeued)."""
    for step in plan_scale(d, new_rs, old_rss):
        if step.operation is None:
            await sc.scale_and_record(step.rs, step.size, d)
        else:
            await sc.scale_replica_set(step.rs, step.size, d, step.operation)


# -- revision history ------------------------------------------------------------------------


def replica_sets_to_clean(old_rss: Sequence[ReplicaSet], d: Deployment) -> list[ReplicaSet]:
    """cleanupDeployment's victims: beyond revisionHistoryLimit, lowest revisions first,
    only those fully scaled down and observed (the others still count against the limit)."""
    if not du.has_revision_history_limit(d):
        return []
    alive = [rs for rs in old_rss if rs.metadata.deletion_timestamp is None]
    diff = len(alive) - (d.spec.revision_history_limit or 0)
    if diff <= 0:
        return []
    return [
        rs
        for rs in du.by_revision(alive)[:diff]
        if rs.status.replicas == 0
        and du.replicas(rs) == 0
        and rs.metadata.generation <= rs.status.observed_generation
    ]


async def cleanup_deployment(sc: SyncContext, old_rss: Sequence[ReplicaSet], d: Deployment) -> None:
    for rs in replica_sets_to_clean(old_rss, d):
        try:
            await sc.api.delete(ReplicaSet, rs.metadata.namespace, rs.metadata.name, span=sc.span)
        except NotFound:
            continue
        sc.log.info(
            "deployment_replica_set_deleted",
            ctx=sc.span,
            obj=rs,
            deployment=d.metadata.name,
            revision=rs.metadata.annotations.get(du.REVISION_ANNOTATION, ""),
        )


# -- status ----------------------------------------------------------------------------------


def calculate_status(
    all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet | None, d: Deployment, now: str
) -> DeploymentStatus:
    """sync.go calculateStatus: counts from the ReplicaSets and the Available condition."""
    available = du.available_replica_count(all_rss)
    status = DeploymentStatus(
        observed_generation=d.metadata.generation,
        replicas=du.actual_replica_count(all_rss),
        updated_replicas=du.actual_replica_count([new_rs]),
        ready_replicas=du.ready_replica_count(all_rss),
        available_replicas=available,
        # More available than desired (a scale-down in progress) is not negative.
        unavailable_replicas=max(0, du.replica_count(all_rss) - available),
        collision_count=d.status.collision_count,
        conditions=d.status.conditions,
    )
    if available >= du.replicas(d) - du.max_unavailable(d):
        condition = du.new_condition(
            du.AVAILABLE,
            "True",
            du.MINIMUM_REPLICAS_AVAILABLE,
            "Deployment has minimum availability.",
            now,
        )
    else:
        condition = du.new_condition(
            du.AVAILABLE,
            "False",
            du.MINIMUM_REPLICAS_UNAVAILABLE,
            "Deployment does not have minimum availability.",
            now,
        )
    return du.set_condition(status, condition)


async def sync_deployment_status(
    sc: SyncContext, all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet | None, d: Deployment
) -> None:
    new_status = calculate_status(all_rss, new_rs, d, sc.stamp())
    if new_status != d.status:
        await sc.write_status(replace(d, status=new_status))


async def sync(sc: SyncContext, d: Deployment, rs_list: Sequence[ReplicaSet]) -> None:
    """A scaling event or a paused Deployment: resize, never roll out (no new RS)."""
    d, new_rs, old_rss = await get_all_replica_sets_and_sync_revision(sc, d, rs_list, False)
    await scale(sc, d, new_rs, old_rss)
    if d.spec.paused and du.rollback_to(d) is None:
        await cleanup_deployment(sc, old_rss, d)
    await sync_deployment_status(sc, [*old_rss, new_rs], new_rs, d)


async def sync_status_only(sc: SyncContext, d: Deployment, rs_list: Sequence[ReplicaSet]) -> None:
    d, new_rs, old_rss = await get_all_replica_sets_and_sync_revision(sc, d, rs_list, False)
    await sync_deployment_status(sc, [*old_rss, new_rs], new_rs, d)


async def check_paused_conditions(sc: SyncContext, d: Deployment) -> Deployment:
    """Progressing=Unknown DeploymentPaused / DeploymentResumed, so time spent paused does
    not count against progressDeadlineSeconds; a timed-out condition is left alone."""
    if not du.has_progress_deadline(d):
        return d
    current = du.get_condition(d.status, du.PROGRESSING)
    if current is not None and current.reason == du.TIMED_OUT_REASON:
        return d
    paused_condition = current is not None and current.reason == du.PAUSED_DEPLOY_REASON
    if d.spec.paused and not paused_condition:
        reason, message = du.PAUSED_DEPLOY_REASON, "Deployment is paused"
    elif not d.spec.paused and paused_condition:
        reason, message = du.RESUMED_DEPLOY_REASON, "Deployment is resumed"
    else:
        return d
    condition = du.new_condition(du.PROGRESSING, "Unknown", reason, message, sc.stamp())
    d = replace(d, status=du.set_condition(d.status, condition))
    await sc.write_status(d)
    return d


async def is_scaling_event(
    sc: SyncContext, d: Deployment, rs_list: Sequence[ReplicaSet]
) -> tuple[bool, Deployment]:
    """An active RS whose desired-replicas annotation differs from spec.replicas."""
    d, new_rs, old_rss = await get_all_replica_sets_and_sync_revision(sc, d, rs_list, False)
    for rs in du.filter_active([*old_rss, new_rs]):
        desired, valid = du.desired_replicas_annotation(rs)
        if valid and desired != du.replicas(d):
            return True, d
    return False, d
