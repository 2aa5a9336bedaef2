"""The machine's tally (`RunStats`) and the pytest plugin that prints it."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from k8s_actors.testing import ClusterMachine, KubeletCrash, NodeDown, Scale, pytest_plugin
from k8s_actors.testing import stats as stats_module
from k8s_actors.testing.stats import RunStats


def test_the_machine_counts_examples_steps_faults_and_checks(tmp_path: Path) -> None:
    """Drawn steps and faults are counted by kind; teardown's settle steps are not."""

    class Counted(ClusterMachine):
        stats: ClassVar[RunStats] = RunStats()
        settle_seconds: ClassVar[float] = 5.0
        scenario_dir: ClassVar[Path] = tmp_path

    machine = Counted()
    machine.apply_operation(Scale(name="absent", replicas=1))
    machine.inject(NodeDown(node="node-1"))
    machine.inject(KubeletCrash(node="node-2", seconds=1.0))
    machine.advance(1.0)
    machine.safety()
    machine.teardown()
    tally = Counted.stats
    assert (tally.examples, tally.steps) == (1, 4)
    assert tally.faults == {"kubeletCrash": 1, "nodeDown": 1}
    assert tally.checks > 0
    assert tally.failures == {}


def test_the_lines_name_every_figure_and_each_failure() -> None:
    tally = RunStats()
    tally.examples, tally.steps, tally.checks = 3, 12, 40
    tally.fault("partition")
    tally.fault("crash")
    tally.fault("partition")
    tally.failure("traces/failures/m-0.yaml", "owners_exist: x")
    assert tally.lines() == [
        "examples run: 3",
        "steps played: 12",
        "faults injected: 3 (crash 1, partition 2)",
        "invariant checks made: 40",
        "failures: 1",
        "  traces/failures/m-0.yaml: owners_exist: x",
    ]


class Reporter:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def section(self, title: str) -> None:
        self.lines.append(f"== {title}")

    def write_line(self, line: str) -> None:
        self.lines.append(line)


def test_the_pytest_summary_shows_the_session_tally(monkeypatch: pytest.MonkeyPatch) -> None:
    tally = RunStats()
    monkeypatch.setattr(stats_module, "SESSION", tally)
    reporter = Reporter()
    pytest_plugin.pytest_terminal_summary(reporter)
    assert reporter.lines == []  # no machine ran: nothing to say
    tally.examples = 2
    pytest_plugin.pytest_terminal_summary(reporter)
    assert reporter.lines[:2] == ["== k8s-actors cluster state machines", "examples run: 2"]
