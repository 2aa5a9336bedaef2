"""`k8s-actors fuzz`: the state machine under a budget, its report and its exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import settings

from k8s_actors.cli import main

BROKEN_MACHINE = '''
from hypothesis.stateful import initialize

from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing import ClusterMachine


class Broken(ClusterMachine):
    """Never converges, by its own account: every example fails at teardown."""

    settle_seconds = 1.0

    @initialize()
    def start_workload(self) -> None:
        """No workload: the failure needs none, so shrinking it takes a few runs only."""

    def liveness_violations(self, cluster: Cluster) -> list[str]:
        return ["never_settles: on purpose"]


class Crashing(ClusterMachine):
    """A machine with a bug of its own: its first step raises."""

    @initialize()
    def start_workload(self) -> None:
        raise RuntimeError("boom")
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's project folder as the current directory, with a failing machine module."""
    (tmp_path / "fuzz_machines.py").write_text(BROKEN_MACHINE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def _fuzz(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["fuzz", "--profile", "ci", "--quiet", *args])
    return status, capsys.readouterr().out


def test_a_small_budget_reports_every_figure_and_exits_0(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = _fuzz(capsys, "--examples", "2", "--steps", "3", "--seed", "1")
    assert status == 0, out
    assert out.startswith("k8s-actors fuzz: ClusterMachine, profile ci, seed 1\n")
    figures = dict(re.findall(r"^([a-z ]+): (\d+)", out, re.MULTILINE))
    assert int(figures["examples run"]) >= 2
    assert 0 < int(figures["steps played"]) <= 3 * int(figures["examples run"])
    assert int(figures["invariant checks made"]) > 0
    assert "faults injected" in figures
    assert figures["failures"] == "0"
    assert re.search(r"^wall time: \d+\.\ds$", out, re.MULTILINE)


def test_the_previous_hypothesis_profile_is_restored(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = settings.get_current_profile_name()
    _fuzz(capsys, "--examples", "1", "--steps", "1", "--seed", "2")
    assert settings.get_current_profile_name() == before


def test_a_failing_user_machine_exits_1_naming_its_scenario(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A subclass given as MODULE:CLASS; its failure is written, shrunk and reported."""
    status, out = _fuzz(capsys, "fuzz_machines:Broken", "--examples", "2", "--steps", "2")
    assert status == 1
    scenario = Path("traces/failures/broken-0.yaml")
    assert (project / scenario).is_file()
    assert "failures: 1\n" in out
    assert f"  {scenario}: never_settles: on purpose\n" in out
    assert out.rstrip().endswith(f"reproduce: k8s-actors run {scenario}")


def test_a_machine_that_breaks_itself_exits_1_with_hypothesis_account(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = _fuzz(capsys, "fuzz_machines:Crashing", "--examples", "1", "--steps", "1")
    assert status == 1
    assert "state = Crashing()" in out
    assert out.rstrip().endswith("the machine failed: RuntimeError: boom")


@pytest.mark.parametrize(
    ("machine", "message"),
    [
        ("no_such_module:Machine", "No module named 'no_such_module'"),
        ("k8s_actors.testing.stats:RunStats", "is not a ClusterMachine"),
        ("fuzz_machines", "expected MODULE:CLASS"),
    ],
)
def test_a_bad_machine_is_refused_with_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str], machine: str, message: str
) -> None:
    assert main(["fuzz", machine]) == 2
    assert message in capsys.readouterr().err
