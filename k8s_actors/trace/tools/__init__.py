"""The trace tools (layer 2): reading a run's trace to see who did what, when and why.

One module per verb of `k8s-actors trace`: `summary`, `filter`, `follow`, `why`, `timeline`,
`diff` (with `normalise`), `perfetto` (export) and `report` (with `report_assets`); `loading`
opens a trace for all of them. Each verb is a pure function from loaded records to text or bytes;
`k8s_actors.cli.trace_verbs` parses the command line and prints. Neighbours: the trace reader and
schema in `k8s_actors.trace`, the object model's registry for kind names.
"""

from k8s_actors.trace.tools.diff import Difference, diff_traces, first_difference, render_difference
from k8s_actors.trace.tools.filter import Criteria, filter_lines, parse_time, render_filter
from k8s_actors.trace.tools.follow import object_lines, render_follow
from k8s_actors.trace.tools.loading import Line, ObjectRef, TraceFileError, load_trace
from k8s_actors.trace.tools.normalise import Normaliser, normalise_lines
from k8s_actors.trace.tools.perfetto import chrome_trace, export_perfetto
from k8s_actors.trace.tools.report import render_report
from k8s_actors.trace.tools.summary import render_summary, summary_tables
from k8s_actors.trace.tools.timeline import Placement, placements, render_timeline
from k8s_actors.trace.tools.why import causal_chain, render_why, target_line

__all__ = [
    "Criteria",
    "Difference",
    "Line",
    "Normaliser",
    "ObjectRef",
    "Placement",
    "TraceFileError",
    "causal_chain",
    "chrome_trace",
    "diff_traces",
    "export_perfetto",
    "filter_lines",
    "first_difference",
    "load_trace",
    "normalise_lines",
    "object_lines",
    "parse_time",
    "placements",
    "render_difference",
    "render_filter",
    "render_follow",
    "render_report",
    "render_summary",
    "render_timeline",
    "render_why",
    "summary_tables",
    "target_line",
]
