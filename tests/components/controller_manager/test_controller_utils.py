"""Tests for `controller_utils`: the deletion ranking (upstream tables ported as data in
data/active_pods_with_ranks.json), expectations with their 5-minute TTL, slow-start batching,
and the claim decisions and patches of ControllerRefManager."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from k8s_actors.api.meta import ObjectMeta, OwnerReference
from k8s_actors.api.objects.machinery import Status, StatusCause, StatusDetails
from k8s_actors.api.objects.pod import ContainerStatus, Pod, PodCondition, PodSpec, PodStatus
from k8s_actors.client import Indexer
from k8s_actors.client.errors import Forbidden
from k8s_actors.components.controller_manager.controller_utils import (
    POD_CONTROLLER_UID_INDEX,
    ControllerExpectations,
    RankOptions,
    add_pod_controller_uid_indexer,
    adopt_patch,
    claim_action,
    deletion_cost,
    has_status_cause,
    orphan_pod_index_key,
    pods_controlled_by,
    rank_less,
    release_patch,
    slow_start_batch,
    slow_start_batch_sizes,
    sort_pods_with_ranks,
)
from k8s_actors.kernel import Clock, run

DATA = json.loads((Path(__file__).parent / "data" / "active_pods_with_ranks.json").read_text())
CLOCK = Clock()
parse_ts = CLOCK.parse_timestamp
NOW = parse_ts(DATA["now"])


def _pod(name: str, row: dict[str, Any]) -> Pod:
    """A pod of the upstream table's `pod(...)` builder (conditions only when ready)."""
    times = DATA["times"]
    ready = row["ready"]
    conditions = (
        (PodCondition(type="Ready", status="True", last_transition_time=times[row["readySince"]]),)
        if ready
        else ()
    )
    statuses = (ContainerStatus(name="c", restart_count=row["restarts"]),) if ready else ()
    return Pod(
        metadata=ObjectMeta(
            name=name,
            creation_timestamp=times[row["created"]],
            annotations=row.get("annotations", {}),
        ),
        spec=PodSpec(node_name=row["node"]),
        status=PodStatus(phase=row["phase"], conditions=conditions, container_statuses=statuses),
    )


PODS = {name: _pod(name, row) for name, row in DATA["pods"].items()}


@pytest.mark.parametrize("pair", DATA["equal"], ids=lambda pair: "=".join(pair))
def test_equivalent_pods_are_not_less_either_way(pair: list[str]) -> None:
    """TestSortingActivePodsWithRanks equality rows: neither pod ranks before the other."""
    a, b = PODS[pair[0]], PODS[pair[1]]
    assert not rank_less(a, 1, b, 1, NOW, parse_ts)
    assert not rank_less(b, 1, a, 1, NOW, parse_ts)


@pytest.mark.parametrize(
    "row", DATA["less"], ids=lambda row: f"{row['lesser'][0]}<{row['greater'][0]}"
)
def test_lesser_pod_is_deleted_first(row: dict[str, Any]) -> None:
    """TestSortingActivePodsWithRanks inequality rows, with their feature-gate settings."""
    options = RankOptions(pod_deletion_cost=not row.get("disablePodDeletionCost", False))
    (lesser, lesser_rank), (greater, greater_rank) = row["lesser"], row["greater"]
    a, b = PODS[lesser], PODS[greater]
    assert rank_less(a, lesser_rank, b, greater_rank, NOW, parse_ts, options)
    assert not rank_less(b, greater_rank, a, lesser_rank, NOW, parse_ts, options)


@pytest.mark.parametrize("seed", range(5))
def test_sorting_gives_the_upstream_order_from_any_permutation(seed: int) -> None:
    """TestSortingActivePods: unassigned, pending, unknown, not ready, ready-recently first."""
    import random

    table = DATA["sorted"]
    pods = [_pod(name, row) for name, row in table["pods"].items()]
    random.Random(seed).shuffle(pods)
    ordered = sort_pods_with_ranks(pods, [0] * len(pods), NOW, parse_ts)
    assert [pod.metadata.name for pod in ordered] == table["order"]


def test_without_logarithmic_scale_down_newer_ready_time_is_first() -> None:
    """With the gate off, 5 hours and 8 hours ready are told apart (newer first)."""
    off = RankOptions(logarithmic_scale_down=False)
    five, eight = PODS["ready-5-hours"], PODS["ready-10-hours"]
    assert rank_less(five, 1, eight, 1, NOW, parse_ts, off)
    assert not rank_less(five, 1, eight, 1, NOW, parse_ts)


