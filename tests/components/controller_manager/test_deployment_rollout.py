"""Rollout steps of the Deployment controller against Kubernetes' tables (rolling_test.go,
sync_test.go TestScale and cleanupDeployment, progress_test.go; data/deployment_controller.json):
new and old ReplicaSet sizes, proportional scaling, revision-history victims, the Progressing
condition and the progress-deadline requeue.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

from k8s_actors.api.labels import LabelSelector
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import PodSpec, PodTemplateSpec
from k8s_actors.api.objects.workloads import (
    Deployment,
    DeploymentSpec,
    DeploymentStatus,
    DeploymentStrategy,
    ReplicaSet,
    ReplicaSetSpec,
    ReplicaSetStatus,
    RollingUpdateDeployment,
    WorkloadCondition,
)
from k8s_actors.components.controller_manager import deployment_util as du
from k8s_actors.components.controller_manager.deployment_progress import (
    requeue_after,
    rollout_status,
)
from k8s_actors.components.controller_manager.deployment_rolling import (
    cleanup_unhealthy_plan,
    new_replica_set_target,
    reconcile_old_replica_sets,
    scale_down_old_plan,
)
from k8s_actors.components.controller_manager.deployment_sync import (
    SyncContext,
    plan_scale,
    replica_sets_to_clean,
)

TABLES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "deployment_controller.json").read_text()
)
STAMPS: dict[str, str] = TABLES["timestamps"]


def new_deployment(
    replicas: int,
    max_surge: int = 0,
    max_unavailable: int = 0,
    *,
    history: int | None = None,
    deadline: int | None = None,
    status: DeploymentStatus | None = None,
    strategy: str = du.ROLLING_UPDATE,
) -> Deployment:
    """deployment_controller_test.go newDeployment: surge and unavailable default to 0."""
    return Deployment(
        metadata=ObjectMeta(name="foo", namespace="default", uid="foo-uid"),
        spec=DeploymentSpec(
            replicas=replicas,
            selector=LabelSelector(match_labels={"foo": "bar"}),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels={"foo": "bar"}),
                spec=PodSpec(containers=(Container(name="c", image="foo/bar"),)),
            ),
            strategy=DeploymentStrategy(
                type=strategy,
                rolling_update=RollingUpdateDeployment(
                    max_surge=max_surge, max_unavailable=max_unavailable
                ),
            ),
            revision_history_limit=history,
            progress_deadline_seconds=deadline,
        ),
        status=status or DeploymentStatus(),
    )


def rs(
    name: str,
    replicas: int,
    *,
    created: str | None = None,
    status: int = 0,
    available: int = 0,
    annotations: dict[str, str] | None = None,
) -> ReplicaSet:
    return ReplicaSet(
        metadata=ObjectMeta(
            name=name,
            namespace="default",
            uid=f"{name}-uid",
            creation_timestamp=created,
            annotations=annotations or {},
        ),
        spec=ReplicaSetSpec(replicas=replicas),
        status=ReplicaSetStatus(replicas=status, available_replicas=available),
    )


class RecordingSync(SyncContext):
    """A SyncContext whose ReplicaSet writes succeed at once and are recorded."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, int]] = []

    async def scale_replica_set(
        self, rs: ReplicaSet, size: int, d: Deployment, operation: str
    ) -> tuple[bool, ReplicaSet]:
        self.writes.append((rs.metadata.name, size))
        return du.replicas(rs) != size, replace(rs, spec=replace(rs.spec, replicas=size))


# -- rolling.go ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", TABLES["reconcile_new_replica_set"])
def test_reconcile_new_replica_set_matches_kubernetes(case: dict[str, Any]) -> None:
    d = new_deployment(case["deployment_replicas"], case["max_surge"], 0)
    new, old = rs("foo-v2", case["new_replicas"]), rs("foo-v1", case["old_replicas"])
    target = new_replica_set_target(d, [new, old], new)
    if case["scale_expected"]:
        assert target == case["expected_new_replicas"]
    else:
        assert target is None or target == case["new_replicas"]


