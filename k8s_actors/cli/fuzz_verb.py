"""`k8s-actors fuzz [MODULE:CLASS]`: run the cluster state machine under a Hypothesis profile.

Role: plays `ClusterMachine` (or a user's subclass, given as `module:Class`, imported from the
current directory) under `--profile ci|thorough` (default thorough), with `--examples`,
`--steps` and `--seed` overriding the profile; shows progress (rich, on a terminal only), then
reports examples run, steps played, faults injected by kind, invariant checks made, failures
with the scenario each wrote, and the wall time. Exit 0 when no property failed, 1 with the
reproduce command otherwise (or the steps that broke the machine itself), 2 for a bad
argument. The machine's own output (one line per failing run while Hypothesis shrinks) is held
back; the report says what matters.
Neighbours: `k8s_actors.cli` (registers the verb), `k8s_actors.testing` (machine, profiles,
stats).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from k8s_actors.cli.progress import wanted

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
DEFAULT_MACHINE = "k8s_actors.testing.machine:ClusterMachine"


def register(verbs: Any) -> None:
    verb = verbs.add_parser("fuzz", help="run the cluster state machine with generated cases")
    verb.add_argument(
        "machine", nargs="?", default=DEFAULT_MACHINE, metavar="MODULE:CLASS",
        help="a ClusterMachine subclass (default: the kit's ClusterMachine)",
    )  # fmt: skip
    verb.add_argument(
        "--profile",
        choices=("ci", "thorough"),
        default="thorough",
        help="Hypothesis profile: ci (5 examples of 6 steps) or thorough (2000 of 40; default)",
    )
    verb.add_argument("--examples", type=int, default=None, metavar="N", help="examples to run")
    verb.add_argument("--steps", type=int, default=None, metavar="N", help="steps per example")
    verb.add_argument(
        "--seed", type=int, default=None, metavar="N", help="Hypothesis seed: the same cases"
    )
    verb.add_argument("--quiet", action="store_true", help="no progress bar")


def run_fuzz(args: argparse.Namespace) -> int:
    try:
        from k8s_actors.testing.machine import ClusterMachine
    except ImportError as error:  # the kit needs Hypothesis and pytest: the `test` extra
        print(f"k8s-actors fuzz: {error} (install k8s-actors[test])", file=sys.stderr)
        return EXIT_INVALID
    for flag in ("examples", "steps"):
        if getattr(args, flag) is not None and getattr(args, flag) < 1:
            print(f"k8s-actors fuzz: --{flag} must be at least 1", file=sys.stderr)
            return EXIT_INVALID
    try:
        machine = _machine_class(args.machine)
    except (ImportError, AttributeError, ValueError) as error:
        print(f"k8s-actors fuzz: {args.machine}: {error}", file=sys.stderr)
        return EXIT_INVALID
    if not (isinstance(machine, type) and issubclass(machine, ClusterMachine)):
        print(f"k8s-actors fuzz: {args.machine} is not a ClusterMachine", file=sys.stderr)
        return EXIT_INVALID
    return _fuzz(machine, args)


def _machine_class(text: str) -> Any:
    module_name, colon, class_name = text.partition(":")
    if not colon or not module_name or not class_name:
        raise ValueError("expected MODULE:CLASS, such as tests.test_cluster:ThreeNodes")
    if os.getcwd() not in sys.path:  # the user's machines live in their project
        sys.path.insert(0, os.getcwd())
    return getattr(importlib.import_module(module_name), class_name)


def _fuzz(machine: Any, args: argparse.Namespace) -> int:
    from hypothesis import seed, settings

    from k8s_actors.testing.machine import run_machine
    from k8s_actors.testing.stats import RunStats

    chosen = settings.get_profile(args.profile)
    overrides: dict[str, Any] = {"report_multiple_bugs": False}
    if args.examples is not None:
        overrides["max_examples"] = args.examples
    if args.steps is not None:
        overrides["stateful_step_count"] = args.steps
    budget = settings(chosen, **overrides)
    stats = RunStats()
    console = Console(file=sys.stdout, soft_wrap=True)  # paths and violations stay whole
    started = time.perf_counter()  # wall time, for the report only
    error: BaseException | None = None
    with _profile(args.profile), _bar(console, budget.max_examples, args.quiet) as show:
        fuzzed = _instrumented(machine, stats, show)
        if args.seed is not None:
            fuzzed = seed(args.seed)(fuzzed)
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # one line per failing run
                run_machine(fuzzed, settings=budget)
        except (Exception, KeyboardInterrupt) as failure:  # a property failed, the machine
            error = failure  # itself broke, or the user stopped the run: report what was done
    _report(console, machine, args, stats, time.perf_counter() - started)
    return _verdict(console, error)


@contextlib.contextmanager
def _profile(name: str) -> Iterator[None]:
    """`name` loaded while the machine runs (strategies read it), the previous one after."""
    from hypothesis import settings

    previous = settings.get_current_profile_name()
    settings.load_profile(name)
    try:
        yield
    finally:
        settings.load_profile(previous)


Show = Callable[[Any], None]


@contextlib.contextmanager
def _bar(console: Console, total: int, quiet: bool) -> Iterator[Show]:
    """A callback showing the tally so far; a live bar only on a terminal."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} examples"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=not wanted(quiet)) as bar:
        task = bar.add_task("fuzz", total=total)

        def show(stats: Any) -> None:
            text = f"fuzz: {stats.steps} steps, {stats.faults_injected} faults"
            bar.update(task, completed=min(stats.examples, total), description=text)

        yield show


def _instrumented(machine: Any, stats: Any, show: Show) -> Any:
    """A subclass of `machine` (same name, so the same scenario file) counting into `stats`."""

    def teardown(self: Any) -> None:
        try:
            machine.teardown(self)
        finally:
            show(stats)

    return type(machine.__name__, (machine,), {"stats": stats, "teardown": teardown})


def _report(
    console: Console, machine: Any, args: argparse.Namespace, stats: Any, wall: float
) -> None:
    seed = f", seed {args.seed}" if args.seed is not None else ""
    console.print(f"k8s-actors fuzz: {machine.__name__}, profile {args.profile}{seed}")
    for line in stats.lines():
        console.print(line, markup=False, highlight=False)
    console.print(f"wall time: {wall:.1f}s", highlight=False)


def _verdict(console: Console, error: BaseException | None) -> int:
    from k8s_actors.testing.machine import PropertyFailed

    if error is None:
        return EXIT_OK
    if isinstance(error, KeyboardInterrupt):
        console.print("interrupted", highlight=False)
    elif isinstance(error, PropertyFailed):
        # The message ends with the reproduce command of the shrunk case.
        console.print(str(error), markup=False, highlight=False)
    else:  # no scenario to show: the steps Hypothesis noted on the error are the account
        for note in getattr(error, "__notes__", []):
            console.print(note, markup=False, highlight=False)
        console.print(f"the machine failed: {type(error).__name__}: {error}", markup=False)
    return EXIT_FAILED
