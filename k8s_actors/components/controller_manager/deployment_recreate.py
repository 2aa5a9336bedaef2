"""The Recreate strategy: scale every old ReplicaSet to zero, wait until no old pod runs,
then create and scale up the new ReplicaSet.

Role: pkg/controller/deployment/recreate.go. `old_pods_running` is the pure gate; the rest
writes through `SyncContext`. Neighbours: `deployment_sync`, `deployment_progress`,
`deployment_util`, `deployment` (builds the pod map and calls `rollout_recreate`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.workloads import Deployment, ReplicaSet
from k8s_actors.components.controller_manager import deployment_util as du
from k8s_actors.components.controller_manager.deployment_progress import sync_rollout_status
from k8s_actors.components.controller_manager.deployment_sync import (
    SyncContext,
    cleanup_deployment,
    get_all_replica_sets_and_sync_revision,
)

PodMap = Mapping[str, Sequence[Pod]]
"""Pods by the uid of the ReplicaSet that controls them (getPodMapForDeployment)."""


async def rollout_recreate(
    sc: SyncContext, d: Deployment, rs_list: Sequence[ReplicaSet], pod_map: PodMap
) -> None:
    # No new ReplicaSet yet: creating it now would scale up before the old ones are gone.
    d, new_rs, old_rss = await get_all_replica_sets_and_sync_revision(sc, d, rs_list, False)
    all_rss: list[ReplicaSet | None] = [*old_rss, new_rs]
    if await scale_down_old_replica_sets(sc, du.filter_active(old_rss), d):
        await sync_rollout_status(sc, all_rss, new_rs, d)
        return
    if old_pods_running(new_rs, old_rss, pod_map):
        await sync_rollout_status(sc, all_rss, new_rs, d)
        return
    if new_rs is None:
        d, new_rs, old_rss = await get_all_replica_sets_and_sync_revision(sc, d, rs_list, True)
        assert new_rs is not None
        all_rss = [*old_rss, new_rs]
    await sc.scale_and_record(new_rs, du.replicas(d), d)
    if du.deployment_complete(d, d.status):
        await cleanup_deployment(sc, old_rss, d)
    await sync_rollout_status(sc, all_rss, new_rs, d)


async def scale_down_old_replica_sets(
    sc: SyncContext, old_rss: Sequence[ReplicaSet], d: Deployment
) -> bool:
    scaled = False
    for rs in old_rss:
        if du.replicas(rs) == 0:
            continue
        done, _ = await sc.scale_and_record(rs, 0, d)
        scaled = scaled or done
    return scaled


def old_pods_running(
    new_rs: ReplicaSet | None, old_rss: Sequence[ReplicaSet], pod_map: PodMap
) -> bool:
    """An old RS still reports replicas, or an old pod is not Failed/Succeeded (Pending,
    Running, Unknown and no phase all count as running)."""
    if du.actual_replica_count(old_rss) > 0:
        return True
    new_uid = new_rs.metadata.uid if new_rs is not None else None
    for uid in sorted(pod_map):
        if uid == new_uid:
            continue
        if any(pod.status.phase not in ("Failed", "Succeeded") for pod in pod_map[uid]):
            return True
    return False