@pytest.mark.parametrize("case", TABLES["reconcile_old_replica_sets"])
def test_reconcile_old_replica_sets_matches_kubernetes(case: dict[str, Any]) -> None:
    """Unhealthy old replicas go first, then available ones above minAvailable; the new
    RS's unavailable pods block further scale-down."""
    d = new_deployment(case["deployment_replicas"], 0, case["max_unavailable"])
    new = rs("foo-new", case["new_replicas"], available=case["ready_new"])
    old = rs("foo-old", case["old_replicas"], available=case["ready_old"])
    sync = RecordingSync()
    scaled = asyncio.run(reconcile_old_replica_sets(sync, [old, new], [old], new, d))
    assert scaled is case["scale_expected"]
    final = sync.writes[-1][1] if sync.writes else case["old_replicas"]
    assert final == case["expected_old_replicas"]


@pytest.mark.parametrize("case", TABLES["cleanup_unhealthy_replicas"])
def test_cleanup_unhealthy_replicas_matches_kubernetes(case: dict[str, Any]) -> None:
    old = rs("foo-v2", case["old_replicas"], available=case["ready_pods"])
    steps, cleaned = cleanup_unhealthy_plan([old], case["max_cleanup_count"])
    assert cleaned == case["cleanup_count_expected"]
    assert [size for _, size in steps] == ([case["old_replicas"] - cleaned] if cleaned else [])


def test_cleanup_unhealthy_refuses_more_available_than_desired() -> None:
    with pytest.raises(ValueError, match="got invalid request to scale down default/x 2 -> 3"):
        cleanup_unhealthy_plan([rs("x", 2, available=3)], 5)


@pytest.mark.parametrize("case", TABLES["scale_down_old_replica_sets"])
def test_scale_down_old_replica_sets_matches_kubernetes(case: dict[str, Any]) -> None:
    d = new_deployment(case["deployment_replicas"], 0, case["max_unavailable"])
    old = rs("foo-v2", case["old_replicas"], available=case["ready_pods"])
    steps, scaled = scale_down_old_plan([old], [old], d)
    assert (scaled > 0) is case["scale_expected"]
    if case["scale_expected"]:
        assert steps == [(old, case["expected_old_replicas"])]


def test_rolling_update_keeps_within_surge_and_unavailability() -> None:
    """10 replicas with 25%/25% (surge 3, unavailable 2), every pod available by the next
    sync: one step per sync, never above 13 pods nor below 8 available."""
    d = new_deployment(10, 3, 2)
    new, old = rs("new", 0, created=STAMPS["new"]), rs("old", 10, created=STAMPS["old"])
    seen: list[tuple[int, int]] = []
    for _ in range(6):
        new, old = (
            replace(x, status=replace(x.status, available_replicas=du.replicas(x)))
            for x in (new, old)
        )
        target = new_replica_set_target(d, [old, new], new)
        if target is not None and target != du.replicas(new):
            new = replace(new, spec=replace(new.spec, replicas=target))
        else:
            sync = RecordingSync()
            asyncio.run(reconcile_old_replica_sets(sync, [old, new], [old], new, d))
            for _, size in sync.writes:
                old = replace(old, spec=replace(old.spec, replicas=size))
        if not seen or seen[-1] != (du.replicas(new), du.replicas(old)):
            seen.append((du.replicas(new), du.replicas(old)))
        assert du.replicas(new) + du.replicas(old) <= 13
    assert seen == [(3, 10), (3, 5), (8, 5), (8, 0), (10, 0)]


# -- sync.go ---------------------------------------------------------------------------------


def _annotated(replica_set: ReplicaSet, desired: int, surge_max: int) -> ReplicaSet:
    annotations, _ = du.set_replicas_annotations({}, desired, surge_max)
    return replace(replica_set, metadata=replace(replica_set.metadata, annotations=annotations))