def test_equal_log_buckets_are_ordered_by_uid() -> None:
    """Within one log2 bucket the smaller uid goes first (a pseudo-random spread)."""
    from msgspec.structs import replace

    five = replace(PODS["ready-5-hours"], metadata=replace(PODS["ready-5-hours"].metadata, uid="b"))
    eight = replace(
        PODS["ready-10-hours"], metadata=replace(PODS["ready-10-hours"].metadata, uid="a")
    )
    assert rank_less(eight, 1, five, 1, NOW, parse_ts)
    assert not rank_less(five, 1, eight, 1, NOW, parse_ts)


@pytest.mark.parametrize(
    ("value", "cost"),
    [("10", 10), ("-5", -5), ("0", 0), ("+10", 0), ("008", 0), ("x", 0), ("2147483648", 0)],
)
def test_deletion_cost_accepts_plain_int32_only(value: str, cost: int) -> None:
    """GetDeletionCostFromPodAnnotations: no plus sign, no leading zero, int32 range."""
    pod = Pod(
        metadata=ObjectMeta(annotations={"controller.kubernetes.io/pod-deletion-cost": value})
    )
    assert deletion_cost(pod) == cost


# -- expectations ------------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_expectations_hold_until_every_create_is_observed() -> None:
    """ExpectCreations(2): unsatisfied after one observation, satisfied after two."""
    time = FakeTime()
    exp = ControllerExpectations(time)
    assert exp.satisfied("ns/rs")  # nothing recorded: sync
    exp.expect_creations("ns/rs", 2)
    exp.creation_observed("ns/rs")
    assert not exp.satisfied("ns/rs")
    exp.creation_observed("ns/rs")
    assert exp.satisfied("ns/rs")


def test_expectations_expire_after_five_minutes() -> None:
    """Expectations never observed stop blocking strictly after ExpectationsTimeout."""
    time = FakeTime()
    exp = ControllerExpectations(time)
    exp.expect_creations("ns/rs", 1)
    time.now = 300.0
    assert not exp.satisfied("ns/rs")
    time.now = 300.5
    assert exp.satisfied("ns/rs")


def test_deletions_count_once_per_expected_pod() -> None:
    """A pod seen terminating and then deleted counts once; unexpected pods do not count."""
    exp = ControllerExpectations(FakeTime())
    exp.expect_deletions("ns/rs", ["ns/a", "ns/b"])
    exp.deletion_observed("ns/rs", "ns/a")
    exp.deletion_observed("ns/rs", "ns/a")
    exp.deletion_observed("ns/rs", "ns/other")
    assert not exp.satisfied("ns/rs")
    exp.deletion_observed("ns/rs", "ns/b")
    assert exp.satisfied("ns/rs")


def test_deleted_expectations_are_satisfied() -> None:
    exp = ControllerExpectations(FakeTime())
    exp.expect_creations("ns/rs", 3)
    exp.delete("ns/rs")
    assert exp.get("ns/rs") is None and exp.satisfied("ns/rs")


# -- slow start --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "sizes"), [(0, []), (1, [1]), (3, [1, 2]), (10, [1, 2, 4, 3]), (16, [1, 2, 4, 8, 1])]
)
def test_slow_start_batches_double(count: int, sizes: list[int]) -> None:
    assert slow_start_batch_sizes(count) == sizes


def test_slow_start_stops_after_the_first_failing_batch() -> None:
    """Calls 1..3 succeed, the 4th fails: batch 4 finishes, no batch of 8 is attempted."""
    calls: list[int] = []
    batches: list[int] = []

    async def call() -> None:
        calls.append(len(calls) + 1)
        if len(calls) == 4:
            raise RuntimeError("quota exceeded")

    async def main() -> tuple[int, Exception | None]:
        return await slow_start_batch(20, call, on_batch=batches.append)

    successes, error = run(main)
    assert batches == [1, 2, 4]
    assert len(calls) == 7 and successes == 6
    assert str(error) == "quota exceeded"


# -- claiming ----------------------------------------------------------------------------------


def _owned(uid: str | None, labels: dict[str, str], deleting: bool = False) -> Pod:
    refs = (
        (
            OwnerReference(
                api_version="apps/v1", kind="ReplicaSet", name="x", uid=uid, controller=True
            ),
        )
        if uid
        else ()
    )
    return Pod(
        metadata=ObjectMeta(
            name="p",
            uid="pod-uid",
            resource_version="7",
            labels=labels,
            owner_references=refs,
            deletion_timestamp="2024-01-01T00:00:00Z" if deleting else None,
        )
    )


