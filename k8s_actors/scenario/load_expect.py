"""Judging traffic expectations at every finished request of their load.

Role: `expect: {traffic: LOAD, ...}` re-evaluates its condition over the load's running totals
(or its last `last` seconds) each time a request of the load finishes, and once more when the
load ends. `for` without `within` is judged on the final totals (early totals prove nothing: no
request yet means no error yet); with `within` it passes the first moment it holds. `always` and
`never` hold / fail at any finished request during `during`, or until the load ends.
Neighbours: `load_runner` (the loads and their listeners), `load` (the judgement),
`expectations` (the `Outcome` shared with resource expectations), `runner`.
"""

from __future__ import annotations

import asyncio

from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.expectations import Outcome
from k8s_actors.scenario.load import TrafficExpectStep, judge_traffic
from k8s_actors.scenario.load_runner import LoadRun


class _TrafficWatch:
    def __init__(self, cluster: Cluster, step: TrafficExpectStep, load: LoadRun) -> None:
        self.cluster, self.step, self.load = cluster, step, load
        self.holds, self.settled, self.seen, self.at = False, False, "", cluster.now
        self.wake = asyncio.Event()
        self.look()

    def look(self) -> None:
        if self.settled:
            return
        metrics = self.load.tally.metrics(self.cluster.clock.now(), self.step.last)
        self.holds, self.seen = judge_traffic(self.step.condition, metrics)
        self.at = self.cluster.now
        # Without `within`, `for` is judged on the final totals: early totals prove nothing.
        final = self.load.finished.is_set()
        if self.step.mode == "for" and self.step.window == 0:
            self.settled = final
        elif (self.step.mode == "always") != self.holds or final:
            self.settled = True
        if self.settled:
            self.wake.set()

    def passed(self) -> bool:
        if self.step.mode == "for":
            return self.holds
        return self.holds if self.step.mode == "always" else not self.holds


async def check_traffic(
    cluster: Cluster, step: TrafficExpectStep, loads: dict[str, LoadRun]
) -> Outcome:
    """Judge `step` at every finished request until it settles, its window or its load ends."""
    load = loads.get(step.load)
    if load is None:
        known = ", ".join(loads) or "none"
        return _outcome(
            step, False, f'no load named "{step.load}" has started (started: {known})', cluster.now
        )
    watch = _TrafficWatch(cluster, step, load)
    if not watch.settled:
        load.listeners.append(watch.look)
        timer = cluster.clock.call_later(step.window, watch.wake.set) if step.window else None
        try:
            await watch.wake.wait()
        finally:
            load.listeners.remove(watch.look)
            if timer is not None:
                timer.cancel()
    return _outcome(step, watch.passed(), watch.seen, watch.at if watch.settled else cluster.now)


def _outcome(
    step: TrafficExpectStep, passed: bool, seen: str, at: float, reached: bool = True
) -> Outcome:
    return Outcome(
        step=step.index,
        line=step.line,
        text=step.text,
        passed=passed,
        seen=seen,
        at=at,
        where=step.where,
        reached=reached,
    )


def traffic_not_reached(step: TrafficExpectStep, at: float) -> Outcome:
    """The outcome of a traffic expectation the run stopped before deciding."""
    return _outcome(step, False, "not reached", at, reached=False)
