"""Judging named invariants during a run: after every step, or within an expectation's window.

Role: the invariants themselves live in the test kit, above this layer; whoever runs a scenario
hands `run_scenario` an `InvariantChecks` mapping (name -> factory binding the check to the run's
`Cluster`; `k8s-actors run` gives `k8s_actors.testing.checks`). `StepInvariants` checks the
top-level `invariants:` after every step, each failing at most once, at the first step after
which it is violated; `expect_invariants` polls an `expect: {invariant: ...}` every
`POLL_SECONDS` until all its names hold at once or its window closes, as the cluster state
machine waits for convergence. Neighbours: `runner` (calls these), `invariant_loader`, `model`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.expectations import Outcome
from k8s_actors.scenario.model import InvariantExpectStep, InvariantRef, Scenario

InvariantCheck = Callable[[], list[str]]
InvariantChecks = Mapping[str, Callable[[Cluster], InvariantCheck]]
"""Invariant name -> factory binding it to a cluster; the check returns its violations."""

POLL_SECONDS = 5.0
SHOWN_VIOLATIONS = 3


def unresolved(scenario: Scenario, checks: InvariantChecks | None) -> list[str]:
    """One error line for each invariant the scenario names that `checks` cannot resolve."""
    known = checks or {}
    named = [(ref.line, ref.name) for ref in scenario.invariants]
    for step in scenario.invariant_expectations():
        named += [(step.line, name) for name in step.names]
    return [
        f"{scenario.path}:{line}: invariant {name}: no check of that name was given to the run"
        for line, name in named
        if name not in known
    ]


def shown(violations: list[str]) -> str:
    """The first violations, and how many more there were."""
    text = "; ".join(violations[:SHOWN_VIOLATIONS])
    more = len(violations) - SHOWN_VIOLATIONS
    return f"{text} (+{more} more)" if more > 0 else text


class StepInvariants:
    """The scenario's top-level invariants bound to one run, checked after every step."""

    def __init__(self, cluster: Cluster, scenario: Scenario, checks: InvariantChecks | None):
        self.cluster = cluster
        known = checks or {}
        self.refs = [ref for ref in scenario.invariants if ref.name in known]
        self.bound = {ref.name: known[ref.name](cluster) for ref in self.refs}
        self.failed: dict[str, Outcome] = {}
        self.steps_checked = 0
        self.last_step = -1

    def after(self, step: int) -> list[Outcome]:
        """Check every invariant not yet failed; the outcomes of those that fail now."""
        self.steps_checked += 1
        self.last_step = step
        failing: list[Outcome] = []
        for ref in self.refs:
            if ref.name in self.failed:
                continue
            violations = self.bound[ref.name]()
            if violations:
                seen = f"after step {step}: {shown(violations)}"
                outcome = self._outcome(ref, passed=False, seen=seen)
                self.failed[ref.name] = outcome
                failing.append(outcome)
        return failing

    def held(self) -> list[Outcome]:
        """A passing outcome for each invariant that never failed."""
        seen = f"held after each of {self.steps_checked} steps"
        return [
            self._outcome(ref, passed=True, seen=seen)
            for ref in self.refs
            if ref.name not in self.failed
        ]

    def _outcome(self, ref: InvariantRef, *, passed: bool, seen: str) -> Outcome:
        return Outcome(
            step=self.last_step,
            line=ref.line,
            text=f"invariant {ref.name} after every step",
            passed=passed,
            seen=seen,
            at=self.cluster.now,
            where=ref.where,
        )


async def expect_invariants(
    cluster: Cluster, step: InvariantExpectStep, checks: InvariantChecks
) -> Outcome:
    """Poll the step's invariants until they all hold at one instant or its window closes."""
    bound = [checks[name](cluster) for name in step.names]
    violations: list[str] = []

    async def all_hold() -> bool:
        nonlocal violations
        violations = [violation for check in bound for violation in check()]
        return not violations

    passed = await cluster.wait_for(all_hold, timeout=step.window, poll=POLL_SECONDS)
    return Outcome(
        step=step.index,
        line=step.line,
        text=step.text,
        passed=passed,
        seen="held" if passed else shown(violations),
        at=cluster.now,
        where=step.where,
    )
