"""The `ci` and `thorough` Hypothesis profiles are registered with their sizes."""

from __future__ import annotations

from hypothesis import given, settings

from k8s_actors.testing import Fault, register_profiles
from k8s_actors.testing.profiles import fault_schedule_length
from k8s_actors.testing.strategies import fault_schedules


def test_ci_is_short_and_thorough_runs_thousands() -> None:
    register_profiles()
    ci, thorough = settings.get_profile("ci"), settings.get_profile("thorough")
    assert ci.max_examples <= 10 and ci.stateful_step_count <= 10
    assert thorough.max_examples >= 1000
    assert ci.deadline is None and thorough.deadline is None


def test_thorough_allows_longer_fault_schedules() -> None:
    """`fault_schedules` holds up to 4 faults under ci and up to 16 under thorough."""
    previous = settings.get_current_profile_name()
    lengths = {}
    try:
        for name in ("ci", "thorough"):
            settings.load_profile(name)
            lengths[name] = fault_schedule_length()
    finally:
        settings.load_profile(previous)
    assert lengths == {"ci": 4, "thorough": 16}


@settings(max_examples=20, database=None)
@given(schedule=fault_schedules(("node-1", "node-2")))
def test_a_fault_schedule_is_in_time_order_and_within_the_length(
    schedule: list[tuple[float, Fault]],
) -> None:
    assert len(schedule) <= fault_schedule_length()
    assert [start for start, _ in schedule] == sorted(start for start, _ in schedule)
