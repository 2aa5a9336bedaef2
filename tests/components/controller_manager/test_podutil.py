"""Tests for `podutil`: readiness, availability after minReadySeconds, activity, keys."""

from __future__ import annotations

import pytest

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.pod import Pod, PodCondition, PodStatus
from k8s_actors.components.controller_manager.podutil import (
    filter_active_pods,
    get_pod_condition,
    is_pod_active,
    is_pod_available,
    is_pod_ready,
    pod_key,
)
from k8s_actors.kernel import Clock

CLOCK = Clock()
T0 = "2024-01-01T00:00:00Z"  # 0 s after the epoch used by the tests
ZERO = CLOCK.parse_timestamp(T0)


def _pod(
    ready: str | None = None,
    since: str | None = T0,
    phase: str = "Running",
    deleting: bool = False,
    name: str = "p",
) -> Pod:
    conditions = (
        (PodCondition(type="Ready", status=ready, last_transition_time=since),)
        if ready is not None
        else ()
    )
    return Pod(
        metadata=ObjectMeta(name=name, namespace="ns", deletion_timestamp=T0 if deleting else None),
        status=PodStatus(phase=phase, conditions=conditions),
    )


@pytest.mark.parametrize(("status", "ready"), [("True", True), ("False", False), (None, False)])
def test_ready_means_a_true_ready_condition(status: str | None, ready: bool) -> None:
    assert is_pod_ready(_pod(status)) is ready


def test_get_pod_condition_finds_by_type() -> None:
    pod = _pod("True")
    condition = get_pod_condition(pod, "Ready")
    assert condition is not None and condition.status == "True"
    assert get_pod_condition(pod, "PodScheduled") is None


@pytest.mark.parametrize(
    ("min_ready", "elapsed", "available"),
    [(0, 0.0, True), (10, 5.0, False), (10, 10.0, False), (10, 10.5, True), (10, 60.0, True)],
)
def test_available_after_strictly_more_than_min_ready_seconds(
    min_ready: int, elapsed: float, available: bool
) -> None:
    """IsPodAvailable: lastTransitionTime + minReadySeconds must be Before(now)."""
    now = ZERO + elapsed
    assert is_pod_available(_pod("True"), min_ready, now, CLOCK.parse_timestamp) is available


def test_not_ready_or_no_transition_time_is_not_available() -> None:
    parse = CLOCK.parse_timestamp
    assert not is_pod_available(_pod("False"), 0, ZERO + 100, parse)
    assert not is_pod_available(_pod("True", since=None), 5, ZERO + 100, parse)
    assert is_pod_available(_pod("True", since=None), 0, ZERO + 100, parse)


@pytest.mark.parametrize(
    ("phase", "deleting", "active"),
    [
        ("Pending", False, True),
        ("Running", False, True),
        ("Unknown", False, True),
        ("Succeeded", False, False),
        ("Failed", False, False),
        ("Running", True, False),
    ],
)
def test_active_excludes_finished_and_terminating(phase: str, deleting: bool, active: bool) -> None:
    assert is_pod_active(_pod(phase=phase, deleting=deleting)) is active


def test_filter_active_pods_keeps_order() -> None:
    """TestActivePodFiltering: the Succeeded and Failed pods are dropped, the rest kept."""
    pods = [
        _pod(phase="Succeeded", name="pod-1"),
        _pod(phase="Failed", name="pod-2"),
        _pod(phase="", name="pod-3"),
        _pod(phase="", name="pod-4"),
        _pod(phase="", name="pod-5"),
    ]
    assert [p.metadata.name for p in filter_active_pods(pods)] == ["pod-3", "pod-4", "pod-5"]


def test_pod_key_is_namespace_slash_name() -> None:
    assert pod_key(_pod(name="web-1")) == "ns/web-1"