@pytest.mark.parametrize("case", TABLES["scale"], ids=lambda c: c["name"])
def test_proportional_scaling_matches_kubernetes(case: dict[str, Any]) -> None:
    d = new_deployment(case["replicas"], case.get("max_surge", 0), case.get("max_unavailable", 0))
    before = new_deployment(case["old_deployment_replicas"], case.get("old_max_surge", 0))
    if case["name"] == "change both size and template":
        labels = {"foo": "bar", "another": "label"}
        template = replace(d.spec.template, metadata=ObjectMeta(labels=labels))
        d = replace(d, spec=replace(d.spec, template=template))
    desired_overrides: dict[str, int] = case.get("desired_replicas_annotations", {})

    def build(spec: list[Any]) -> ReplicaSet:
        name, size, age = spec
        desired = desired_overrides.get(name, du.replicas(before))
        made = rs(name, size, created=STAMPS[age], status=size, available=size)
        return _annotated(made, desired, desired + du.max_surge(before))

    new = build(case["new_rs"]) if case["new_rs"] else None
    if case["name"].startswith("saturated but broken"):
        assert new is not None
        new = replace(new, status=replace(new.status, available_replicas=0))
    olds = [build(spec) for spec in case["old_rss"]]
    sizes = {x.metadata.name: du.replicas(x) for x in [*olds, new] if x is not None}
    for step in plan_scale(d, new, olds):
        sizes[step.rs.metadata.name] = step.size
    if new is not None:
        assert sizes[new.metadata.name] == case["expected_new"]
    assert [sizes[x.metadata.name] for x in olds] == case["expected_old"]


@pytest.mark.parametrize("case", TABLES["cleanup_deployment"])
def test_revision_history_cleanup_matches_kubernetes(case: dict[str, Any]) -> None:
    """Only fully scaled-down old ReplicaSets beyond the limit go; deleting ones are skipped."""
    olds = []
    for name, spec, status, *flags in case["old_rss"]:
        made = rs(name, spec, status=status)
        if flags:
            made = replace(
                made, metadata=replace(made.metadata, deletion_timestamp="2016-01-01T00:00:00Z")
            )
        olds.append(made)
    d = new_deployment(1, history=case["revision_history_limit"])
    assert len(replica_sets_to_clean(olds, d)) == case["expected_deletions"]


def test_revision_history_cleanup_removes_the_lowest_revisions_first() -> None:
    olds = [rs(f"r{n}", 0, annotations={du.REVISION_ANNOTATION: str(n)}) for n in (5, 2, 9, 3)]
    victims = replica_sets_to_clean(olds, new_deployment(1, history=2))
    assert [v.metadata.name for v in victims] == ["r2", "r3"]


def test_unobserved_generation_is_not_cleaned_up() -> None:
    stale = rs("r1", 0)
    stale = replace(stale, metadata=replace(stale.metadata, generation=2))
    assert replica_sets_to_clean([stale], new_deployment(1, history=0)) == []


# -- progress.go -----------------------------------------------------------------------------


def _conditions(kind: str | None, at: str) -> tuple[WorkloadCondition, ...]:
    if kind is None:
        return ()
    reasons = {
        "failed": ("False", du.TIMED_OUT_REASON, None),
        "failedTimedOut": ("False", du.TIMED_OUT_REASON, None),
        "stuck": ("True", "", at),
        "newRSAvailable": ("True", du.NEW_RS_AVAILABLE_REASON, at),
        "replicaSetUpdated": ("True", du.REPLICA_SET_UPDATED_REASON, at),
    }
    status, reason, stamp = reasons[kind]
    return (
        WorkloadCondition(
            type=du.PROGRESSING,
            status=status,
            reason=reason,
            last_update_time=stamp,
            last_transition_time=stamp,
        ),
    )


