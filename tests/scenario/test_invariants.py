"""Named invariants in scenarios: `invariants:` after every step, `expect: {invariant:}` within a
window, resolved by the checks the caller gives; refused applies with `expectFailure`."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.invariants import InvariantCheck, InvariantChecks
from k8s_actors.scenario.loader import ScenarioError, load_scenario
from k8s_actors.scenario.runner import RunResult, run_scenario

CONFIGMAP = """\
  - apply: |
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: settings}
"""


def _no_configmaps(cluster: Cluster) -> InvariantCheck:
    def check() -> list[str]:
        found = cluster.etcd_store.range("/registry/configmaps/default/", prefix=True).kvs
        return [f"no_configmaps: {len(found)} found"] if found else []

    return check


def _has_configmap(cluster: Cluster) -> InvariantCheck:
    return lambda: [] if _no_configmaps(cluster)() else ["has_configmap: none yet"]


CHECKS: InvariantChecks = {"no_configmaps": _no_configmaps, "has_configmap": _has_configmap}


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(f"name: invariants\n{body}")
    return path


def _run(tmp_path: Path, body: str, checks: InvariantChecks | None = CHECKS) -> RunResult:
    scenario = load_scenario(_write(tmp_path, body), invariants=list(CHECKS))
    return run_scenario(scenario, trace_path=tmp_path / "trace.jsonl", invariant_checks=checks)


def test_a_top_level_invariant_fails_after_the_step_that_breaks_it(tmp_path: Path) -> None:
    """`invariants:` is checked after every step; the first violation fails it, named."""
    body = "invariants: [no_configmaps]\nsteps:\n  - sleep: 1s\n" + CONFIGMAP + "  - sleep: 1s\n"
    result = _run(tmp_path, body)
    assert not result.passed
    (outcome,) = result.outcomes
    assert (outcome.line, outcome.passed) == (2, False)
    assert outcome.text == "invariant no_configmaps after every step"
    assert outcome.seen == "after step 1: no_configmaps: 1 found"


def test_an_invariant_that_always_holds_passes(tmp_path: Path) -> None:
    result = _run(tmp_path, "invariants: [no_configmaps]\nsteps:\n  - sleep: 1s\n  - sleep: 2s\n")
    assert result.passed
    assert [outcome.seen for outcome in result.outcomes] == ["held after each of 2 steps"]


def test_an_invariant_expectation_passes_once_the_invariant_holds(tmp_path: Path) -> None:
    body = "steps:\n" + CONFIGMAP + "  - expect: {invariant: has_configmap, within: 1m}\n"
    result = _run(tmp_path, body)
    assert result.passed, result.outcomes
    assert result.outcomes[0].text == "expect invariant has_configmap within 1m0s"


def test_an_invariant_expectation_fails_when_the_window_closes(tmp_path: Path) -> None:
    """Polled every 5 s until all named invariants hold at once; the violations are shown."""
    body = "steps:\n  - expect: {invariant: [has_configmap, no_configmaps], within: 12s}\n"
    result = _run(tmp_path, body)
    (outcome,) = result.outcomes
    assert not outcome.passed
    assert outcome.seen == "has_configmap: none yet"
    assert result.simulated_seconds >= 12


def test_a_name_the_run_cannot_resolve_is_an_error_naming_its_line(tmp_path: Path) -> None:
    result = _run(tmp_path, "invariants: [no_configmaps]\nsteps:\n  - sleep: 1s\n", checks={})
    assert not result.passed
    assert result.errors[0].endswith(
        ":2: invariant no_configmaps: no check of that name was given to the run"
    )


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        (
            "invariants: [no_configmaps, nope]\nsteps: []\n",
            "2:29",
            'invariants[1]: unknown invariant "nope" (known: no_configmaps, has_configmap)',
        ),
        (
            "steps:\n  - expect: {invariant: nope, within: 1m}\n",
            "3:25",
            'steps[0].expect.invariant: unknown invariant "nope" (known: ',
        ),
        ("invariants: no_configmaps\nsteps: []\n", "2:13", "invariants: must be a list of"),
        (
            "steps:\n  - expect: {invariant: has_configmap, for: x}\n",
            "3:40",
            "steps[0].expect.for: unknown field (expected one of invariant, within)",
        ),
    ],
)
def test_invariant_forms_are_checked_at_their_node(
    tmp_path: Path, body: str, where: str, message: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, invariants=list(CHECKS))
    assert any(p.startswith(f"{path}:{where}: {message}") for p in caught.value.problems), (
        caught.value.problems
    )


def test_without_known_names_any_invariant_name_loads(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, "invariants: [anything]\nsteps: []\n"))
    assert [ref.name for ref in scenario.invariants] == ["anything"]


def test_an_apply_expected_to_fail_passes_when_the_api_refuses_it(tmp_path: Path) -> None:
    """A refused apply (here: a namespace that does not exist) with expectFailure passes; an
    accepted one fails the step."""
    refused = CONFIGMAP.replace("{name: settings}", "{name: settings, namespace: absent}")
    body = "steps:\n" + refused + "    expectFailure: true\n" + CONFIGMAP
    body += "    expectFailure: true\n"
    result = _run(tmp_path, body)
    assert len(result.errors) == 1
    assert result.errors[0].endswith("expected the apply to fail, but it succeeded")
