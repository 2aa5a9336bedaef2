"""The end-of-run report of `k8s-actors run`: rich tables on stdout, failures on stderr.

Role: show each expectation with pass or fail, what was seen and when; the simulated and wall
time; the objects etcd holds per kind; how many trace records and bus messages the run made.
Failures are also one line each on stderr (FILE:LINE: what: seen, when), for scripts and CI.
Neighbours: `k8s_actors.cli` (calls these), `k8s_actors.scenario.runner` (the result).
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from k8s_actors.scenario.durations import format_duration
from k8s_actors.scenario.runner import RunResult


def print_summary(console: Console, result: RunResult, wall: float) -> None:
    """The expectations table, the objects table and one line of totals."""
    table = Table(title=f"{result.scenario} (seed {result.seed})")
    table.add_column("line", justify="right")
    table.add_column("expectation")
    table.add_column("result")
    table.add_column("seen")
    table.add_column("at", justify="right")
    for outcome in result.outcomes:
        verdict = "[green]pass[/green]" if outcome.passed else "[red]FAIL[/red]"
        table.add_row(
            str(outcome.line), outcome.text, verdict, outcome.seen, format_duration(outcome.at)
        )
    console.print(table)
    if result.objects:
        objects = Table(title="objects in etcd")
        objects.add_column("kind")
        objects.add_column("count", justify="right")
        for kind, count in result.objects.items():
            objects.add_row(kind, str(count))
        console.print(objects)
    stopped = " (stopped by --until)" if result.stopped_at is not None else ""
    console.print(
        f"simulated {format_duration(result.simulated_seconds)}{stopped} in {wall:.2f}s wall; "
        f"{result.records} trace records, {result.messages} messages; trace: {result.trace_path}"
    )


def print_failures(path: str, result: RunResult) -> None:
    """One stderr line per failed step or expectation."""
    for line in result.errors:
        print(line, file=sys.stderr)
    for outcome in result.outcomes:
        if outcome.passed:
            continue
        where = f"{path}:{outcome.line}: {outcome.text}"
        if not outcome.reached:
            print(
                f"{where}: not reached (run stopped at {format_duration(outcome.at)})",
                file=sys.stderr,
            )
        else:
            print(
                f"{where}: saw {outcome.seen!r} at {format_duration(outcome.at)}", file=sys.stderr
            )
