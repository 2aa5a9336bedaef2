"""Deployment invariants: rollout bounds (safety) and eventually stable reconciliation (liveness).

Role: `rollout_bounds` and `eventually_stable`. Neighbours: `common`, the Deployment
controller's fencepost helpers (`deployment_util`).
"""

from __future__ import annotations

from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.workloads import Deployment, ReplicaSet
from k8s_actors.components.controller_manager.deployment_util import (
    DESIRED_REPLICAS_ANNOTATION,
    max_surge,
    max_unavailable,
)
from k8s_actors.components.controller_manager.podutil import is_pod_active, is_pod_ready
from k8s_actors.testing.invariants.common import (
    Source,
    describe,
    objects,
    owned_by,
    replica_sets_of,
)

TEMPLATE_HASH = "pod-template-hash"


def rollout_bounds(source: Source, *, faults_active: bool = False) -> list[str]:
    """During a rollout the ReplicaSets of a Deployment ask for at most replicas + maxSurge pods,
    and (while no fault is active) keep at least replicas - maxUnavailable available.

    Checked for Deployments whose controller has caught up with the spec (observedGeneration
    current, every ReplicaSet annotated with the current desired replicas), as the bounds hold
    between the controller's steps, not while the user's scale is still being applied.
    Fenceposts: deployment_util.go ResolveFenceposts (surge rounds up, unavailable down).
    """
    violations = []
    for d in objects(source, "Deployment"):
        desired = d.spec.replicas if d.spec.replicas is not None else 1
        owned = replica_sets_of(source, d)
        if not _caught_up(d, owned, desired) or d.spec.paused:
            continue
        total = sum(rs.spec.replicas or 0 for rs in owned)
        if total > desired + max_surge(d):
            violations.append(
                f"rollout_bounds: {describe(d)} asks for {total} pods, more than "
                f"{desired} + maxSurge {max_surge(d)}"
            )
        available = sum(rs.status.available_replicas for rs in owned)
        floor = desired - max_unavailable(d)
        mid_rollout = sum(1 for rs in owned if (rs.spec.replicas or 0) > 0) > 1
        if not faults_active and mid_rollout and available < floor:
            violations.append(
                f"rollout_bounds: {describe(d)} has {available} available, fewer "
                f"than {desired} - maxUnavailable {max_unavailable(d)}"
            )
    return violations


def _caught_up(d: Deployment, owned: list[ReplicaSet], desired: int) -> bool:
    if d.status.observed_generation != d.metadata.generation:
        return False
    wanted = str(desired)
    return all(rs.metadata.annotations.get(DESIRED_REPLICAS_ANNOTATION) == wanted for rs in owned)


def eventually_stable(source: Source) -> list[str]:
    """Every Deployment has one ReplicaSet matching its template with spec.replicas ready pods,
    its other ReplicaSets at 0, and a status that is current (observedGeneration, counts).

    Holds once faults have stopped and the spec stopped changing, after the controllers had
    time to converge; poll it until it returns nothing or a bound passes.
    """
    violations = []
    pods = [p for p in objects(source, "Pod") if is_pod_active(p)]
    for d in objects(source, "Deployment"):
        if d.metadata.deletion_timestamp is not None:
            continue
        violations.extend(_deployment_stability(source, d, pods))
    return violations


def _deployment_stability(source: Source, d: Deployment, pods: list[Pod]) -> list[str]:
    name, desired = describe(d), d.spec.replicas if d.spec.replicas is not None else 1
    owned = replica_sets_of(source, d)
    current = [rs for rs in owned if _same_template(rs, d)]
    problems = []
    if len(current) != 1:
        problems.append(f"{len(current)} ReplicaSets match its template")
    for rs in owned:
        if rs not in current and (rs.spec.replicas or 0) != 0:
            problems.append(f"old {rs.metadata.name} has replicas {rs.spec.replicas}")
    if len(current) == 1 and not d.spec.paused:
        rs = current[0]
        ready = sum(1 for p in owned_by(pods, rs.metadata.uid) if is_pod_ready(p))
        if rs.spec.replicas != desired or ready != desired:
            problems.append(
                f"{rs.metadata.name} wants {rs.spec.replicas}, {ready} ready pods, "
                f"expected {desired}"
            )
    if d.status.observed_generation != d.metadata.generation:
        problems.append(
            f"observedGeneration {d.status.observed_generation} of {d.metadata.generation}"
        )
    elif not d.spec.paused and (d.status.ready_replicas, d.status.updated_replicas) != (
        desired,
        desired,
    ):
        problems.append(
            f"status ready {d.status.ready_replicas} updated "
            f"{d.status.updated_replicas}, expected {desired}"
        )
    return [f"eventually_stable: {name}: {problem}" for problem in problems]


def _same_template(rs: ReplicaSet, d: Deployment) -> bool:
    """Templates equal apart from the pod-template-hash label (EqualIgnoreHash)."""
    labels = dict(rs.spec.template.metadata.labels)
    labels.pop(TEMPLATE_HASH, None)
    return labels == dict(d.spec.template.metadata.labels) and (
        rs.spec.template.spec == d.spec.template.spec
    )
