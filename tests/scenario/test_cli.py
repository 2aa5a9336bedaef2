"""Tests for `k8s_actors.cli`: verbs, exit codes (0 pass, 1 failed, 2 invalid) and messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from k8s_actors.cli import EXIT_FAILED, EXIT_INVALID, EXIT_OK, main

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "scenarios" / "api-basics.yaml"
DATA = Path(__file__).resolve().parent / "data"


def test_run_of_a_passing_scenario_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every expectation holds: exit 0, a summary on stdout naming the trace, nothing on stderr."""
    trace = tmp_path / "trace.jsonl"
    assert main(["run", str(BUNDLED), "--trace", str(trace)]) == EXIT_OK
    out, err = capsys.readouterr()
    assert "api-basics (seed 0)" in out
    assert f"trace: {trace}" in out.replace("\n", "")  # rich may wrap the long path
    assert len(re.findall(r"│ pass +│", out)) == 6
    assert "FAIL" not in out
    assert err == ""
    assert trace.stat().st_size > 0


def test_quiet_run_prints_nothing_on_success(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--quiet keeps a passing run silent."""
    assert main(["run", str(BUNDLED), "--trace", str(tmp_path / "t.jsonl"), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")


def test_failed_expectation_exits_1_with_file_line_and_seen_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failed expectation gives exit 1 and one stderr line: where, what, what was seen, when."""
    path = DATA / "failing.yaml"
    assert main(["run", str(path), "--trace", str(tmp_path / "t.jsonl"), "--quiet"]) == EXIT_FAILED
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"{path}:12: expect configmaps/settings jsonpath={{.data.mode}}=fast: saw 'slow' at 5s\n"
    )


def test_refused_step_exits_1_with_the_api_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A step kube-apiserver refuses fails the run and prints the server's message."""
    path = DATA / "refused.yaml"
    assert main(["run", str(path), "--trace", str(tmp_path / "t.jsonl"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err == f'{path}:3: step 0 (delete configmaps/absent): configmaps "absent" not found\n'


def test_invalid_scenario_exits_2_runs_nothing_and_prints_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Problems of every scenario are printed one per line and no scenario is run."""
    trace = tmp_path / "t.jsonl"
    args = ["run", str(DATA / "nameless.yaml"), str(DATA / "broken-yaml.yaml")]
    assert main([*args, "--seed", "1"]) == EXIT_INVALID
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"{DATA / 'nameless.yaml'}:1:1: name: required field is missing",
        f"{DATA / 'nameless.yaml'}:1:1: steps: required field is missing",
        f"{DATA / 'broken-yaml.yaml'}:4:1: yaml: expected ',' or ']', but got '<stream end>'",
    ]
    assert "Traceback" not in err
    assert not trace.exists()


def test_one_invalid_scenario_stops_the_valid_ones_from_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A valid scenario listed with an invalid one is not run either."""
    trace = tmp_path / "t.jsonl"
    assert main(["run", str(BUNDLED), str(DATA / "broken.yaml"), "--trace", str(trace)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 11
    assert not trace.exists()


def test_missing_scenario_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A path that does not exist is one clear line and exit 2."""
    path = tmp_path / "absent.yaml"
    assert main(["run", str(path)]) == EXIT_INVALID
    assert capsys.readouterr().err == f"{path}: cannot read scenario: No such file or directory\n"


def test_validate_prints_ok_and_step_count(capsys: pytest.CaptureFixture[str]) -> None:
    """validate checks without running and reports each good file as ok."""
    assert main(["validate", str(BUNDLED)]) == EXIT_OK
    assert capsys.readouterr().out == f"{BUNDLED}: ok (11 steps)\n"


def test_validate_of_an_invalid_scenario_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """validate reports the same problems as run, with exit 2."""
    assert main(["validate", str(DATA / "broken.yaml")]) == EXIT_INVALID
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 11


def test_scenarios_lists_the_bundled_ones(capsys: pytest.CaptureFixture[str]) -> None:
    """`scenarios` lists api-basics.yaml with its description."""
    assert main(["scenarios"]) == EXIT_OK
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if line.startswith("api-basics.yaml")]
    assert "Objects through kube-apiserver and etcd" in line


def test_trace_with_two_scenarios_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One --trace path cannot hold two runs: exit 2 and nothing run."""
    trace = tmp_path / "t.jsonl"
    args = ["run", str(BUNDLED), str(DATA / "failing.yaml"), "--trace", str(trace)]
    assert main(args) == EXIT_INVALID
    assert capsys.readouterr() == ("", "k8s-actors: --trace takes one scenario\n")
    assert not trace.exists()


def test_unknown_verb_is_a_usage_error_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """argparse refuses an unknown verb with exit status 2 and a usage line."""
    with pytest.raises(SystemExit) as caught:
        main(["launch"])
    assert caught.value.code == EXIT_INVALID
    assert "usage: k8s-actors" in capsys.readouterr().err


def test_until_fails_pending_expectations_as_not_reached(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--until 1s stops the run: exit 1 and a "not reached" line for the open expectation."""
    path = DATA / "failing.yaml"
    args = ["run", str(path), "--trace", str(tmp_path / "t.jsonl"), "--until", "1s", "--quiet"]
    assert main(args) == EXIT_FAILED
    assert capsys.readouterr().err == (
        f"{path}:12: expect configmaps/settings jsonpath={{.data.mode}}=fast: "
        "not reached (run stopped at 1s)\n"
    )


def test_bad_until_is_invalid_input(capsys: pytest.CaptureFixture[str]) -> None:
    """--until takes a Go duration; anything else is exit 2 before running."""
    assert main(["run", str(BUNDLED), "--until", "soon"]) == EXIT_INVALID
    assert capsys.readouterr().err.startswith('k8s-actors: --until: invalid duration "soon"')


def test_kubectl_usage_error_is_reported_at_load_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A kubectl step with an unknown flag is refused with kubectl's message, nothing run."""
    path = tmp_path / "k.yaml"
    path.write_text("name: k\nsteps:\n  - kubectl: get pods --colour\n")
    assert main(["validate", str(path)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:3:14: steps[0].kubectl: Error: unknown flag: --colour")


def test_trace_verb_reads_the_trace_of_a_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`k8s-actors trace summary` is wired to the trace tools and reads a run's trace."""
    trace = tmp_path / "t.jsonl"
    assert main(["run", str(DATA / "failing.yaml"), "--trace", str(trace), "--quiet"]) == 1
    capsys.readouterr()
    assert main(["trace", "summary", str(trace)]) == EXIT_OK
    assert capsys.readouterr().out != ""


def test_summary_lists_objects_per_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The run summary has a table of etcd's objects per kind."""
    assert main(["run", str(BUNDLED), "--trace", str(tmp_path / "t.jsonl")]) == EXIT_OK
    out = capsys.readouterr().out
    assert "objects in etcd" in out
    assert re.search(r"│ Deployment +│ +1 │", out)
