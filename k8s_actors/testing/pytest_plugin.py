"""The test kit's pytest plugin (entry point `pytest11`): profiles early, the tally at the end.

Role: importing it registers the `ci` and `thorough` Hypothesis profiles before pytest reads
`--hypothesis-profile`, so `pytest --hypothesis-profile=thorough` finds them; at the end of the
session it prints what the cluster state machines did (examples run, steps played, faults
injected by kind, invariant checks made, failures with their scenario files), the figures
`k8s-actors fuzz` reports, when any machine ran. Neighbours: `profiles`, `stats`, `machine`.
"""

from __future__ import annotations

from typing import Any

from k8s_actors.testing import profiles, stats

__all__ = ["pytest_terminal_summary"]

profiles.register_profiles()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The session's state machine tally, as a section of pytest's summary."""
    tally = stats.SESSION
    if tally.examples == 0:
        return
    terminalreporter.section("k8s-actors cluster state machines")
    for line in tally.lines():
        terminalreporter.write_line(line)
