"""Tests for `k8s_actors.scenario.loader`: scenario files become steps or FILE:LINE:COL lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8s_actors.scenario.loader import ScenarioError, load_scenario
from k8s_actors.scenario.model import ApplyStep, DeleteStep, ExpectStep, SleepStep

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "scenarios" / "api-basics.yaml"
DATA = Path(__file__).resolve().parent / "data"


def _problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value.problems


def _problem_at(problems: list[str], path: Path, where: str) -> str:
    """The single problem reported at `where` (LINE:COL) of `path`."""
    found = [line for line in problems if line.startswith(f"{path}:{where}: ")]
    assert len(found) == 1, problems
    return found[0]


def test_bundled_scenario_loads_with_its_steps_in_order() -> None:
    """api-basics gives its name, seed and the eleven steps it writes, in order."""
    scenario = load_scenario(BUNDLED)
    assert (scenario.name, scenario.seed, scenario.path) == ("api-basics", 0, str(BUNDLED))
    kinds = [type(step) for step in scenario.steps]
    assert kinds == [ApplyStep, ApplyStep] + [ExpectStep] * 3 + [SleepStep, ApplyStep] + [
        ExpectStep
    ] * 2 + [DeleteStep, ExpectStep]
    assert [step.index for step in scenario.steps] == list(range(11))


def test_apply_file_is_read_relative_to_the_scenario() -> None:
    """`apply: {file: manifests/web.yaml}` loads both objects of that file."""
    step = load_scenario(BUNDLED).steps[1]
    assert isinstance(step, ApplyStep)
    assert [obj.kind for obj in step.objects] == ["Deployment", "ConfigMap"]
    assert step.source.endswith("manifests/web.yaml")
    assert step.line == 10


def test_expect_step_carries_resource_path_and_value() -> None:
    """An expect step resolves the kind to its resource and splits jsonpath and value."""
    step = load_scenario(BUNDLED).steps[2]
    assert isinstance(step, ExpectStep)
    selection, condition = step.selection, step.condition
    assert (selection.resource, selection.name, selection.namespace) == (
        "deployments",
        "web",
        "shop",
    )
    assert (condition.form, condition.path, condition.operator, condition.expected) == (
        "jsonpath",
        "{.metadata.generation}",
        "=",
        "1",
    )
    assert (step.mode, step.window) == ("for", 0.0)


def test_sleep_delete_and_expect_delete_steps() -> None:
    """sleep reads a Go duration; delete defaults to Background; `for: delete` waits for 404."""
    steps = load_scenario(BUNDLED).steps
    sleep, delete, gone = steps[5], steps[9], steps[10]
    assert isinstance(sleep, SleepStep) and sleep.seconds == 30.0
    assert isinstance(delete, DeleteStep)
    assert (delete.kind, delete.name, delete.propagation) == (
        "configmaps",
        "web-settings",
        "Background",
    )
    assert isinstance(gone, ExpectStep)
    assert (gone.condition.form, gone.window) == ("delete", 5.0)


BROKEN = DATA / "broken.yaml"


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("1:7", "name: must not be empty"),
        (
            "2:1",
            "colour: unknown field (expected one of name, description, seed, cluster, "
            "invariants, steps)",
        ),
        ("3:7", 'seed: must be an integer, got "many"'),
        ("5:19", 'steps[0].apply.file: manifest file "manifests/absent.yaml" not found'),
        ("10:9", 'metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain'),
        ("11:12", 'steps[2].sleep: missing unit in duration "10"'),
        ("12:12", 'steps[3].sleep: unknown unit "x" in duration "10x"'),
        (
            "13:5",
            'steps[4]: unknown step "wait" '
            "(expected one of apply, sleep, delete, kubectl, expect, fault, repeat, load)",
        ),
        (
            "14:53",
            'steps[5].delete.cascade: must be background, foreground or orphan, got "sideways"',
        ),
        ("16:17", 'steps[6].expect.resource: the server doesn\'t have a resource type "gizmo"'),
        (
            "20:12",
            "steps[7].expect.for: must be condition=NAME[=VALUE], jsonpath={.path}=VALUE, "
            'delete or "count OP N", got "ready"',
        ),
    ],
)
def test_each_rule_reports_file_line_column_field_and_message(where: str, message: str) -> None:
    """Every validation rule points at the offending node, with the field and a clear message."""
    problem = _problem_at(_problems(BROKEN), BROKEN, where)
    assert problem.startswith(f"{BROKEN}:{where}: {message}")


def test_all_problems_are_reported_at_once() -> None:
    """One load reports every problem of the file, one line each, in file order."""
    problems = _problems(BROKEN)
    assert len(problems) == 11
    lines = [int(problem[len(str(BROKEN)) + 1 :].split(":")[0]) for problem in problems]
    assert lines[1:] == sorted(lines[1:])


def test_missing_name_and_steps_are_both_reported() -> None:
    """A file with neither name nor steps gets one line for each."""
    path = DATA / "nameless.yaml"
    assert _problems(path) == [
        f"{path}:1:1: name: required field is missing",
        f"{path}:1:1: steps: required field is missing",
    ]


def test_inline_yaml_error_is_counted_inside_the_file(tmp_path: Path) -> None:
    """A syntax error in an inline manifest is reported at its line in the scenario file."""
    path = tmp_path / "inline.yaml"
    path.write_text(
        "name: inline\nsteps:\n  - apply: |\n      apiVersion: v1\n      kind: [ConfigMap\n"
    )
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:")
    assert int(problem.split(":")[1]) >= 5
    assert "yaml:" in problem


def test_problem_in_a_manifest_file_points_into_that_file(tmp_path: Path) -> None:
    """An invalid object in `apply: {file: ...}` is reported at its line in the manifest file."""
    (tmp_path / "bad.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n"
    )
    path = tmp_path / "scenario.yaml"
    path.write_text("name: filed\nsteps:\n  - apply: {file: bad.yaml}\n")
    (problem,) = _problems(path)
    assert problem.startswith(f"{tmp_path / 'bad.yaml'}:4:3: metadata.name: Invalid value")


def test_bad_within_and_unknown_expect_field_are_reported(tmp_path: Path) -> None:
    """`within` must be a duration and expect accepts only its own fields."""
    path = tmp_path / "expect.yaml"
    path.write_text(
        "name: e\nsteps:\n"
        "  - expect: {resource: pod/p, for: delete, within: soon}\n"
        "  - expect: {resource: pod/p, for: delete, timeout: 5s}\n"
    )
    problems = _problems(path)
    assert problems[0].startswith(f"{path}:3:52: steps[0].expect.within: invalid duration")
    assert problems[1] == (
        f"{path}:4:44: steps[1].expect.timeout: unknown field "
        "(expected one of resource, namespace, for, within, always, never, during)"
    )


def test_unreadable_file_gives_one_clear_line(tmp_path: Path) -> None:
    """A missing scenario file is one line naming it, not a traceback."""
    path = tmp_path / "absent.yaml"
    assert _problems(path) == [f"{path}: cannot read scenario: No such file or directory"]


def test_broken_yaml_gives_one_line_with_its_position() -> None:
    """Unparsable YAML is reported once, with the position the parser stopped at."""
    path = DATA / "broken-yaml.yaml"
    assert _problems(path) == [f"{path}:4:1: yaml: expected ',' or ']', but got '<stream end>'"]


def test_scenario_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    """A list at the top level is refused at 1:1."""
    path = tmp_path / "list.yaml"
    path.write_text("- apply: x\n")
    assert _problems(path) == [f"{path}:1:1: scenario must be a mapping with name and steps"]
