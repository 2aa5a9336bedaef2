"""The RollingUpdate strategy: grow the new ReplicaSet within maxSurge, shrink the old ones
within maxUnavailable, one step per sync.

Role: pkg/controller/deployment/rolling.go. The sizes of each step are computed by pure
functions (`new_replica_set_target`, `max_scaled_down`, `cleanup_unhealthy_plan`,
`scale_down_old_plan`), then written in order through `SyncContext`.
Neighbours: `deployment_sync` (writes, new RS, cleanup), `deployment_progress` (status),
`deployment_util` (fenceposts, counts), `deployment` (calls `rollout_rolling`).
"""

from __future__ import annotations

from collections.abc import Sequence

from k8s_actors.api.objects.workloads import Deployment, ReplicaSet
from k8s_actors.client import ApiError
from k8s_actors.components.controller_manager import deployment_util as du
from k8s_actors.components.controller_manager.deployment_progress import sync_rollout_status
from k8s_actors.components.controller_manager.deployment_sync import (
    SyncContext,
    cleanup_deployment,
    get_all_replica_sets_and_sync_revision,
)

Step = tuple[ReplicaSet, int]


async def rollout_rolling(sc: SyncContext, d: Deployment, rs_list: Sequence[ReplicaSet]) -> None:
    d, new_rs, old_rss = await get_all_replica_sets_and_sync_revision(sc, d, rs_list, True)
    assert new_rs is not None  # created above, or the sync failed
    all_rss: list[ReplicaSet] = [*old_rss, new_rs]
    if await reconcile_new_replica_set(sc, all_rss, new_rs, d):
        await sync_rollout_status(sc, all_rss, new_rs, d)
        return
    if await reconcile_old_replica_sets(sc, all_rss, du.filter_active(old_rss), new_rs, d):
        await sync_rollout_status(sc, all_rss, new_rs, d)
        return
    if du.deployment_complete(d, d.status):
        await cleanup_deployment(sc, old_rss, d)
    await sync_rollout_status(sc, all_rss, new_rs, d)


def new_replica_set_target(
    d: Deployment, all_rss: Sequence[ReplicaSet], new_rs: ReplicaSet, mutants: Sequence[str] = ()
) -> int | None:
    """The size reconcileNewReplicaSet scales the new RS to, None when it stays."""
    want = du.replicas(d)
    if du.replicas(new_rs) == want:
        return None
    if du.replicas(new_rs) > want:
        return want
    return du.new_rs_new_replicas(d, all_rss, new_rs, mutants)


async def reconcile_new_replica_set(
    sc: SyncContext, all_rss: Sequence[ReplicaSet], new_rs: ReplicaSet, d: Deployment
) -> bool:
    target = new_replica_set_target(d, all_rss, new_rs, sc.mutants)
    if target is None:
        return False
    scaled, _ = await sc.scale_and_record(new_rs, target, d)
    return scaled


def max_scaled_down(
    d: Deployment, all_rss: Sequence[ReplicaSet], old_rss: Sequence[ReplicaSet], new_rs: ReplicaSet
) -> int:
    """How many old replicas may go now: the pods beyond minAvailable, less the new RS's
    unavailable ones (so a broken new template cannot drain the old pods), rolling.go."""
    if du.replica_count(old_rss) == 0:
        return 0
    min_available = du.replicas(d) - du.max_unavailable(d)
    new_unavailable = du.replicas(new_rs) - new_rs.status.available_replicas
    return du.replica_count(all_rss) - min_available - new_unavailable


def cleanup_unhealthy_plan(
    old_rss: Sequence[ReplicaSet], max_cleanup: int
) -> tuple[list[Step], int]:
    """cleanupUnhealthyReplicas: scale away the unavailable replicas of old RSs first,
    oldest RS first, at most `max_cleanup` in all (kubernetes issue 16737)."""
    steps: list[Step] = []
    total = 0
    for rs in du.by_creation(old_rss):
        if total >= max_cleanup:
            break
        spec, available = du.replicas(rs), rs.status.available_replicas
        if spec == 0 or spec == available:
            continue
        count = min(max_cleanup - total, spec - available)
        if spec - count > spec:
            raise ValueError(
                "when cleaning up unhealthy replicas, got invalid request to scale down "
                f"{rs.metadata.namespace}/{rs.metadata.name} {spec} -> {spec - count}"
            )
        steps.append((rs, spec - count))
        total += count
    return steps, total


def scale_down_old_plan(
    all_rss: Sequence[ReplicaSet], old_rss: Sequence[ReplicaSet], d: Deployment
) -> tuple[list[Step], int]:
    """scaleDownOldReplicaSetsForRollingUpdate: remove the available pods above
    minAvailable, from the oldest RS on."""
    min_available = du.replicas(d) - du.max_unavailable(d)
    available = du.available_replica_count(all_rss)
    if available <= min_available:
        return [], 0
    wanted = available - min_available
    steps: list[Step] = []
    total = 0
    for rs in du.by_creation(old_rss):
        if total >= wanted:
            break
        spec = du.replicas(rs)
        if spec == 0:
            continue
        count = min(spec, wanted - total)
        steps.append((rs, spec - count))
        total += count
    return steps, total


async def _apply(sc: SyncContext, steps: list[Step], d: Deployment) -> dict[str, ReplicaSet]:
    """Write the steps in order; the ReplicaSets as written, by name."""
    written: dict[str, ReplicaSet] = {}
    for rs, size in steps:
        _, written[rs.metadata.name] = await sc.scale_and_record(rs, size, d)
    return written


async def reconcile_old_replica_sets(
    sc: SyncContext,
    all_rss: Sequence[ReplicaSet],
    old_rss: Sequence[ReplicaSet],
    new_rs: ReplicaSet,
    d: Deployment,
) -> bool:
    """Scale old ReplicaSets down; a failed write ends the step quietly, as rolling.go's
    reconcileOldReplicaSets returns (false, nil) then."""
    limit = max_scaled_down(d, all_rss, old_rss, new_rs)
    if limit <= 0:
        return False
    try:
        steps, cleaned = cleanup_unhealthy_plan(old_rss, limit)
        written = await _apply(sc, steps, d)
        old_rss = [written.get(rs.metadata.name, rs) for rs in old_rss]
        steps, scaled = scale_down_old_plan([*old_rss, new_rs], old_rss, d)
        await _apply(sc, steps, d)
    except (ApiError, ValueError):
        return False
    return cleaned + scaled > 0
