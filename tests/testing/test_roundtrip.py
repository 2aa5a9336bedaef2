"""A failure found by the state machine replays as a failing scenario: a deliberately broken
Deployment controller (the `maxSurgeRoundedDown` mutant) end to end, through `k8s-actors run`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from k8s_actors.cli import main
from k8s_actors.testing import (
    Apply,
    ClusterMachine,
    NodeGroup,
    PropertyFailed,
    SetImage,
    Topology,
)
from k8s_actors.testing.machine import run_machine

# maxSurge 25% of 3 rounds up to 1 in Kubernetes; rounded down it is 0, and with
# maxUnavailable 0 the rollout can neither add a new pod nor remove an old one.
WEB: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
        },
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.24"}]},
        },
    },
}


class SurgeRoundedDown(ClusterMachine):
    """The kit's machine on a cluster whose Deployment controller rounds maxSurge down."""

    topology: ClassVar[Topology] = Topology(mutants=("maxSurgeRoundedDown",))
    seed: ClassVar[int] = 5
    settle_seconds: ClassVar[float] = 120.0


def _play_rollout(scenario_dir: Path) -> PropertyFailed:
    """Deploy, roll out a new image, and let teardown judge: the failure it raises."""
    SurgeRoundedDown.scenario_dir = scenario_dir
    machine = SurgeRoundedDown()
    machine.start_workload(WEB)
    machine.safety()
    machine.advance(10.0)
    machine.safety()
    machine.apply_operation(SetImage(name="web", image="nginx:1.25"))
    machine.safety()
    with pytest.raises(PropertyFailed) as failed:
        machine.teardown()
    return failed.value


def _replay(path: Path, trace: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["run", str(path), "--trace", str(trace), "--quiet"])
    return status, capsys.readouterr().err


def test_a_broken_controller_is_found_written_and_replayed_as_the_same_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The machine's failure names eventually_stable and a scenario; `k8s-actors run` on that
    scenario fails on eventually_stable too, twice with byte-identical traces."""
    failure = _play_rollout(tmp_path / "failures")
    assert str(failure).startswith("eventually_stable: Deployment default/web")
    match = re.search(r"reproduce: k8s-actors run (\S+)$", str(failure))
    assert match is not None
    path = Path(match.group(1))
    written = yaml.safe_load(path.read_text())
    assert (written["seed"], written["cluster"]["mutants"]) == (5, ["maxSurgeRoundedDown"])
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()

    first = _replay(path, tmp_path / "first.jsonl", capsys)
    second = _replay(path, tmp_path / "second.jsonl", capsys)
    assert first == second
    status, errors = first
    assert status == 1
    assert "expect invariants eventually_stable" in errors
    assert "saw 'eventually_stable: Deployment default/web" in errors
    assert (tmp_path / "first.jsonl").read_bytes() == (tmp_path / "second.jsonl").read_bytes()

    sound = {key: value for key, value in written["cluster"].items() if key != "mutants"}
    repaired = dict(written, cluster=sound)
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(yaml.safe_dump(repaired, sort_keys=False))
    assert _replay(fixed, tmp_path / "fixed.jsonl", capsys) == (0, "")


def test_without_the_defect_the_machine_passes_the_same_steps(tmp_path: Path) -> None:
    """The same operations on a sound controller converge: the failure is the mutant's."""

    class Sound(SurgeRoundedDown):
        topology: ClassVar[Topology] = Topology()

    Sound.scenario_dir = tmp_path
    machine = Sound()
    machine.start_workload(WEB)
    machine.apply_operation(SetImage(name="web", image="nginx:1.25"))
    machine.teardown()
    assert not list(tmp_path.iterdir())


