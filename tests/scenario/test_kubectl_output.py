"""Tests for `expectOutput` on kubectl steps: loading, validation and the runner's verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8s_actors.scenario.loader import ScenarioError, load_scenario
from k8s_actors.scenario.model import KubectlStep, OutputCheck
from k8s_actors.scenario.runner import run_scenario

CREATE = "  - kubectl: create configmap settings --from-literal=mode=fast\n"
GET = "  - kubectl: get configmap settings -o jsonpath={.data.mode}\n"


def _write(tmp_path: Path, steps: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(f"name: output\nsteps:\n{steps}")
    return path


def _problems(tmp_path: Path, steps: str) -> str:
    with pytest.raises(ScenarioError) as raised:
        load_scenario(_write(tmp_path, steps))
    return str(raised.value)


def test_contains_and_matches_load_onto_the_kubectl_step(tmp_path: Path) -> None:
    """Each form becomes the step's OutputCheck."""
    steps = GET + "    expectOutput: {contains: fast}\n"
    steps += GET + "    expectOutput: {matches: '^f.st$'}\n"
    scenario = load_scenario(_write(tmp_path, steps))
    checks = [s.expect_output for s in scenario.steps if isinstance(s, KubectlStep)]
    assert checks == [OutputCheck(contains="fast"), OutputCheck(matches="^f.st$")]


def test_a_regex_is_searched_line_by_line() -> None:
    """`^` and `$` anchor at each line of the output, as in grep."""
    check = OutputCheck(matches=r"^Address: 10\.96\.0\.\d+$")
    assert check.holds("Server: 10.96.0.10\nAddress: 10.96.0.12\n")
    assert not check.holds("Address: 10.96.0.12 extra\n")


@pytest.mark.parametrize(
    ("modifier", "message"),
    [
        ("{contains: a, matches: b}", "give exactly one of: contains, matches"),
        ("{equals: a}", "expectOutput.equals: unknown field"),
        ("{matches: '(unclosed'}", "expectOutput.matches: invalid regular expression"),
        ("fast", "expectOutput: must be a mapping"),
    ],
)
def test_malformed_output_checks_are_refused(tmp_path: Path, modifier: str, message: str) -> None:
    """Two forms at once, unknown forms, bad regexes and non-mappings are load errors."""
    assert message in _problems(tmp_path, GET + f"    expectOutput: {modifier}\n")


def test_only_kubectl_steps_take_an_output_check(tmp_path: Path) -> None:
    """A sleep has no output to check."""
    problems = _problems(tmp_path, "  - {sleep: 1s, expectOutput: {contains: x}}\n")
    assert "steps[0].expectOutput: only kubectl steps have an output" in problems


def test_output_that_shows_what_is_asked_passes(tmp_path: Path) -> None:
    """The step passes when its output contains the text and matches the regex."""
    steps = CREATE + GET + "    expectOutput: {contains: fas}\n"
    steps += GET + "    expectOutput: {matches: '^fast$'}\n"
    result = run_scenario(load_scenario(_write(tmp_path, steps)), trace_path=tmp_path / "t.jsonl")
    assert result.passed, result.errors


def test_output_that_lacks_it_fails_the_step_with_what_was_seen(tmp_path: Path) -> None:
    """A missing substring fails the step, and the error shows the output."""
    steps = CREATE + GET + "    expectOutput: {contains: slow}\n"
    result = run_scenario(load_scenario(_write(tmp_path, steps)), trace_path=tmp_path / "t.jsonl")
    (error,) = result.errors
    assert error.endswith("expected the output to contain 'slow', saw 'fast'")


def test_stderr_counts_as_output_for_an_expected_failure(tmp_path: Path) -> None:
    """With expectFailure, the check reads kubectl's error message."""
    steps = "  - kubectl: get configmap absent\n    expectFailure: true\n"
    steps += "    expectOutput: {contains: 'configmaps \"absent\" not found'}\n"
    result = run_scenario(load_scenario(_write(tmp_path, steps)), trace_path=tmp_path / "t.jsonl")
    assert result.passed, result.errors
