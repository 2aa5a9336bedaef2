"""Hypothesis profiles for cluster property tests: `ci` (quick) and `thorough` (long).

Role: `register_profiles()` registers both; select one with `settings.load_profile("ci")` or
pytest's `--hypothesis-profile=thorough`. `ci` runs a few short schedules and fits a CI job;
`thorough` runs thousands of longer ones, with longer fault schedules (`fault_schedule_length`,
read by `strategies.fault_schedules`). Simulated clusters are slow per example, so neither has a
deadline. Neighbours: `machine`, `strategies`, `fixtures`, `pytest_plugin` (registers these
before pytest reads `--hypothesis-profile`).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

CI = "ci"
THOROUGH = "thorough"
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large]
# The most faults one generated schedule holds, by profile; any other profile gets the short one.
FAULT_SCHEDULE_LENGTH = {CI: 4, THOROUGH: 16}


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


def fault_schedule_length() -> int:
    """The longest fault schedule under the profile loaded now (16 under `thorough`, else 4)."""
    return FAULT_SCHEDULE_LENGTH.get(settings.get_current_profile_name(), FAULT_SCHEDULE_LENGTH[CI])


register_profiles()
