"""The `k8s-actors` command: argument parsing and exit codes only.

Exit codes: 0 when every expectation holds, 1 when one fails, 2 for invalid input (a problem in a
scenario or on the command line, reported one line each, nothing run).
Verbs: `run SCENARIO...`, `validate SCENARIO...`, `scenarios` (the bundled ones).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from k8s_actors.scenario.durations import format_duration
from k8s_actors.scenario.loader import ScenarioError, load_scenario
from k8s_actors.scenario.runner import RunResult, run_scenario

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
BUNDLED = Path(__file__).resolve().parent.parent.parent / "scenarios"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="k8s-actors", description="Simulate a Kubernetes cluster."
    )
    verbs = parser.add_subparsers(dest="verb", required=True)
    run_verb = verbs.add_parser("run", help="run scenarios and judge their expectations")
    run_verb.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    run_verb.add_argument("--seed", type=int, default=None, help="override the scenario's seed")
    run_verb.add_argument("--trace", default=None, metavar="PATH", help="where to write the trace")
    run_verb.add_argument("--detail", choices=("events", "messages"), default="events")
    run_verb.add_argument("--quiet", action="store_true", help="print nothing but failures")
    validate_verb = verbs.add_parser("validate", help="check scenarios without running them")
    validate_verb.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    verbs.add_parser("scenarios", help="list the bundled scenarios")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.verb == "scenarios":
        return _list_bundled()
    loaded = []
    problems: list[str] = []
    for path in args.scenarios:
        try:
            loaded.append(load_scenario(path))
        except ScenarioError as error:
            problems.extend(error.problems)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    if args.verb == "validate":
        for scenario in loaded:
            print(f"{scenario.path}: ok ({len(scenario.steps)} steps)")
        return EXIT_OK
    if args.trace and len(loaded) > 1:
        print("k8s-actors: --trace takes one scenario", file=sys.stderr)
        return EXIT_INVALID
    console = Console(stderr=False, quiet=args.quiet)
    status = EXIT_OK
    for scenario in loaded:
        started = time.perf_counter()  # wall time of the run, for the summary only
        result = run_scenario(scenario, seed=args.seed, trace_path=args.trace, detail=args.detail)
        wall = time.perf_counter() - started
        _summarise(console, result, wall)
        if not result.passed:
            status = EXIT_FAILED
            for line in result.errors:
                print(line, file=sys.stderr)
            for outcome in result.outcomes:
                if not outcome.passed:
                    print(
                        f"{scenario.path}:{outcome.line}: {outcome.text}: "
                        f"saw {outcome.seen!r} at {format_duration(outcome.at)}",
                        file=sys.stderr,
                    )
    return status


def _summarise(console: Console, result: RunResult, wall: float) -> None:
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
    console.print(
        f"simulated {format_duration(result.simulated_seconds)} in {wall:.2f}s wall; "
        f"{result.records} trace records, {result.messages} messages; trace: {result.trace_path}"
    )


def _list_bundled() -> int:
    for path in sorted(BUNDLED.glob("*.yaml")):
        try:
            scenario = load_scenario(path)
        except ScenarioError:
            continue
        print(f"{path.name:32} {scenario.description}")
    return EXIT_OK


def entry() -> None:
    sys.exit(main())
