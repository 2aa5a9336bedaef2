"""The Progressing and ReplicaFailure conditions of a rolling-out Deployment, and the requeue
that notices a missed progress deadline.

Role: pkg/controller/deployment/progress.go. `rollout_status` computes the status a rollout
step leads to (pure), `requeue_after` when to look again at a Deployment making no progress
(pure), `sync_rollout_status` writes the status or schedules that look.
Neighbours: `deployment_sync` (calculate_status, SyncContext), `deployment_util`, the strategies
`deployment_rolling` and `deployment_recreate` (callers).
"""

from __future__ import annotations

from collections.abc import Sequence

from msgspec.structs import replace

from k8s_actors.api.objects.workloads import (
    Deployment,
    DeploymentStatus,
    ReplicaSet,
    WorkloadCondition,
)
from k8s_actors.components.controller_manager import deployment_util as du
from k8s_actors.components.controller_manager.deployment_sync import (
    SyncContext,
    calculate_status,
    quote,
)


def _subject(d: Deployment, new_rs: ReplicaSet | None) -> str:
    """`ReplicaSet "<rs>"`, or `Deployment "<d>"` while there is no new ReplicaSet."""
    if new_rs is not None:
        return f"ReplicaSet {quote(new_rs.metadata.name)}"
    return f"Deployment {quote(d.metadata.name)}"


def rollout_status(
    d: Deployment,
    all_rss: Sequence[ReplicaSet | None],
    new_rs: ReplicaSet | None,
    now: float,
    stamp: str,
) -> DeploymentStatus:
    """progress.go syncRolloutStatus up to the write: calculateStatus plus Progressing
    (complete, progressing or timed out) and the ReplicaFailure copied from the RSs."""
    status = calculate_status(all_rss, new_rs, d, stamp)
    if not du.has_progress_deadline(d):
        status = du.remove_condition(status, du.PROGRESSING)
    current = du.get_condition(d.status, du.PROGRESSING)
    # A finished rollout with a single active ReplicaSet: nothing to estimate.
    complete_before = (
        status.replicas == status.updated_replicas
        and current is not None
        and current.reason == du.NEW_RS_AVAILABLE_REASON
    )
    if du.has_progress_deadline(d) and not complete_before:
        status = _progressing(d, status, new_rs, current, now, stamp)
    failures = _replica_failures(all_rss, new_rs)
    if failures:
        return du.set_condition(status, failures[0])
    return du.remove_condition(status, du.REPLICA_FAILURE)


def _progressing(
    d: Deployment,
    status: DeploymentStatus,
    new_rs: ReplicaSet | None,
    current: WorkloadCondition | None,
    now: float,
    stamp: str,
) -> DeploymentStatus:
    subject = _subject(d, new_rs)
    if du.deployment_complete(d, status):
        message = f"{subject} has successfully progressed."
        condition = du.new_condition(
            du.PROGRESSING, "True", du.NEW_RS_AVAILABLE_REASON, message, stamp
        )
        return du.set_condition(status, condition)
    if du.deployment_progressing(d, status):
        message = f"{subject} is progressing."
        condition = du.new_condition(
            du.PROGRESSING, "True", du.REPLICA_SET_UPDATED_REASON, message, stamp
        )
        # Same reason, new lastUpdateTime: replace the condition outright (SetDeployment-
        # Condition would ignore it), keeping lastTransitionTime while it stays True.
        if current is not None:
            if current.status == "True":
                condition = replace(condition, last_transition_time=current.last_transition_time)
            status = du.remove_condition(status, du.PROGRESSING)
        return du.set_condition(status, condition)
    if du.deployment_timed_out(d, status, now):
        message = f"{subject} has timed out progressing."
        condition = du.new_condition(du.PROGRESSING, "False", du.TIMED_OUT_REASON, message, stamp)
        return du.set_condition(status, condition)
    return status


def _replica_failures(
    all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet | None
) -> list[WorkloadCondition]:
    """ReplicaFailure conditions of the new RS first, else of any RS (getReplicaFailures)."""
    sources: list[Sequence[ReplicaSet | None]] = [[new_rs], all_rss]
    for rss in sources:
        found = [
            du.replica_set_to_deployment_condition(condition)
            for rs in rss
            if rs is not None
            for condition in rs.status.conditions
            if condition.type == du.REPLICA_FAILURE
        ]
        if found:
            return found
    return []


def requeue_after(d: Deployment, status: DeploymentStatus, now: float) -> float | None:
    """requeueStuckDeployment: seconds until the deadline of a stalled rollout (0: now),
    None when no progress check is needed."""
    current = du.get_condition(d.status, du.PROGRESSING)
    if not du.has_progress_deadline(d) or current is None:
        return None
    if du.deployment_complete(d, status) or current.reason == du.TIMED_OUT_REASON:
        return None
    deadline = d.spec.progress_deadline_seconds or 0
    after = du.to_seconds(current.last_update_time) + deadline - now
    return 0.0 if after < 1.0 else after


async def sync_rollout_status(
    sc: SyncContext, all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet | None, d: Deployment
) -> None:
    """Write the new status; when nothing changed, come back at the progress deadline."""
    status = rollout_status(d, all_rss, new_rs, sc.now(), sc.stamp())
    if status != d.status:
        await sc.write_status(replace(d, status=status))
        return
    after = requeue_after(d, status, sc.now())
    if after is None:
        return
    sc.log.debug("deployment_progress_check_queued", ctx=sc.span, obj=d, after=round(after, 6))
    if after == 0.0:
        sc.enqueue_rate_limited()
    else:
        # One more second against millisecond skew in AddAfter (kubernetes issue 39785).
        sc.enqueue_after(after + 1.0)
