"""The `ci` and `thorough` Hypothesis profiles are registered with their sizes."""

from __future__ import annotations

from hypothesis import settings

from k8s_actors.testing import register_profiles


def test_ci_is_short_and_thorough_runs_thousands() -> None:
    register_profiles()
    ci, thorough = settings.get_profile("ci"), settings.get_profile("thorough")
    assert ci.max_examples <= 10 and ci.stateful_step_count <= 10
    assert thorough.max_examples >= 1000
    assert ci.deadline is None and thorough.deadline is None
