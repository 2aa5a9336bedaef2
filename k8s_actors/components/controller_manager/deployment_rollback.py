"""Rollback through the deprecated `deprecated.deployment.rollback.to` annotation.

Role: pkg/controller/deployment/rollback.go, kept for Deployments written through the old
extensions/v1beta1 and apps/v1beta1 APIs (whose spec.rollbackTo round-trips as that
annotation). `kubectl rollout undo` of apps/v1 needs none of this: it patches the template
client-side, and the controller then reuses the old ReplicaSet with a new revision.
Neighbours: `deployment_sync` (writes, revisions), `deployment_util`, `deployment` (caller).
"""

from __future__ import annotations

from collections.abc import Sequence

from msgspec.structs import replace

from k8s_actors.api.objects.workloads import Deployment, ReplicaSet
from k8s_actors.components.controller_manager import deployment_util as du
from k8s_actors.components.controller_manager.deployment_sync import (
    SyncContext,
    get_all_replica_sets_and_sync_revision,
    quote,
)


async def rollback(sc: SyncContext, d: Deployment, rs_list: Sequence[ReplicaSet]) -> None:
    """Copy the template of the asked revision (0: the previous one) into the Deployment;
    the annotation is removed in every case."""
    d, new_rs, old_rss = await get_all_replica_sets_and_sync_revision(sc, d, rs_list, True)
    all_rss = [rs for rs in [*old_rss, new_rs] if rs is not None]
    wanted = du.rollback_to(d) or 0
    if wanted == 0:
        wanted = du.last_revision(all_rss)
        if wanted == 0:
            await sc.event(
                d, "Warning", du.ROLLBACK_REVISION_NOT_FOUND, "Unable to find last revision."
            )
            await _clear_rollback_to(sc, d)
            return
    for rs in all_rss:
        try:
            found = du.revision(rs) == wanted
        except ValueError:
            continue
        if found:
            await _rollback_to_template(sc, d, rs, wanted)
            return
    message = "Unable to find the revision to rollback to."
    await sc.event(d, "Warning", du.ROLLBACK_REVISION_NOT_FOUND, message)
    await _clear_rollback_to(sc, d)


async def _rollback_to_template(
    sc: SyncContext, d: Deployment, rs: ReplicaSet, wanted: int
) -> None:
    if du.equal_ignore_hash(d.spec.template, rs.spec.template):
        message = (
            "The rollback revision contains the same template as current deployment "
            f"{quote(d.metadata.name)}"
        )
        await sc.event(d, "Warning", du.ROLLBACK_TEMPLATE_UNCHANGED, message)
        await _clear_rollback_to(sc, d)
        return
    # The RS's annotations come back too, so that e.g. its change-cause is the Deployment's
    # again once the RS is the new one (rollback.go rollbackToTemplate).
    d = replace(
        d,
        metadata=replace(d.metadata, annotations=du.set_deployment_annotations_to(d, rs)),
        spec=replace(d.spec, template=du.template_from_replica_set(rs.spec.template)),
    )
    await _clear_rollback_to(sc, d)
    sc.log.info("deployment_rolled_back", ctx=sc.span, obj=d, revision=wanted)
    message = f"Rolled back deployment {quote(d.metadata.name)} to revision {wanted}"
    await sc.event(d, "Normal", du.ROLLBACK_DONE, message)


async def _clear_rollback_to(sc: SyncContext, d: Deployment) -> None:
    """updateDeploymentAndClearRollbackTo: one Update of the whole Deployment."""
    annotations = {
        k: v for k, v in d.metadata.annotations.items() if k != du.DEPRECATED_ROLLBACK_TO
    }
    await sc.api.update(
        replace(d, metadata=replace(d.metadata, annotations=annotations)), span=sc.span
    )
