"""`k8s-actors trace report -o FILE.html`: one self-contained HTML page about a run.

Role: the summary (verdict, steps, expectations, counts per actor and event) and two plots over
simulated time: replicas / ready / available replicas per Deployment (from Deployment records
that carry `replicas`, `ready_replicas` or `available_replicas`; when none do, the number of
live objects per kind instead), and pods per node (from the placements `timeline` reads); for
each load step, a bar chart of the requests each pod answered and a table of the outcomes. No
network: inline CSS and inline SVG. Neighbours: `summary` (the same facts as text),
`timeline` (placements), `report_assets` (style, tables, plots).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from k8s_actors.trace.tools.loading import Line
from k8s_actors.trace.tools.report_assets import CSS, PALETTE, Series, step_plot, table
from k8s_actors.trace.tools.summary import LoadCounts, count_by, expectations, loads, steps, verdict
from k8s_actors.trace.tools.timeline import placements

REPLICA_FIELDS = ("replicas", "ready_replicas", "available_replicas")
CREATION_EVENTS = ("object_stored",)
REMOVAL_EVENTS = ("object_removed",)


def replica_series(lines: Sequence[Line]) -> dict[str, list[tuple[float, float]]]:
    """`<namespace>/<name> <field>` -> points, for each replica count a Deployment record shows."""
    series: dict[str, list[tuple[float, float]]] = {}
    for line in lines:
        record = line.record
        if record.get("kind") != "Deployment":
            continue
        where = f"{record.get('namespace') or ''}/{record.get('name')}".lstrip("/")
        for field in REPLICA_FIELDS:
            value = record.get(field)
            if isinstance(value, int | float) and not isinstance(value, bool):
                series.setdefault(f"{where} {field}", []).append((line.t, float(value)))
    return series


def object_count_series(lines: Sequence[Line]) -> dict[str, list[tuple[float, float]]]:
    """Kind -> points: how many objects of the kind exist, after each creation or removal."""
    live: dict[str, list[tuple[str, str]]] = {}
    series: dict[str, list[tuple[float, float]]] = {}
    for line in lines:
        record, kind = line.record, line.record.get("kind")
        if not isinstance(kind, str) or record["event"] not in CREATION_EVENTS + REMOVAL_EVENTS:
            continue
        key = (str(record.get("namespace") or ""), str(record.get("name")))
        objects = live.setdefault(kind, [])
        if record["event"] in CREATION_EVENTS and key not in objects:
            objects.append(key)
        elif record["event"] in REMOVAL_EVENTS and key in objects:
            objects.remove(key)
        else:
            continue
        points = series.setdefault(kind, [(0.0, 0.0)] if line.t > 0 else [])
        points.append((line.t, float(len(objects))))
    return series


def pods_per_node_series(lines: Sequence[Line]) -> dict[str, list[tuple[float, float]]]:
    """Node -> points: how many placed pods it runs, after each placement or removal."""
    changes: dict[str, list[tuple[float, int]]] = {}
    for pod in placements(lines):
        changes.setdefault(pod.node, []).append((pod.start, 1))
        if pod.end is not None:
            changes[pod.node].append((pod.end, -1))
    series: dict[str, list[tuple[float, float]]] = {}
    for node in sorted(changes):
        count, points = 0, [(0.0, 0.0)]
        for t, delta in sorted(changes[node]):
            count += delta
            points.append((t, float(count)))
        series[node] = points
    return series


def _workload_plot(lines: Sequence[Line], end: float) -> str:
    replicas = replica_series(lines)
    if replicas:
        return "<h2>Replicas per Deployment</h2>" + step_plot(
            "replicas per Deployment", replicas, end, ""
        )
    counts: dict[str, Series] = dict(object_count_series(lines))
    why = "no Deployment replica counts and no object_stored records in this trace"
    return (
        "<h2>Objects per kind</h2>"
        '<p class="meta">No record carries Deployment replica counts '
        "(replicas / ready_replicas / available_replicas): showing live objects per kind.</p>"
        + step_plot("objects per kind", counts, end, why)
    )


def _pods_plot(lines: Sequence[Line], end: float) -> str:
    why = "no pod placements in this trace (no Pod record names a node)"
    pods: dict[str, Series] = dict(pods_per_node_series(lines))
    return "<h2>Pods per node</h2>" + step_plot("pods per node", pods, end, why)


BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, BAR_WIDTH = 18, 6, 260, 560


def pod_bar_chart(load: LoadCounts) -> str:
    """Inline SVG: one horizontal bar per answering pod, as long as the requests it answered."""
    if not load.pods:
        why = f"no pod answered a request of load {load.name}"
        return f'<p class="empty" data-plot="load {escape(load.name)}">{escape(why)}</p>'
    most = max(load.pods.values())
    height = len(load.pods) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    bars = []
    for number, (pod, count) in enumerate(sorted(load.pods.items())):
        top = BAR_GAP + number * (BAR_HEIGHT + BAR_GAP)
        length = max(1.0, count / most * BAR_WIDTH)
        bars.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{top + 13}" text-anchor="end">{escape(pod)}</text>'
            f'<rect class="bar" data-pod="{escape(pod)}" data-count="{count}" x="{LABEL_WIDTH}" '
            f'y="{top}" width="{length:.1f}" height="{BAR_HEIGHT}" fill="{PALETTE[0]}"/>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{top + 13}">{count}</text>'
        )
    width = LABEL_WIDTH + BAR_WIDTH + 60
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="requests per pod of load {escape(load.name)}">' + "".join(bars) + "</svg>"
    )


def _loads_html(lines: Sequence[Line]) -> str:
    parts = []
    for load in loads(lines):
        outcomes = [[outcome, str(count)] for outcome, count in sorted(load.outcomes.items())]
        parts.append(
            f"<h2>Load {escape(load.name)}: requests per pod</h2>"
            + pod_bar_chart(load)
            + table(["outcome", "requests"], outcomes, (1,))
        )
    return "".join(parts)


def _summary_html(lines: Sequence[Line]) -> str:
    step_rows = [
        [f"{r['t']:.3f}s", str(r.get("line", "")), str(r.get("text", ""))] for r in steps(lines)
    ]
    outcome_rows = []
    for outcome, step in expectations(lines):
        text = str(step.get("text", "")) if step else f"step {outcome.get('step')}"
        passed = "pass" if outcome["event"] == "expectation_passed" else "FAIL"
        outcome_rows.append([f"{outcome['t']:.3f}s", text, passed, str(outcome.get("seen", ""))])
    expectations_html = table(["time", "expectation", "result", "seen"], outcome_rows, (0,))
    expectations_html = expectations_html.replace(
        "<td>pass</td>", '<td class="pass">pass</td>'
    ).replace("<td>FAIL</td>", '<td class="fail">FAIL</td>')
    actors = table(["actor", "records"], [[a, str(n)] for a, n in count_by(lines, "actor")], (1,))
    events = table(["event", "records"], [[e, str(n)] for e, n in count_by(lines, "event")], (1,))
    return (
        "<h2>Steps of the user</h2>"
        + table(["time", "line", "step"], step_rows, (0, 1))
        + "<h2>Expectations</h2>"
        + expectations_html
        + f'<h2>Records</h2><div class="counts">{actors}{events}</div>'
    )


def _scenario_name(lines: Sequence[Line]) -> str:
    for line in lines:
        if line.record["event"] == "scenario_started":
            return f"{line.record.get('scenario')} (seed {line.record.get('seed')})"
    return "trace"


def render_report(lines: Sequence[Line], source: str = "") -> str:
    """The whole page as one HTML string."""
    end = lines[-1].t if lines else 0.0
    outcome = verdict(lines)
    title = escape(_scenario_name(lines))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{CSS}</style></head><body>"
        f'<h1>{title} <span class="verdict {outcome}">{outcome}</span></h1>'
        f'<p class="meta">{len(lines)} records over {end:g}s of simulated time'
        f"{' from ' + escape(source) if source else ''}</p>"
        + _workload_plot(lines, end)
        + _pods_plot(lines, end)
        + _loads_html(lines)
        + _summary_html(lines)
        + "</body></html>\n"
    )
