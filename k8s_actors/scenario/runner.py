"""Running a scenario: start its cluster, play its steps in simulated time, judge expectations.

Role: the engine behind `k8s-actors run`. Steps without `at` run in sequence; each step with `at`
runs in its own task at that simulated time from the start, concurrently with the sequence. Every
step is traced (`step_started`, then its outcome). A step that fails (the API refuses it, kubectl
exits non-zero, a fault cannot be injected) is an error naming its file and line; later steps
still run. `until` stops the run at that simulated time; expectations not yet decided then fail
as "not reached". Named invariants (top-level `invariants:`, checked after every step, and
`expect: {invariant: ...}`) are resolved through the `invariant_checks` the caller passes.
Neighbours: `loader` (input), `cluster`, `expectations`, `invariants`, `faults`,
`k8s_actors.cli` (prints the result).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import anyio
import msgspec
from anyio.abc import TaskGroup

from k8s_actors.api.objects.machinery import DeleteOptions
from k8s_actors.client.errors import ApiError
from k8s_actors.kernel import KernelError, run
from k8s_actors.scenario.cluster import Cluster, Detail
from k8s_actors.scenario.expectations import Outcome, check, not_reached
from k8s_actors.scenario.faults import StepFailed, inject
from k8s_actors.scenario.invariants import (
    InvariantChecks,
    StepInvariants,
    expect_invariants,
    unresolved,
)
from k8s_actors.scenario.load import LoadStep, TrafficExpectStep, traffic_expectations
from k8s_actors.scenario.load_expect import check_traffic, traffic_not_reached
from k8s_actors.scenario.load_runner import LoadRun, start_load, wait_for_loads
from k8s_actors.scenario.model import (
    ApplyStep,
    DeleteStep,
    ExpectStep,
    FaultStep,
    InvariantExpectStep,
    KubectlStep,
    RepeatStep,
    Scenario,
    SleepStep,
    Step,
)

__all__ = ["InvariantChecks", "Outcome", "Progress", "RunResult", "run_scenario"]

Progress = Callable[[float], None]


class RunResult(msgspec.Struct, frozen=True, kw_only=True):
    scenario: str
    seed: int
    trace_path: str
    outcomes: tuple[Outcome, ...]
    errors: tuple[str, ...]
    simulated_seconds: float
    records: int
    messages: int
    objects: dict[str, int] = msgspec.field(default_factory=dict)
    stopped_at: float | None = None

    @property
    def passed(self) -> bool:
        return not self.errors and all(outcome.passed for outcome in self.outcomes)


def run_scenario(
    scenario: Scenario,
    *,
    seed: int | None = None,
    trace_path: str | Path | None = None,
    detail: Detail = "events",
    until: float | None = None,
    progress: Progress | None = None,
    invariant_checks: InvariantChecks | None = None,
) -> RunResult:
    """Play `scenario` on a fresh virtual-time cluster, writing the trace to `trace_path`.

    `invariant_checks` resolves the invariant names the scenario uses (see `invariants`).
    """
    chosen_seed = scenario.seed if seed is None else seed
    path = Path(trace_path or f"traces/{scenario.name}-{chosen_seed}.jsonl")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as sink:

        async def main() -> RunResult:
            cluster = Cluster(
                seed=chosen_seed,
                trace=sink,
                detail=detail,
                spec=scenario.cluster,
                workdir=Path(scenario.path).parent,
            )
            async with cluster:
                play = Play(cluster, scenario, invariant_checks)
                finished = await play.run(until, progress)
                objects = count_objects(cluster)
            # Counted once the cluster has stopped, so the records of its shutdown are included.
            return RunResult(
                scenario=scenario.name,
                seed=chosen_seed,
                trace_path=str(path),
                outcomes=tuple(play.all_outcomes()),
                errors=tuple(play.errors),
                simulated_seconds=cluster.now,
                records=cluster.tracer.records,
                messages=cluster.bus.sent,
                objects=objects,
                stopped_at=None if finished else cluster.now,
            )

        return run(main)


def count_objects(cluster: Cluster) -> dict[str, int]:
    """Objects per kind in etcd now, by kind name."""
    counts: dict[str, int] = {}
    for kv in cluster.etcd_store.range("/registry/", prefix=True).kvs:
        kind = str(getattr(kv.value, "kind", "") or "?")
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))


class Play:
    """One playing of a scenario's steps on a cluster, and what came of them."""

    def __init__(
        self, cluster: Cluster, scenario: Scenario, checks: InvariantChecks | None = None
    ) -> None:
        self.cluster = cluster
        self.scenario = scenario
        self.log = cluster.log
        self.outcomes: list[Outcome] = []
        self.errors: list[str] = unresolved(scenario, checks)
        self.checks = checks or {}
        self.invariants = StepInvariants(cluster, scenario, self.checks)
        self._background: TaskGroup | None = None
        self.loads: dict[str, LoadRun] = {}

    async def run(self, until: float | None, progress: Progress | None) -> bool:
        """Play every step; False when `until` stopped the run first."""
        self.log.info("scenario_started", scenario=self.scenario.name, seed=self.cluster.seed)
        finished = False
        async with anyio.create_task_group() as background:
            self._background = background
            if until is not None:
                background.start_soon(self._stop_at, until, background)
            if progress is not None:
                background.start_soon(self._report_progress, progress)
            await self._play_all()
            await wait_for_loads(self.loads)
            finished = True
            background.cancel_scope.cancel()
        if not finished:
            self.log.warning("scenario_stopped", at=self.cluster.now)
        passed = finished and not self.errors and all(o.passed for o in self.all_outcomes())
        self.log.info("scenario_finished", scenario=self.scenario.name, passed=passed)
        return finished

    def all_outcomes(self) -> list[Outcome]:
        """The outcomes, plus "not reached" for each expectation the run never decided."""
        decided = {(outcome.where, outcome.line) for outcome in self.outcomes}
        expectations: list[ExpectStep | InvariantExpectStep] = [
            *self.scenario.expectations(),
            *self.scenario.invariant_expectations(),
        ]
        missing = [
            not_reached(step, self.cluster.now)
            for step in expectations
            if (step.where, step.line) not in decided
        ]
        missing += self.invariants.held()
        missing += [
            traffic_not_reached(step, self.cluster.now)
            for step in traffic_expectations(self.scenario.steps)
            if (step.where, step.line) not in decided
        ]
        return sorted([*self.outcomes, *missing], key=lambda outcome: (outcome.line, outcome.at))

    async def _play_all(self) -> None:
        timed = [step for step in self.scenario.steps if step.at is not None]
        sequence = [step for step in self.scenario.steps if step.at is None]
        async with anyio.create_task_group() as tasks:
            for step in timed:
                tasks.start_soon(self._at, step)
            for step in sequence:
                await self._step(step)

    async def _at(self, step: Step) -> None:
        assert step.at is not None
        await self.cluster.clock.sleep_until(step.at)
        await self._step(step)

    async def _stop_at(self, until: float, group: TaskGroup) -> None:
        await self.cluster.clock.sleep_until(until)
        group.cancel_scope.cancel()

    async def _report_progress(self, progress: Progress) -> None:
        while True:
            progress(self.cluster.now)
            await self.cluster.clock.sleep(1.0)

    def _spawn(self, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        assert self._background is not None
        self._background.start_soon(work)

    async def _step(self, step: Step) -> None:
        self.log.info("step_started", step=step.index, line=step.line, text=step.text)
        try:
            await self._perform(step)
        except ApiError as error:
            self._fail(step, str(error), reason=error.reason)
        except (StepFailed, KernelError) as error:
            self._fail(step, str(error), reason="StepFailed")
        if not isinstance(step, RepeatStep):  # the steps repeated are checked one by one
            for outcome in self.invariants.after(step.index):
                self._judged(outcome)

    def _fail(self, step: Step, message: str, reason: str) -> None:
        self.errors.append(
            f"{self.scenario.path}:{step.line}: step {step.index} ({step.text}): {message}"
        )
        self.log.warning("step_failed", step=step.index, error=message, reason=reason)

    async def _perform(self, step: Step) -> None:
        cluster = self.cluster
        match step:
            case ApplyStep(expect_failure=True):
                await self._apply_refused(step)
            case ApplyStep():
                await cluster.apply(list(step.objects))
            case SleepStep():
                await cluster.advance(step.seconds)
            case DeleteStep():
                options = DeleteOptions(propagation_policy=step.propagation)
                await cluster.delete(step.kind, step.namespace, step.name, options)
            case KubectlStep():
                await self._kubectl(step)
            case ExpectStep():
                await self._expect(step)
            case InvariantExpectStep():
                self._judged(await expect_invariants(cluster, step, self.checks))
            case FaultStep():
                await inject(cluster, step, self._spawn)
            case LoadStep():
                self.loads[step.name] = await start_load(cluster, step, self._spawn)
            case TrafficExpectStep():
                self._judged(await check_traffic(cluster, step, self.loads))
            case RepeatStep():
                for _ in range(step.times):
                    for inner in step.steps:
                        await self._step(inner)

    async def _kubectl(self, step: KubectlStep) -> None:
        if not self.cluster.has_kubectl:
            raise StepFailed("kubectl is not available yet: needs the kubectl component")
        try:
            result = await self.cluster.kubectl(step.command, step.namespace)
        except KernelError:
            if step.expect_failure:  # lost to a network fault: the command failed, as expected
                return
            raise
        self.log.info(
            "kubectl_finished",
            step=step.index,
            exit_code=result.exit_code,
            stdout=result.stdout,
            stderr=result.stderr,
        )
        if step.expect_failure and result.exit_code == 0:
            raise StepFailed("expected kubectl to fail, but it exited 0")
        if not step.expect_failure and result.exit_code != 0:
            detail = result.stderr.strip().splitlines()[:1] or [""]
            raise StepFailed(f"kubectl exited {result.exit_code}: {detail[0]}".rstrip(": "))
        wanted = step.expect_output
        if wanted is not None and not wanted.holds(result.stdout + result.stderr):
            seen = (result.stdout + result.stderr).strip().replace("\n", " | ")[:200]
            raise StepFailed(f"expected the output to {wanted.describe()}, saw {seen!r}")

    async def _apply_refused(self, step: ApplyStep) -> None:
        """An apply expected to fail: refused by the API, or lost to a network fault."""
        try:
            await self.cluster.apply(list(step.objects))
        except (ApiError, KernelError):
            return
        raise StepFailed("expected the apply to fail, but it succeeded")

    async def _expect(self, step: ExpectStep) -> None:
        self._judged(await check(self.cluster, step))

    def _judged(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if outcome.passed:
            self.log.info("expectation_passed", step=outcome.step, seen=outcome.seen)
        else:
            self.log.warning("expectation_failed", step=outcome.step, seen=outcome.seen)
