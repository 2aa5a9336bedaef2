"""The `k8s-actors` command: argument parsing and exit codes only.

Exit codes: 0 when every expectation holds, 1 when a step or an expectation fails, 2 for invalid
input (a problem in a scenario or on the command line, reported one line each, nothing run).
Verbs: `run SCENARIO...`, `validate SCENARIO...`, `scenarios` (the bundled ones), `trace ...`
(the trace tools, in `trace_verbs`), `rules` and `fuzz` (the cluster state machine, in
`fuzz_verb`). Scenarios naming invariants (`invariants:`, `expect: {invariant:}`) are checked
and run against the test kit's named checks (`k8s_actors.testing.checks`, imported only then).
Neighbours: `summary` (the report), `progress` (the bar), `k8s_actors.scenario` (the work).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from k8s_actors.cli import fuzz_verb, rules_verb, trace_verbs
from k8s_actors.cli.progress import expected_length, progress_bar, wanted
from k8s_actors.cli.summary import print_failures, print_summary
from k8s_actors.scenario.durations import DurationError, parse_duration
from k8s_actors.scenario.loader import ScenarioError, load_scenario
from k8s_actors.scenario.model import Scenario
from k8s_actors.scenario.runner import InvariantChecks, run_scenario

__all__ = ["BUNDLED", "EXIT_FAILED", "EXIT_INVALID", "EXIT_OK", "entry", "main"]

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
    run_verb.add_argument(
        "--until", default=None, metavar="DURATION", help="stop at this simulated time"
    )
    run_verb.add_argument("--quiet", action="store_true", help="print nothing but failures")
    validate_verb = verbs.add_parser("validate", help="check scenarios without running them")
    validate_verb.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    verbs.add_parser("scenarios", help="list the bundled scenarios")
    trace_verbs.register(verbs)
    rules_verb.register(verbs)
    fuzz_verb.register(verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.verb == "scenarios":
        return _list_bundled()
    if args.verb == "trace":
        return trace_verbs.run(args)
    if args.verb == "rules":
        return rules_verb.run_rules(args)
    if args.verb == "fuzz":
        return fuzz_verb.run_fuzz(args)
    loaded, problems = _load_all(args.scenarios)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    if args.verb == "validate":
        for scenario in loaded:
            print(f"{scenario.path}: ok ({len(scenario.steps)} steps)")
        return EXIT_OK
    return _run_all(args, loaded)


def _load_all(paths: Sequence[str]) -> tuple[list[Scenario], list[str]]:
    loaded: list[Scenario] = []
    problems: list[str] = []
    for path in paths:
        try:
            scenario = load_scenario(path)
            checks = _invariant_checks() if _names_invariants(scenario) else None
            if checks is not None:  # checked again, now against the known names
                scenario = load_scenario(path, invariants=list(checks))
            loaded.append(scenario)
        except ScenarioError as error:
            problems.extend(error.problems)
    return loaded, problems


def _names_invariants(scenario: Scenario) -> bool:
    return bool(scenario.invariants or scenario.invariant_expectations())


def _invariant_checks() -> InvariantChecks | None:
    """The test kit's named invariant checks (imported on first use: it brings Hypothesis and
    pytest); None without them, and the run then reports each name it cannot resolve."""
    try:
        from k8s_actors.testing.checks import LIVENESS, SAFETY
    except ImportError:
        return None
    return {**SAFETY, **LIVENESS}


def _run_all(args: argparse.Namespace, loaded: list[Scenario]) -> int:
    if args.trace and len(loaded) > 1:
        print("k8s-actors: --trace takes one scenario", file=sys.stderr)
        return EXIT_INVALID
    until = None
    if args.until is not None:
        try:
            until = parse_duration(args.until)
        except DurationError as error:
            print(f"k8s-actors: --until: {error}", file=sys.stderr)
            return EXIT_INVALID
    console = Console(quiet=args.quiet)
    status = EXIT_OK
    for scenario in loaded:
        total = expected_length(scenario, until)
        started = time.perf_counter()  # wall time of the run, for the summary only
        with progress_bar(scenario.name, total, wanted(args.quiet)) as progress:
            result = run_scenario(
                scenario,
                seed=args.seed,
                trace_path=args.trace,
                detail=args.detail,
                until=until,
                progress=progress,
                invariant_checks=_invariant_checks() if _names_invariants(scenario) else None,
            )
        print_summary(console, result, time.perf_counter() - started)
        if not result.passed:
            status = EXIT_FAILED
            print_failures(scenario.path, result)
    return status


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
