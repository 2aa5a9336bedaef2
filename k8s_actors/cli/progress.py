"""A progress bar for long runs, advanced on simulated time; silent where nobody watches.

Role: when stdout is a terminal, the run is not `--quiet`, no CI variable is set and the scenario
is long, show a rich progress bar of simulated time against the scenario's expected length.
Neighbours: `k8s_actors.cli` (opens it around a run), `k8s_actors.scenario.runner` (calls the
callback as simulated time passes).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from k8s_actors.scenario.model import (
    ExpectStep,
    InvariantExpectStep,
    RepeatStep,
    Scenario,
    SleepStep,
    Step,
)
from k8s_actors.scenario.runner import Progress as ProgressCallback

LONG_RUN_SECONDS = 60.0


def expected_length(scenario: Scenario, until: float | None) -> float:
    """Simulated seconds the run should take: its sleeps and windows, or `until`."""
    if until is not None:
        return until
    sequence = sum(_length(step) for step in scenario.steps if step.at is None)
    timed = [step.at + _length(step) for step in scenario.steps if step.at is not None]
    return max([sequence, *timed])


def _length(step: Step) -> float:
    if isinstance(step, SleepStep):
        return step.seconds
    if isinstance(step, (ExpectStep, InvariantExpectStep)):
        return step.window
    if isinstance(step, RepeatStep):
        return step.times * sum(_length(inner) for inner in step.steps)
    return 0.0


def wanted(quiet: bool) -> bool:
    return not quiet and sys.stdout.isatty() and not os.environ.get("CI")


@contextmanager
def progress_bar(name: str, total: float, enabled: bool) -> Iterator[ProgressCallback | None]:
    """A callback taking the simulated time, or None when no bar is shown."""
    if not enabled or total < LONG_RUN_SECONDS:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s simulated"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(name, total=total)

        def advance(now: float) -> None:
            bar.update(task, completed=min(now, total))

        yield advance
