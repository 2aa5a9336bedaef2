"""Golden traces: each bundled scenario replays to its reviewed, normalised trace.

Every scenarios/NAME.yaml has scenarios/NAME.golden.jsonl beside it: the trace of a run with the
scenario's seed, normalised (uids, generated names and span ids as numbered placeholders). A
change in behaviour shows here as the first differing line; when it is intended, rewrite the
files with `pytest tests/scenario/test_golden.py --update-golden` and review their diff.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from k8s_actors.trace.tools import first_difference, load_trace, normalise_lines

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BUNDLED = sorted(SCENARIOS.glob("*.yaml"))


def golden_path(scenario: Path) -> Path:
    return scenario.with_name(scenario.stem + ".golden.jsonl")


def normalised_run(scenario: Path, tmp_path: Path) -> list[bytes]:
    """The normalised trace of `k8s-actors run SCENARIO`, in a fresh interpreter as a user runs
    it: a run in a process that already ran other clusters can order the events of one instant
    differently (a known defect, see docs/trace.md), which is not what a golden trace checks."""
    trace = tmp_path / f"{scenario.stem}.jsonl"
    command = "import sys; from k8s_actors.cli import main; sys.exit(main(sys.argv[1:]))"
    subprocess.run(
        [sys.executable, "-c", command, "run", str(scenario), "--trace", str(trace), "--quiet"],
        cwd=SCENARIOS.parent,
        capture_output=True,
        check=False,  # a scenario that fails its expectations still writes its trace
    )
    return normalise_lines(load_trace(trace))


def test_every_scenario_is_bundled_with_a_golden_trace() -> None:
    assert BUNDLED, "no bundled scenario found"
    orphans = sorted(p.name for p in SCENARIOS.glob("*.golden.jsonl") if not p.with_name(
        p.name.removesuffix(".golden.jsonl") + ".yaml").exists())  # fmt: skip
    assert orphans == [], "golden traces without their scenario"


@pytest.mark.parametrize("scenario", BUNDLED, ids=[path.stem for path in BUNDLED])
def test_scenario_replays_its_golden_trace(
    scenario: Path, tmp_path: Path, update_golden: bool
) -> None:
    fresh = normalised_run(scenario, tmp_path)
    golden = golden_path(scenario)
    if update_golden:
        golden.write_bytes(b"".join(fresh))
        return
    assert golden.exists(), f"{golden.name} is missing: run pytest --update-golden and review it"
    expected = golden.read_bytes().splitlines(keepends=True)
    numbers = list(range(1, max(len(fresh), len(expected)) + 1))
    difference = first_difference(expected, fresh, numbers, numbers)
    if difference is not None:
        line = difference.line_a or difference.line_b
        pytest.fail(
            f"{golden.name}:{line}: the run diverges from the golden trace\n"
            f"  golden: {(difference.text_a or b'<end of file>').decode().rstrip()}\n"
            f"  run:    {(difference.text_b or b'<end of trace>').decode().rstrip()}\n"
            "if the change is intended: pytest tests/scenario/test_golden.py --update-golden",
            pytrace=False,
        )


def test_two_runs_normalise_to_the_same_lines(tmp_path: Path) -> None:
    scenario = SCENARIOS / "api-basics.yaml"
    first = normalised_run(scenario, tmp_path / "a")
    assert normalised_run(scenario, tmp_path / "b") == first
