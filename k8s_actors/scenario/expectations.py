"""Judging `expect` steps at every change of what they look at, in simulated time.

Role: an expectation reads the cluster's state as etcd holds it (the source of truth, which no
network fault hides from the judge) and re-evaluates its condition synchronously on every
committed write to the selected keys, through a watch on etcd's store. So `always` and `never`
see every intermediate state, not samples, and `for` passes at the exact instant it first holds.
Its window is closed by a timer on the run's clock. Neighbours: `selection` (the pure judgement),
`runner` (calls `check`), `k8s_actors.store` (the watch).
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from k8s_actors.api.fields import FieldSelector
from k8s_actors.api.labels import Selector
from k8s_actors.components.apiserver.selectable import selectable_fields
from k8s_actors.scenario.cluster import Cluster, object_to_builtins
from k8s_actors.scenario.model import ExpectStep, Step
from k8s_actors.scenario.selection import Selection, judge
from k8s_actors.store import Event, Store


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """How one expectation ended: passed or not, what was seen, and when (simulated seconds)."""

    step: int
    line: int
    text: str
    passed: bool
    seen: str
    at: float
    where: str = ""
    reached: bool = True


def selected_objects(store: Store, selection: Selection) -> list[Any]:
    """The selected objects as etcd holds them now, as plain data, in key order."""
    key = selection.key_range()
    if selection.name:
        found = store.get(key)
        return [] if found is None else [object_to_builtins(found.value)]
    labels = Selector.parse(selection.label_selector)
    fields = FieldSelector.parse(selection.field_selector)
    chosen: list[Any] = []
    for kv in store.range(key, prefix=True).kvs:
        obj = kv.value
        if not labels.matches(obj.metadata.labels or {}):
            continue
        if not fields.empty and not fields.matches(selectable_fields(obj)):
            continue
        chosen.append(object_to_builtins(obj))
    return chosen


class _Watch:
    """The latest judgement of one expectation, updated on every change."""

    def __init__(self, cluster: Cluster, step: ExpectStep) -> None:
        self.cluster = cluster
        self.step = step
        self.holds = False
        self.settled = False
        self.seen = ""
        self.at = cluster.now
        self.wake = asyncio.Event()
        self.look()

    def look(self) -> None:
        if self.settled:
            return
        objects = selected_objects(self.cluster.etcd_store, self.step.selection)
        self.holds, self.seen = judge(self.step.condition, self.step.selection, objects)
        self.at = self.cluster.now
        # `for` settles by holding once, `always` by failing once, `never` by holding once.
        if (self.step.mode == "always") != self.holds:
            self.settled = True
            self.wake.set()

    def on_events(self, _events: list[Event]) -> None:
        self.look()

    def passed(self) -> bool:
        return self.settled if self.step.mode == "for" else not self.settled


async def check(cluster: Cluster, step: ExpectStep) -> Outcome:
    """Watch `step`'s selection until its condition settles or its window closes."""
    watch = _Watch(cluster, step)
    if not watch.settled and step.window > 0:
        selection = step.selection
        watcher = cluster.etcd_store.watch(
            selection.key_range(), prefix=not selection.name, callback=watch.on_events
        )
        timer = cluster.clock.call_later(step.window, watch.wake.set)
        try:
            await watch.wake.wait()
        finally:
            watcher.cancel()
            timer.cancel()
    # A settled expectation is reported when it settled; an unsettled one when its window closed.
    return Outcome(
        step=step.index,
        line=step.line,
        text=step.text,
        passed=watch.passed(),
        seen=watch.seen,
        at=watch.at if watch.settled else cluster.now,
        where=step.where,
    )


def not_reached(step: Step, at: float) -> Outcome:
    """The outcome of an expectation the run stopped before deciding."""
    return Outcome(
        step=step.index,
        line=step.line,
        text=step.text,
        passed=False,
        seen="not reached",
        at=at,
        where=step.where,
        reached=False,
    )
