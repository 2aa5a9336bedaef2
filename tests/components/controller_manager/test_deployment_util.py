"""The Deployment controller's pure helpers against Kubernetes' own test tables
(deployment_util_test.go, in data/deployment_util.json) and a few promises of our own:
annotations, revisions, conditions, template identity and the pod-template-hash format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

from k8s_actors.api.labels import LabelSelector
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.common import IntOrString
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

TABLES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "deployment_util.json").read_text()
)


def deployment(
    replicas: int = 1,
    max_surge: IntOrString | None = 1,
    max_unavailable: IntOrString | None = 1,
    *,
    strategy: str = du.ROLLING_UPDATE,
    status: DeploymentStatus | None = None,
    deadline: int | None = None,
    annotations: dict[str, str] | None = None,
) -> Deployment:
    rolling = RollingUpdateDeployment(max_surge=max_surge, max_unavailable=max_unavailable)
    return Deployment(
        metadata=ObjectMeta(name="nginx", annotations=annotations or {}),
        spec=DeploymentSpec(
            replicas=replicas,
            selector=LabelSelector(match_labels={"name": "nginx"}),
            template=template(),
            strategy=DeploymentStrategy(
                type=strategy, rolling_update=rolling if strategy == du.ROLLING_UPDATE else None
            ),
            progress_deadline_seconds=deadline,
        ),
        status=status or DeploymentStatus(),
    )


def template(image: str = "nginx", labels: dict[str, str] | None = None) -> PodTemplateSpec:
    return PodTemplateSpec(
        metadata=ObjectMeta(labels=labels if labels is not None else {"name": "nginx"}),
        spec=PodSpec(containers=(Container(name="nginx", image=image),)),
    )


def replica_set(
    name: str,
    replicas: int = 0,
    *,
    status: int = 0,
    created: str | None = None,
    annotations: dict[str, str] | None = None,
    tmpl: PodTemplateSpec | None = None,
    uid: str = "",
) -> ReplicaSet:
    return ReplicaSet(
        metadata=ObjectMeta(
            name=name, uid=uid or name, creation_timestamp=created, annotations=annotations or {}
        ),
        spec=ReplicaSetSpec(replicas=replicas, template=tmpl or template()),
        status=ReplicaSetStatus(replicas=status),
    )


# -- Kubernetes' tables ----------------------------------------------------------------------


@pytest.mark.parametrize("case", TABLES["resolve_fenceposts"])
def test_resolve_fenceposts_matches_kubernetes(case: dict[str, Any]) -> None:
    """Surge rounds up, unavailable down, both zero gives one unavailable, bad strings fail."""
    if case["error"]:
        with pytest.raises(ValueError, match="invalid value for IntOrString"):
            du.resolve_fenceposts(case["max_surge"], case["max_unavailable"], case["desired"])
        return
    got = du.resolve_fenceposts(case["max_surge"], case["max_unavailable"], case["desired"])
    assert got == (case["surge"], case["unavailable"])


@pytest.mark.parametrize("case", TABLES["new_rs_new_replicas"], ids=lambda c: c["name"])
def test_new_rs_new_replicas_matches_kubernetes(case: dict[str, Any]) -> None:
    d = deployment(case["dep_replicas"], case["max_surge"], 1, strategy=case["strategy"])
    new_rs = replica_set("new", case["new_rs_replicas"])
    assert du.new_rs_new_replicas(d, [replica_set("rs5", 5)], new_rs) == case["expected"]


@pytest.mark.parametrize("case", TABLES["max_unavailable"], ids=lambda c: c["name"])
def test_max_unavailable_matches_kubernetes(case: dict[str, Any]) -> None:
    strategy = du.RECREATE if case.get("recreate") else du.ROLLING_UPDATE
    d = deployment(case["replicas"], 1, case["max_unavailable"], strategy=strategy)
    assert du.max_unavailable(d) == case["expected"]


@pytest.mark.parametrize("case", TABLES["min_available"], ids=lambda c: c["name"])
def test_min_available_matches_kubernetes(case: dict[str, Any]) -> None:
    strategy = du.RECREATE if case.get("recreate") else du.ROLLING_UPDATE
    d = deployment(case["replicas"], 1, case["max_unavailable"], strategy=strategy)
    assert du.min_available(d) == case["expected"]


@pytest.mark.parametrize("case", TABLES["replica_counts"]["cases"], ids=lambda c: c["name"])
def test_replica_counts_sum_spec_and_status(case: dict[str, Any]) -> None:
    sets = TABLES["replica_counts"]["sets"]
    rss = [replica_set(n, sets[n]["spec"], status=sets[n]["status"]) for n in case["sets"]]
    assert du.replica_count([*rss, None]) == case["count"]
    assert du.actual_replica_count([*rss, None]) == case["actual"]


@pytest.mark.parametrize("case", TABLES["deployment_complete"], ids=lambda c: c["name"])
def test_deployment_complete_matches_kubernetes(case: dict[str, Any]) -> None:
    desired, current, updated, available, unavailable, surge = case["d"]
    status = DeploymentStatus(
        replicas=current, updated_replicas=updated, available_replicas=available
    )
    d = deployment(desired, surge, unavailable, status=status)
    assert du.deployment_complete(d, d.status) is case["expected"]


def _status(values: list[int]) -> DeploymentStatus:
    current, updated, ready, available = values
    return DeploymentStatus(
        replicas=current,
        updated_replicas=updated,
        ready_replicas=ready,
        available_replicas=available,
    )


@pytest.mark.parametrize("case", TABLES["deployment_progressing"], ids=lambda c: c["name"])
def test_deployment_progressing_matches_kubernetes(case: dict[str, Any]) -> None:
    d = deployment(status=_status(case["old"]))
    assert du.deployment_progressing(d, _status(case["new"])) is case["expected"]


@pytest.mark.parametrize("case", TABLES["deployment_timed_out"], ids=lambda c: c["name"])
def test_deployment_timed_out_matches_kubernetes(case: dict[str, Any]) -> None:
    condition = WorkloadCondition(
        type=du.PROGRESSING, status="True", reason=case["reason"], last_update_time=case["from"]
    )
    d = deployment(status=DeploymentStatus(conditions=(condition,)), deadline=case["pds"])
    now = du.to_seconds(case["now"])
    assert du.deployment_timed_out(d, d.status, now) is case["expected"]


@pytest.mark.parametrize("case", TABLES["non_negative_int32_annotation"], ids=lambda c: c["name"])
def test_non_negative_int32_annotation_matches_kubernetes(case: dict[str, Any]) -> None:
    annotations = {"foo": "2"} if case["value"] is None else {"test": case["value"], "foo": "2"}
    value, valid, error = du.non_negative_int32_annotation(
        replica_set("rs", annotations=annotations), "test"
    )
    assert (value, valid) == (case["expected_value"], case["valid"])
    if case["error"]:
        assert error is not None and case["error"] in error
    else:
        assert error is None


@pytest.mark.parametrize("case", TABLES["replica_set_fraction"], ids=lambda c: c["name"])
def test_replica_set_fraction_matches_kubernetes(case: dict[str, Any]) -> None:
    d = deployment(
        case["replicas"],
        case["max_surge"],
        1,
        status=DeploymentStatus(replicas=case["status_replicas"]),
    )
    rs = replica_set("rs", case["rs_replicas"], annotations=case["annotations"])
    assert du.replica_set_fraction(rs, d) == case["expected"]


@pytest.mark.parametrize(
    "case", TABLES["replicas_annotations_need_update"], ids=lambda c: c["name"]
)
def test_replicas_annotations_need_update_matches_kubernetes(case: dict[str, Any]) -> None:
    rs = replica_set("hello", annotations=case["annotations"])
    assert du.replicas_annotations_need_update(rs, 10, 20) is case["expected"]


def test_annotation_utils_revision_history_is_bounded_by_its_length_limit() -> None:
    """TestAnnotationUtils: revisions 11..20 with a 5-character history keep two entries."""
    d = deployment(annotations={du.REVISION_ANNOTATION: "1"})
    annotations: dict[str, str] = {}
    for i in range(10, 20):
        annotations, _ = du.set_new_replica_set_annotations(d, annotations, str(i + 1), True, 5)
        if i >= 12:
            assert annotations[du.REVISION_HISTORY_ANNOTATION] == f"{i - 1},{i}"
        assert annotations[du.REVISION_ANNOTATION] == str(i + 1)
    annotations, changed = du.set_replicas_annotations(annotations, 10, 11)
    assert changed
    assert annotations[du.DESIRED_REPLICAS_ANNOTATION] == "10"
    assert annotations[du.MAX_REPLICAS_ANNOTATION] == "11"
    saturated = replace(
        replica_set("rs", 1, annotations={du.DESIRED_REPLICAS_ANNOTATION: "1"}),
        status=ReplicaSetStatus(available_replicas=1),
    )
    assert du.is_saturated(d, saturated)


# -- annotations and revisions ---------------------------------------------------------------


def test_new_replica_set_annotations_copy_the_deployment_except_the_skipped_keys() -> None:
    d = deployment(
        3,
        "25%",
        "25%",
        annotations={
            "kubernetes.io/change-cause": "upgrade",
            du.LAST_APPLIED_CONFIG_ANNOTATION: "{}",
            du.REVISION_ANNOTATION: "7",
            du.DEPRECATED_ROLLBACK_TO: "1",
        },
    )
    annotations, changed = du.set_new_replica_set_annotations(d, {}, "4", False)
    assert changed
    assert annotations == {
        "kubernetes.io/change-cause": "upgrade",
        du.REVISION_ANNOTATION: "4",
        du.DESIRED_REPLICAS_ANNOTATION: "3",
        du.MAX_REPLICAS_ANNOTATION: "4",
    }


def test_a_new_revision_is_never_lowered_and_history_records_reuse() -> None:
    d = deployment()
    kept, changed = du.set_new_replica_set_annotations(d, {du.REVISION_ANNOTATION: "5"}, "3", True)
    assert not changed and kept == {du.REVISION_ANNOTATION: "5"}
    reused, changed = du.set_new_replica_set_annotations(
        d, {du.REVISION_ANNOTATION: "1"}, "3", True
    )
    assert changed
    assert reused == {du.REVISION_ANNOTATION: "3", du.REVISION_HISTORY_ANNOTATION: "1"}


def test_max_and_last_revision_skip_unparsable_annotations() -> None:
    rss = [
        replica_set(str(n), annotations={du.REVISION_ANNOTATION: v})
        for n, v in enumerate(["1", "x", "4", "2"])
    ]
    assert du.max_revision([*rss, None]) == 4
    assert du.last_revision(rss) == 2
    assert du.last_revision(rss[:1]) == 0


def test_rollback_annotation_is_ignored_unless_an_integer() -> None:
    assert du.rollback_to(deployment(annotations={du.DEPRECATED_ROLLBACK_TO: "3"})) == 3
    assert du.rollback_to(deployment(annotations={du.DEPRECATED_ROLLBACK_TO: "x"})) is None
    assert du.rollback_to(deployment()) is None


# -- templates, new and old ReplicaSets, orderings -------------------------------------------


def test_equal_ignore_hash_sets_only_the_pod_template_hash_label_aside() -> None:
    hashed = template(labels={"name": "nginx", du.UNIQUE_LABEL_KEY: "abc"})
    assert du.equal_ignore_hash(template(), hashed)
    assert not du.equal_ignore_hash(template(), template(labels={du.UNIQUE_LABEL_KEY: "abc"}))
    assert not du.equal_ignore_hash(template(), template(image="nginx:2"))


def test_find_new_replica_set_takes_the_oldest_match_and_old_ones_are_the_rest() -> None:
    """TestFindNewReplicaSet / TestFindOldReplicaSets."""
    d = deployment()
    newer = replica_set("new", 1, created="2016-01-01T00:01:00Z")
    dup = replica_set("dup", 0, created="2016-01-01T00:00:00Z")
    old = replica_set("old", 0, created="2015-12-31T23:59:00Z", tmpl=template("nginx-old-1"))
    assert du.find_new_replica_set(d, [newer, old]) == newer
    assert du.find_new_replica_set(d, [newer, old, dup]) == dup
    assert du.find_new_replica_set(d, [old]) is None
    required, all_old = du.find_old_replica_sets(d, [old, newer, dup])
    assert (required, all_old) == ([newer], [old, newer])


def test_size_orders_break_ties_by_age_in_the_scaling_direction() -> None:
    a = replica_set("a", 2, created="2016-01-01T00:00:00Z")
    b = replica_set("b", 2, created="2016-01-02T00:00:00Z")
    c = replica_set("c", 5, created="2015-01-01T00:00:00Z")
    assert [rs.metadata.name for rs in du.by_size_newer([a, b, c])] == ["c", "b", "a"]
    assert [rs.metadata.name for rs in du.by_size_older([a, b, c])] == ["c", "a", "b"]


def test_find_active_or_latest() -> None:
    old1 = replica_set("o1", 0, created="2016-01-01T00:00:00Z")
    old2 = replica_set("o2", 0, created="2016-01-02T00:00:00Z")
    assert du.find_active_or_latest(None, [old1, old2]) == old2
    active = replica_set("a", 3)
    assert du.find_active_or_latest(replica_set("n", 0), [active, old1]) == active
    assert du.find_active_or_latest(replica_set("n", 1), [active]) is None
    assert du.find_active_or_latest(None, []) is None


# -- hashing ---------------------------------------------------------------------------------


def test_safe_encode_string_maps_digits_as_apimachinery_rand_does() -> None:
    assert du.safe_encode_string("0123456789") == "456789bcdf"


def test_pod_template_hash_is_stable_safe_and_changes_with_template_and_collisions() -> None:
    first = du.compute_hash(template(), None)
    assert first == du.compute_hash(template(), None)
    assert 6 <= len(first) <= 10
    assert set(first) <= set(du.SAFE_ALPHABET)
    assert du.compute_hash(template("nginx:2"), None) != first
    assert du.compute_hash(template(), 1) not in (first, du.compute_hash(template(), 2))


def test_fnv32a_matches_the_reference_vectors() -> None:
    assert du.fnv32a(b"") == 0x811C9DC5
    assert du.fnv32a(b"a") == 0xE40C292C
    assert du.fnv32a(b"foobar") == 0xBF9CF968


# -- conditions ------------------------------------------------------------------------------


def _condition(type_: str, status: str, reason: str, at: str = "t0") -> WorkloadCondition:
    return du.new_condition(type_, status, reason, "", at)


def test_set_condition_is_a_no_op_for_same_status_and_reason() -> None:
    status = DeploymentStatus(conditions=(_condition(du.PROGRESSING, "True", "A"),))
    assert du.set_condition(status, _condition(du.PROGRESSING, "True", "A", "t1")) is status


def test_set_condition_keeps_transition_time_while_status_holds_and_appends() -> None:
    """TestSetCondition: the replaced condition moves last, as Go's filter-and-append."""
    progressing = _condition(du.PROGRESSING, "True", "A")
    available = _condition(du.AVAILABLE, "True", "B")
    status = DeploymentStatus(conditions=(progressing, available))
    updated = du.set_condition(status, _condition(du.PROGRESSING, "True", "C", "t1"))
    assert [c.type for c in updated.conditions] == [du.AVAILABLE, du.PROGRESSING]
    moved = updated.conditions[1]
    assert (moved.reason, moved.last_update_time, moved.last_transition_time) == ("C", "t1", "t0")
    flipped = du.set_condition(status, _condition(du.PROGRESSING, "False", "D", "t2"))
    assert flipped.conditions[1].last_transition_time == "t2"
    assert du.remove_condition(updated, du.PROGRESSING).conditions == (available,)
    assert du.get_condition(updated, du.REPLICA_FAILURE) is None


def test_deployments_for_replica_set_ignore_empty_selectors_and_label_less_sets() -> None:
    """TestGetDeploymentsForReplicaSet: only a matching, non-empty selector counts."""
    ds = [
        replace(
            deployment(),
            metadata=ObjectMeta(name=f"d{i}"),
            spec=replace(
                deployment().spec, selector=LabelSelector(match_labels={"app": f"test-{i}"})
            ),
        )
        for i in range(3)
    ]
    ds.append(replace(ds[0], spec=replace(ds[0].spec, selector=LabelSelector())))
    for i in range(5):
        rs = replica_set(f"rs{i}")
        rs = replace(rs, metadata=replace(rs.metadata, labels={"app": f"test-{i}", "l": "x"}))
        names = [d.metadata.name for d in du.deployments_for_replica_set(ds, rs)]
        assert names == ([f"d{i}"] if i < 3 else [])
    assert du.deployments_for_replica_set(ds, replica_set("bare")) == []