def test_a_refused_step_is_replayed_as_expected_to_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused commands (an apply into a missing namespace, a scale of nothing) are written
    with expectFailure, and the replay of a liveness failure still fails only on the
    liveness expectation."""
    failure = _play_rollout_with_refusals(tmp_path)
    path = Path(str(failure).rsplit(" ", 1)[-1])
    steps = yaml.safe_load(path.read_text())["steps"]
    assert [step.get("expectFailure", False) for step in steps[:3]] == [False, True, True]
    status, errors = _replay(path, tmp_path / "trace.jsonl", capsys)
    assert status == 1
    assert [line for line in errors.splitlines() if "invariant" not in line] == []


def _play_rollout_with_refusals(scenario_dir: Path) -> PropertyFailed:
    SurgeRoundedDown.scenario_dir = scenario_dir
    machine = SurgeRoundedDown()
    machine.start_workload(WEB)
    elsewhere = dict(WEB, metadata={"name": "api", "namespace": "absent"})
    machine.apply_operation(Apply(manifest=elsewhere))
    machine.apply_operation(SetImage(name="absent", image="nginx:1.25"))
    machine.apply_operation(SetImage(name="web", image="nginx:1.25"))
    with pytest.raises(PropertyFailed) as failed:
        machine.teardown()
    return failed.value


class IgnoresTaints(ClusterMachine):
    """A scheduler that places pods on a node whose taint they do not tolerate."""

    topology: ClassVar[Topology] = Topology(
        groups=(NodeGroup(count=1), NodeGroup(count=1, taints=("dedicated=db:NoSchedule",))),
        mutants=("schedulerIgnoresTaints",),
    )


def test_a_safety_failure_replays_as_the_same_invariant_after_the_same_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Written with the machine's safety invariants as `invariants:`; the replay fails the one
    the machine saw fail, after the same step."""
    IgnoresTaints.scenario_dir = tmp_path
    machine = IgnoresTaints()
    machine.start_workload(WEB)
    machine.safety()
    machine.advance(1.0)
    with pytest.raises(PropertyFailed, match=r"^scheduling_safety: Pod default/web-") as failed:
        machine.safety()
    machine.teardown()  # after a failure: closes the cluster, judges nothing more
    path = Path(str(failed.value).rsplit(" ", 1)[-1])
    assert "scheduling_safety" in yaml.safe_load(path.read_text())["invariants"]
    status, errors = _replay(path, tmp_path / "trace.jsonl", capsys)
    assert status == 1
    (line,) = errors.splitlines()
    assert "invariant scheduling_safety after every step: saw 'after step 1: " in line
    assert "bound to node-2 despite taint dedicated=db:NoSchedule" in line


def test_validate_names_an_unknown_invariant_and_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("name: case\nsteps:\n  - expect: {invariant: eventualy_stable, within: 1m}\n")
    assert main(["validate", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(
        f'{path}:3:25: steps[0].expect.invariant: unknown invariant "eventualy_stable" (known: '
    )
    assert "eventually_stable" in error and "scheduling_safety" in error


class Rollouts(SurgeRoundedDown):
    """The broken cluster, with Hypothesis choosing when to roll out which image."""

    @initialize()
    def start_workload(self) -> None:
        super().start_workload(WEB)

    @rule(image=st.sampled_from(("nginx:1.25", "nginx:1.26")))
    def roll_out(self, image: str) -> None:
        self.apply_operation(SetImage(name="web", image=image))


def test_a_failure_found_by_hypothesis_replays_the_same_way(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run as a test runs a machine (derandomized, no shrinking to keep it short): the scenario
    it writes fails `k8s-actors run` on the same invariant, with the same trace twice."""
    Rollouts.scenario_dir = tmp_path
    budget = settings(
        max_examples=10,
        stateful_step_count=3,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    with pytest.raises(PropertyFailed, match=r"^eventually_stable: ") as failed:
        run_machine(Rollouts, settings=budget)
    path = Path(str(failed.value).rsplit(" ", 1)[-1])
    capsys.readouterr()
    first = _replay(path, tmp_path / "first.jsonl", capsys)
    assert first == _replay(path, tmp_path / "second.jsonl", capsys)
    assert first[0] == 1
    assert "saw 'eventually_stable: Deployment default/web" in first[1]
    assert (tmp_path / "first.jsonl").read_bytes() == (tmp_path / "second.jsonl").read_bytes()