def _app_web(obj: Any) -> bool:
    return bool(obj.metadata.labels.get("app") == "web")


@pytest.mark.parametrize(
    ("pod", "owner_deleting", "action"),
    [
        (_owned("me", {"app": "web"}), False, "own"),
        (_owned("me", {"app": "db"}), False, "release"),
        (_owned("me", {"app": "db"}), True, "ignore"),
        (_owned("other", {"app": "web"}), False, "ignore"),
        (_owned(None, {"app": "web"}), False, "adopt"),
        (_owned(None, {"app": "web"}), True, "ignore"),
        (_owned(None, {"app": "db"}), False, "ignore"),
        (_owned(None, {"app": "web"}, deleting=True), False, "ignore"),
    ],
)
def test_claim_action_follows_claim_object(pod: Pod, owner_deleting: bool, action: str) -> None:
    """claimObject: own, release unless deleting, never touch another controller's pod,
    adopt matching live orphans unless the owner is being deleted."""
    assert claim_action(pod, "me", owner_deleting, _app_web) == action


def test_adopt_and_release_patches_carry_the_dependent_uid() -> None:
    """The adoption adds controller=true, blockOwnerDeletion=true; the release deletes by uid."""
    owner = _rs()
    pod = _owned(None, {"app": "web"})
    adopt = adopt_patch(owner, pod)["metadata"]
    assert adopt["uid"] == "pod-uid" and adopt["resourceVersion"] == "7"
    assert adopt["ownerReferences"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "name": "web",
            "uid": "rs-uid",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    release = release_patch("rs-uid", pod)["metadata"]
    assert release == {"ownerReferences": [{"$patch": "delete", "uid": "rs-uid"}], "uid": "pod-uid"}


def _rs() -> Any:
    from k8s_actors.api.objects.workloads import ReplicaSet

    return ReplicaSet(metadata=ObjectMeta(name="web", namespace="default", uid="rs-uid"))


def test_namespace_terminating_cause_is_recognised() -> None:
    status = Status(
        message="forbidden",
        code=403,
        details=StatusDetails(causes=(StatusCause(reason="NamespaceTerminating"),)),
    )
    assert has_status_cause(Forbidden(status), "NamespaceTerminating")
    assert not has_status_cause(Forbidden(Status(message="no", code=403)), "NamespaceTerminating")
    assert not has_status_cause(RuntimeError("x"), "NamespaceTerminating")


# -- pods by controller ---------------------------------------------------------------------------


def _owned_pod(name: str, namespace: str, owner_uid: str | None) -> Pod:
    refs: tuple[OwnerReference, ...] = ()
    if owner_uid is not None:
        refs = (
            OwnerReference(
                api_version="apps/v1", kind="ReplicaSet", name="rs", uid=owner_uid, controller=True
            ),
        )
    return Pod(metadata=ObjectMeta(name=name, namespace=namespace, owner_references=refs))


def test_the_controller_index_gives_an_owners_pods_and_its_namespaces_orphans_by_key() -> None:
    indexer = Indexer()
    add_pod_controller_uid_indexer(indexer)
    add_pod_controller_uid_indexer(indexer)  # a second controller sharing the informer
    for pod in (
        _owned_pod("b", "ns", "uid-1"),
        _owned_pod("a", "ns", "uid-1"),
        _owned_pod("c", "ns", "uid-2"),
        _owned_pod("d", "other", "uid-1"),
        _owned_pod("e", "ns", None),
        _owned_pod("f", "other", None),
    ):
        indexer.add(pod)
    assert [p.metadata.name for p in pods_controlled_by(indexer, "ns", "uid-1")] == ["a", "b"]
    orphans = indexer.by_index(POD_CONTROLLER_UID_INDEX, orphan_pod_index_key("ns"))
    assert [p.metadata.name for p in orphans] == ["e"]
    indexer.add(_owned_pod("e", "ns", "uid-1"))  # adopted
    assert [p.metadata.name for p in pods_controlled_by(indexer, "ns", "uid-1")] == ["a", "b", "e"]
    assert indexer.by_index(POD_CONTROLLER_UID_INDEX, orphan_pod_index_key("ns")) == []
