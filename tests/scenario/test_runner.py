"""Tests for `k8s_actors.scenario.runner`: scenarios played in virtual time, judged and traced."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from k8s_actors.scenario.loader import load_scenario
from k8s_actors.scenario.runner import RunResult, run_scenario

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "scenarios" / "api-basics.yaml"
DATA = Path(__file__).resolve().parent / "data"
UID = re.compile(rb'"uid":"([0-9a-f-]{36})"')


def _run(path: Path, trace: Path, seed: int | None = None) -> RunResult:
    return run_scenario(load_scenario(path), seed=seed, trace_path=trace)


def test_bundled_scenario_passes(tmp_path: Path) -> None:
    """api-basics holds all six expectations and finishes after its 30 s sleep."""
    result = _run(BUNDLED, tmp_path / "trace.jsonl")
    assert result.passed, (result.errors, result.outcomes)
    assert len(result.outcomes) == 6
    assert result.errors == ()
    assert result.simulated_seconds >= 30
    assert (result.scenario, result.seed) == ("api-basics", 0)


def test_failing_expectation_reports_what_was_seen_and_when(tmp_path: Path) -> None:
    """An expectation that never holds fails at the end of its window with the value seen."""
    result = _run(DATA / "failing.yaml", tmp_path / "trace.jsonl")
    assert not result.passed
    (outcome,) = result.outcomes
    assert (outcome.passed, outcome.seen, outcome.line) == (False, "slow", 12)
    assert outcome.at == 5.0  # the 2 s sleep, then the 3 s window
    assert result.errors == ()


def test_refused_step_becomes_an_error_naming_file_and_line(tmp_path: Path) -> None:
    """A step the API refuses is an error line with the scenario file and line; later steps run."""
    path = DATA / "refused.yaml"
    result = _run(path, tmp_path / "trace.jsonl")
    assert not result.passed
    assert result.errors == (
        f'{path}:3: step 0 (delete configmaps/absent): configmaps "absent" not found',
    )
    assert [outcome.passed for outcome in result.outcomes] == [True]


def test_trace_file_is_written_as_json_lines(tmp_path: Path) -> None:
    """The trace holds one JSON record per line, scenario start and finish included."""
    trace = tmp_path / "trace.jsonl"
    result = _run(DATA / "failing.yaml", trace)
    records = [json.loads(line) for line in trace.read_bytes().splitlines()]
    assert result.trace_path == str(trace)
    assert len(records) == result.records > 0
    events = [record["event"] for record in records]
    assert events.count("step_started") == 3
    assert "expectation_failed" in events
    user_records = [record for record in records if record["actor"] == "user"]
    assert user_records[-1]["event"] == "scenario_finished"
    assert user_records[-1]["passed"] is False


def test_same_seed_gives_byte_identical_traces(tmp_path: Path) -> None:
    """Two runs with the same seed write the same bytes."""
    _run(BUNDLED, tmp_path / "a.jsonl")
    _run(BUNDLED, tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def _run_in_subprocess(trace: Path, hash_seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    command = [sys.executable, "-m", "k8s_actors", "run", str(BUNDLED), "--trace", str(trace)]
    completed = subprocess.run(
        [*command, "--quiet"], cwd=ROOT, env=env, capture_output=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    return trace.read_bytes()


def test_traces_match_across_processes_with_different_hash_seeds(tmp_path: Path) -> None:
    """Set or dict ordering by string hash never leaks into the trace."""
    first = _run_in_subprocess(tmp_path / "a.jsonl", "1")
    second = _run_in_subprocess(tmp_path / "b.jsonl", "2")
    assert first == second
    assert len(first) > 0


def test_different_seed_changes_uids(tmp_path: Path) -> None:
    """--seed overrides the scenario's seed, and the uids in the trace follow it."""
    _run(BUNDLED, tmp_path / "a.jsonl")
    result = _run(BUNDLED, tmp_path / "b.jsonl", seed=99)
    assert result.seed == 99 and result.passed
    uids_a = UID.findall((tmp_path / "a.jsonl").read_bytes())
    uids_b = UID.findall((tmp_path / "b.jsonl").read_bytes())
    assert uids_a and uids_b
    assert set(uids_a).isdisjoint(uids_b)


def test_every_bundled_scenario_passes(tmp_path: Path) -> None:
    """Each scenario shipped in scenarios/ holds all its expectations with its own seed."""
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        result = _run(path, tmp_path / f"{path.stem}.jsonl")
        assert result.passed, (path.name, result.errors, result.outcomes)
