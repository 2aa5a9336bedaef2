"""Hypothesis profiles for cluster property tests: `ci` (quick) and `thorough` (long).

Role: `register_profiles()` registers both; select one with `settings.load_profile("ci")` or
pytest's `--hypothesis-profile=thorough`. `ci` runs a few short schedules and fits a CI job;
`thorough` runs thousands of longer ones. Simulated clusters are slow per example, so neither
has a deadline. Neighbours: `machine`, `fixtures`.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

CI = "ci"
THOROUGH = "thorough"
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large]


def register_profiles() -> None:
    """Register the `ci` and `thorough` profiles (idempotent)."""
    settings.register_profile(
        CI,
        max_examples=5,
        stateful_step_count=6,
        deadline=None,
        suppress_health_check=_SLOW_IS_FINE,
    )
    settings.register_profile(
        THOROUGH,
        max_examples=2000,
        stateful_step_count=40,
        deadline=None,
        suppress_health_check=_SLOW_IS_FINE,
    )


register_profiles()
