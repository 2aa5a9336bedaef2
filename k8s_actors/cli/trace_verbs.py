"""`k8s-actors trace ...`: the command line of the trace tools, parsing and exit codes only.

`register(subparsers)` adds the `trace` verb and its sub-verbs (summary, filter, follow, why,
timeline, diff, export, report) to the main parser; `run(args)` carries one out and returns the
exit code: 0, or 2 with one line on stderr for a missing or corrupt trace or a bad argument
(and, as diff(1) does, 1 from `diff` when the traces differ).
Neighbours: `k8s_actors.cli` (the main parser calls these two), `k8s_actors.trace.tools` (the
work itself).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from k8s_actors.trace.tools import (
    Criteria,
    ObjectRef,
    TraceFileError,
    diff_traces,
    export_perfetto,
    load_trace,
    parse_time,
    render_difference,
    render_follow,
    render_report,
    render_timeline,
    render_why,
    summary_tables,
)
from k8s_actors.trace.tools.filter import render_filter

EXIT_OK, EXIT_DIFFERENT, EXIT_INVALID = 0, 1, 2


def register(subparsers: Any) -> None:
    """Add `trace` and its sub-verbs to the `subparsers` of the main parser."""
    trace = subparsers.add_parser("trace", help="read a run's trace: who did what, when and why")
    verbs = trace.add_subparsers(dest="trace_verb", required=True, metavar="VERB")
    _trace_arg(verbs.add_parser("summary", help="counts, steps, expectations and verdict"))
    _filter_parser(verbs.add_parser("filter", help="matching records as JSON Lines"))
    for verb, text in (("follow", "the life of one object"), ("why", "the causes of a record")):
        parser = verbs.add_parser(verb, help=text)
        _trace_arg(parser)
        parser.add_argument("object", metavar="KIND/NAME")
        parser.add_argument("-n", "--namespace", default=None)
        if verb == "why":
            parser.add_argument("--event", default=None, help="explain this event's first record")
    timeline = verbs.add_parser("timeline", help="a text Gantt chart of pods over time")
    _trace_arg(timeline)
    timeline.add_argument("--by", choices=("node", "owner"), default="node")
    diff = verbs.add_parser("diff", help="where two runs first diverge")
    diff.add_argument("trace_a", metavar="TRACE_A")
    diff.add_argument("trace_b", metavar="TRACE_B")
    export = verbs.add_parser("export", help="convert to a trace viewer's format")
    _trace_arg(export)
    export.add_argument("--format", choices=("perfetto",), default="perfetto")
    export.add_argument("-o", "--output", required=True, metavar="FILE")
    report = verbs.add_parser("report", help="one self-contained HTML page")
    _trace_arg(report)
    report.add_argument("-o", "--output", required=True, metavar="FILE.html")


def _trace_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("trace", metavar="TRACE")


def _filter_parser(parser: argparse.ArgumentParser) -> None:
    _trace_arg(parser)
    for field in ("actor", "kind", "name", "namespace", "event"):
        parser.add_argument(f"--{field}", default=None)
    parser.add_argument("--since", default=None, metavar="T", help="seconds or a Go duration")
    parser.add_argument("--until", default=None, metavar="T", help="seconds or a Go duration")


def run(args: argparse.Namespace) -> int:
    """Carry out `k8s-actors trace <verb>`; the exit code."""
    try:
        return _dispatch(args)
    except (TraceFileError, ValueError) as error:
        print(f"k8s-actors trace: {error}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as error:
        print(f"k8s-actors trace: {error.filename}: {error.strerror}", file=sys.stderr)
        return EXIT_INVALID


def _dispatch(args: argparse.Namespace) -> int:
    verb: str = args.trace_verb
    if verb == "diff":
        a, b = load_trace(args.trace_a), load_trace(args.trace_b)
        difference = diff_traces(a, b)
        print(render_difference(difference, args.trace_a, args.trace_b, len(a)), end="")
        return EXIT_OK if difference is None else EXIT_DIFFERENT
    lines = load_trace(args.trace)
    if verb == "summary":
        console = Console()
        for renderable in summary_tables(lines):
            console.print(renderable)
    elif verb == "filter":
        sys.stdout.flush()
        sys.stdout.buffer.write(render_filter(lines, _criteria(args)))
        sys.stdout.buffer.flush()
    elif verb in ("follow", "why"):
        ref = ObjectRef.parse(args.object, args.namespace)
        text = render_follow(lines, ref) if verb == "follow" else render_why(lines, ref, args.event)
        print(text, end="")
    elif verb == "timeline":
        print(render_timeline(lines, args.by), end="")
    elif verb == "export":
        Path(args.output).write_bytes(export_perfetto(lines))
        print(f"wrote {args.output} ({args.format}); open it in ui.perfetto.dev")
    elif verb == "report":
        Path(args.output).write_text(render_report(lines, args.trace), encoding="utf-8")
        print(f"wrote {args.output}")
    return EXIT_OK


def _criteria(args: argparse.Namespace) -> Criteria:
    return Criteria(
        actor=args.actor,
        kind=args.kind,
        name=args.name,
        namespace=args.namespace,
        event=args.event,
        since=None if args.since is None else parse_time(args.since),
        until=None if args.until is None else parse_time(args.until),
    )
