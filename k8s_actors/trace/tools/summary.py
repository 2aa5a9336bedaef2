"""`k8s-actors trace summary`: what happened in a run, at a glance.

Role: counts of records per actor and per event, the user's steps in time order, the
expectations with their outcome, each load's requests per answering pod and per outcome (from
its `load_finished` record, or its `load_request` records when the run stopped first), and the
verdict, as rich tables. `summary_tables` gives the
renderables (the command line prints them in colour); `render_summary` the plain text.
Neighbours: `loading` (input), `report` (the same facts as an HTML page).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from k8s_actors.trace.tools.loading import Line, format_time

USER = "user"


def count_by(lines: Sequence[Line], field: str) -> list[tuple[str, int]]:
    """How many records carry each value of `field`, most frequent first, then by name."""
    counts = Counter(str(line.record.get(field)) for line in lines)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def steps(lines: Sequence[Line]) -> list[dict[str, Any]]:
    """The user's `step_started` records, in order."""
    return [
        line.record
        for line in lines
        if line.record["actor"] == USER and line.record["event"] == "step_started"
    ]


def expectations(lines: Sequence[Line]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Each expectation outcome with the `step_started` record of its step (when present)."""
    started = {record.get("step"): record for record in steps(lines)}
    return [
        (line.record, started.get(line.record.get("step")))
        for line in lines
        if line.record["event"] in ("expectation_passed", "expectation_failed")
    ]


class LoadCounts:
    """One load's results: requests per answering pod and per outcome, by name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pods: dict[str, int] = {}
        self.outcomes: dict[str, int] = {}


def loads(lines: Sequence[Line]) -> list[LoadCounts]:
    """Each load of the run, in the order they started."""
    found: dict[str, LoadCounts] = {}
    finished: set[str] = set()
    for line in lines:
        record, event = line.record, line.record["event"]
        if event not in ("load_started", "load_request", "load_finished"):
            continue
        name = str(record.get("load"))
        counts = found.setdefault(name, LoadCounts(name))
        if event == "load_finished":
            finished.add(name)
            counts.pods = dict(record.get("pods") or {})
            counts.outcomes = dict(record.get("outcomes") or {})
        elif event == "load_request" and name not in finished:
            _bump(counts.outcomes, str(record.get("outcome")))
            if record.get("pod"):
                _bump(counts.pods, str(record["pod"]))
    return list(found.values())


def _bump(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def verdict(lines: Sequence[Line]) -> str:
    """`passed`, `FAILED`, or `unfinished` when no `scenario_finished` record closes the run."""
    for line in reversed(lines):
        if line.record["event"] == "scenario_finished":
            return "passed" if line.record.get("passed") else "FAILED"
    return "unfinished"


def summary_tables(lines: Sequence[Line]) -> list[RenderableType]:
    """The summary as rich renderables, in reading order."""
    span = f"{format_time(lines[-1].t).strip()}" if lines else "0s"
    head = Text(f"{len(lines)} records over {span} of simulated time")
    return [
        head,
        _counts_table("records per actor", "actor", count_by(lines, "actor")),
        _counts_table("records per event", "event", count_by(lines, "event")),
        _steps_table(lines),
        _expectations_table(lines),
        *[_load_table(load) for load in loads(lines)],
        _verdict_text(verdict(lines)),
    ]


def render_summary(lines: Sequence[Line], width: int = 100) -> str:
    """The summary as plain text (no colour), `width` columns wide."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    for renderable in summary_tables(lines):
        console.print(renderable)
    return buffer.getvalue()


def _counts_table(title: str, column: str, counts: list[tuple[str, int]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(column)
    table.add_column("records", justify="right")
    for value, count in counts:
        table.add_row(value, str(count))
    return table


def _steps_table(lines: Sequence[Line]) -> Table:
    table = Table(title="steps of the user", title_justify="left")
    table.add_column("time", justify="right")
    table.add_column("line", justify="right")
    table.add_column("step")
    for record in steps(lines):
        time = format_time(record["t"]).strip()
        table.add_row(time, str(record.get("line", "")), str(record.get("text", "")))
    return table


def _expectations_table(lines: Sequence[Line]) -> Table:
    table = Table(title="expectations", title_justify="left")
    table.add_column("time", justify="right")
    table.add_column("expectation")
    table.add_column("result")
    table.add_column("seen")
    for outcome, step in expectations(lines):
        passed = outcome["event"] == "expectation_passed"
        text = step.get("text", "") if step else f"step {outcome.get('step')}"
        result = "[green]pass[/green]" if passed else "[red]FAIL[/red]"
        table.add_row(format_time(outcome["t"]).strip(), text, result, str(outcome.get("seen", "")))
    return table


def _load_table(load: LoadCounts) -> Table:
    table = Table(title=f"load {load.name}", title_justify="left")
    table.add_column("answered by / outcome")
    table.add_column("requests", justify="right")
    for pod, count in sorted(load.pods.items()):
        table.add_row(f"pod {pod}", str(count))
    for outcome, count in sorted(load.outcomes.items()):
        table.add_row(outcome, str(count))
    return table


def _verdict_text(outcome: str) -> Text:
    style = {"passed": "bold green", "FAILED": "bold red"}.get(outcome, "bold yellow")
    return Text.assemble("verdict: ", (outcome, style))
