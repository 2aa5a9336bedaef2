"""Running a scenario: start a cluster, play its steps in simulated time, judge expectations.

Role: the engine behind `k8s-actors run`. Each step is traced (`step_started`, then its outcome),
expectations are polled every simulated second until they hold or their window closes, and the
result says which held, which failed (with what was expected, what was seen, and when), how long
the run took in simulated and wall time, and how much happened. Neighbours: `loader` (input),
`cluster` (the simulated cluster), `k8s_actors.cli` (prints the result).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from k8s_actors.api.objects.machinery import DeleteOptions
from k8s_actors.client.errors import ApiError
from k8s_actors.kernel import run
from k8s_actors.scenario.cluster import Cluster, Detail, object_to_builtins
from k8s_actors.scenario.jsonpath import evaluate, render
from k8s_actors.scenario.model import ApplyStep, DeleteStep, ExpectStep, Scenario, SleepStep

POLL_SECONDS = 1.0


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """How one expectation ended."""

    step: int
    line: int
    text: str
    passed: bool
    seen: str
    at: float


class RunResult(msgspec.Struct, frozen=True, kw_only=True):
    scenario: str
    seed: int
    trace_path: str
    outcomes: tuple[Outcome, ...]
    errors: tuple[str, ...]
    simulated_seconds: float
    records: int
    messages: int

    @property
    def passed(self) -> bool:
        return not self.errors and all(outcome.passed for outcome in self.outcomes)


def run_scenario(
    scenario: Scenario,
    *,
    seed: int | None = None,
    trace_path: str | Path | None = None,
    detail: Detail = "events",
) -> RunResult:
    """Play `scenario` on a fresh virtual-time cluster, writing the trace to `trace_path`."""
    chosen_seed = scenario.seed if seed is None else seed
    path = Path(trace_path or f"traces/{scenario.name}-{chosen_seed}.jsonl")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as sink:

        async def main() -> RunResult:
            async with Cluster(seed=chosen_seed, trace=sink, detail=detail) as cluster:
                outcomes, errors = await _play(cluster, scenario)
                return RunResult(
                    scenario=scenario.name,
                    seed=chosen_seed,
                    trace_path=str(path),
                    outcomes=tuple(outcomes),
                    errors=tuple(errors),
                    simulated_seconds=cluster.now,
                    records=cluster.tracer.records,
                    messages=cluster.bus.sent,
                )

        return run(main)


async def _play(cluster: Cluster, scenario: Scenario) -> tuple[list[Outcome], list[str]]:
    log = cluster.log
    log.info("scenario_started", scenario=scenario.name, seed=cluster.seed)
    outcomes: list[Outcome] = []
    errors: list[str] = []
    for step in scenario.steps:
        log.info("step_started", step=step.index, line=step.line, text=step.text)
        try:
            match step:
                case ApplyStep():
                    await cluster.apply(list(step.objects))
                case SleepStep():
                    await cluster.advance(step.seconds)
                case DeleteStep():
                    options = DeleteOptions(propagation_policy=step.propagation)
                    await cluster.delete(step.kind, step.namespace, step.name, options)
                case ExpectStep():
                    outcome = await _expect(cluster, step)
                    outcomes.append(outcome)
                    if outcome.passed:
                        log.info("expectation_passed", step=step.index, seen=outcome.seen)
                    else:
                        log.warning("expectation_failed", step=step.index, seen=outcome.seen)
        except ApiError as error:
            message = f"{scenario.path}:{step.line}: step {step.index} ({step.text}): {error}"
            errors.append(message)
            log.warning("step_failed", step=step.index, error=str(error), reason=error.reason)
    passed = not errors and all(outcome.passed for outcome in outcomes)
    log.info("scenario_finished", scenario=scenario.name, passed=passed)
    return outcomes, errors


async def _expect(cluster: Cluster, step: ExpectStep) -> Outcome:
    seen = ""

    async def holds() -> bool:
        nonlocal seen
        try:
            obj = await cluster.get(step.kind, step.namespace, step.name)
        except ApiError as error:
            seen = f"error: {error}"
            # kubectl wait --for=delete holds once the object is gone.
            return step.operator == "deleted" and error.code == 404
        if step.operator == "deleted":
            seen = "exists"
            return False
        seen = render(evaluate(step.path, object_to_builtins(obj)))
        equal = seen == step.expected
        return equal if step.operator == "=" else not equal

    passed = await cluster.wait_for(holds, timeout=step.within, poll=POLL_SECONDS)
    return Outcome(
        step=step.index, line=step.line, text=step.text, passed=passed, seen=seen, at=cluster.now
    )


def describe_failure(outcome: Outcome, expected: Any = None) -> str:
    return f"line {outcome.line}: {outcome.text}: saw {outcome.seen!r} at t={outcome.at:g}s"