def current_deployment(
    deadline: int | None, values: list[int], conditions: tuple[WorkloadCondition, ...]
) -> Deployment:
    """progress_test.go currentDeployment: a Recreate Deployment with that status."""
    replicas, current, updated, available = values
    status = DeploymentStatus(
        replicas=current,
        updated_replicas=updated,
        available_replicas=available,
        conditions=conditions,
    )
    return new_deployment(replicas, deadline=deadline, status=status, strategy=du.RECREATE)


REQUEUE = TABLES["requeue_stuck_deployment"]


@pytest.mark.parametrize("case", REQUEUE["cases"], ids=lambda c: c["name"])
def test_requeue_stuck_deployment_matches_kubernetes(case: dict[str, Any]) -> None:
    conditions = _conditions(case["conditions"], REQUEUE["stuck_last_update"])
    d = current_deployment(case["pds"], case["d"], conditions)
    current, updated, available = case["status"]
    status = DeploymentStatus(
        replicas=current, updated_replicas=updated, available_replicas=available
    )
    now = du.to_seconds(case["now"] or REQUEUE["stuck_last_update"])
    after = requeue_after(d, status, now)
    if case["expected"] is None:
        assert after is None
    else:
        assert after == pytest.approx(case["expected"], abs=1e-6)


ROLLOUT = TABLES["sync_rollout_status"]


@pytest.mark.parametrize("case", ROLLOUT["cases"], ids=lambda c: c["name"])
def test_sync_rollout_status_matches_kubernetes(case: dict[str, Any]) -> None:
    test_time = ROLLOUT["test_time"]
    d = current_deployment(case["pds"], case["d"], _conditions(case["condition"], test_time))
    all_rss: list[ReplicaSet | None] = [
        rs(name, spec, status=status, available=available)
        for name, spec, status, available in case["all_rss"]
    ]
    new = None
    if case["new_rs"]:
        name, spec, status, available = case["new_rs"]
        new = rs(name, spec, status=status, available=available)
        all_rss.append(new)
    later = "2017-02-16T00:00:00Z"  # well past the deadline, as time.Now() is in Go
    result = rollout_status(d, all_rss, new, du.to_seconds(later), later)
    condition = du.get_condition(result, du.PROGRESSING)
    if case["expected"] is None:
        assert condition is None
        return
    assert condition is not None
    assert [condition.status, condition.reason] == case["expected"]
    # "lastUpdate"/"lastTransition" in the Go table: those times are kept from before.
    before = du.get_condition(d.status, du.PROGRESSING) or condition
    if case.get("last_update"):
        assert condition.last_update_time == before.last_update_time
    if case.get("last_transition"):
        assert condition.last_transition_time == before.last_transition_time


def test_progressing_messages_name_the_new_replica_set() -> None:
    d = new_deployment(3, deadline=60, strategy=du.RECREATE)
    new = rs("foo-abc", 3, status=3, available=3)
    result = rollout_status(d, [new], new, 0.0, "2017-01-01T00:00:00Z")
    condition = du.get_condition(result, du.PROGRESSING)
    assert condition is not None
    assert condition.message == 'ReplicaSet "foo-abc" has successfully progressed.'
    available = du.get_condition(result, du.AVAILABLE)
    assert available is not None and available.message == "Deployment has minimum availability."


def test_replica_failure_of_the_new_replica_set_is_copied() -> None:
    failure = WorkloadCondition(
        type=du.REPLICA_FAILURE,
        status="True",
        reason="FailedCreate",
        message="quota",
        last_transition_time="2017-01-01T00:00:00Z",
    )
    new = rs("foo-abc", 3)
    new = replace(new, status=replace(new.status, conditions=(failure,)))
    d = new_deployment(3, strategy=du.RECREATE)
    result = rollout_status(d, [new], new, 0.0, "2017-01-01T00:00:05Z")
    copied = du.get_condition(result, du.REPLICA_FAILURE)
    assert copied is not None
    assert (copied.reason, copied.last_update_time) == ("FailedCreate", "2017-01-01T00:00:00Z")
