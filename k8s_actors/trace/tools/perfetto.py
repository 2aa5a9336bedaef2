"""`k8s-actors trace export --format perfetto`: the trace as Chrome trace-event JSON.

Role: the format ui.perfetto.dev and chrome://tracing open. One process, one track (tid) per
actor named by `thread_name` metadata; each span is a complete event ("ph": "X") on the track of
the actor that opened it, from its first record to its last (at least 1 µs); each record is an
instant event ("ph": "i") carrying its key-values; each parent -> child span link is a flow
("ph": "s" on the parent, "ph": "f" on the child). Timestamps are microseconds of simulated time.
Neighbours: `loading`, `why` (walks the same span links as text).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from k8s_actors.trace.tools.loading import Line, object_label

PID = 1
_MICROS = 1_000_000
_BUS = "bus"  # deliveries carry the sender's span; a span's track is the actor doing the work


class SpanExtent(msgspec.Struct, kw_only=True):
    """Where and when one span ran."""

    span_id: str
    parent: str | None
    actor: str
    name: str
    start: int
    end: int
    named_by_object: bool = False


def _micros(line: Line) -> int:
    return round(line.t * _MICROS)


def span_extents(lines: Sequence[Line]) -> dict[str, SpanExtent]:
    """Every span of the trace by id, in order of first record."""
    spans: dict[str, SpanExtent] = {}
    for line in lines:
        span = line.record.get("span_id")
        if not isinstance(span, str):
            continue
        extent = spans.get(span)
        if extent is None:
            parent = line.record.get("parent_span_id")
            spans[span] = SpanExtent(
                span_id=span,
                parent=parent if isinstance(parent, str) else None,
                actor=line.record["actor"],
                name=_span_name(line),
                start=_micros(line),
                end=_micros(line),
                named_by_object=object_label(line.record) != "-",
            )
        else:
            extent.end = max(extent.end, _micros(line))
            if extent.actor == _BUS and line.record["actor"] != _BUS:
                extent.actor = line.record["actor"]
            if not extent.named_by_object and object_label(line.record) != "-":
                # A span is best named after the object it works on, once a record names it.
                extent.name, extent.named_by_object = _span_name(line), True
    return spans


def _span_name(line: Line) -> str:
    label = object_label(line.record)
    verb = line.record.get("verb")
    if label == "-":
        return " ".join(word for word in (line.record["event"], str(verb or "")) if word)
    words = [str(verb or line.record["event"]), label]
    return " ".join(word for word in words if word)


def actor_tids(lines: Sequence[Line]) -> dict[str, int]:
    """A track number per actor, in order of first record."""
    tids: dict[str, int] = {}
    for line in lines:
        tids.setdefault(line.record["actor"], len(tids) + 1)
    return tids


def chrome_trace(lines: Sequence[Line], process_name: str = "k8s-actors") -> dict[str, Any]:
    """The trace-event JSON document (an object with `traceEvents`)."""
    tids = actor_tids(lines)
    spans = span_extents(lines)
    events: list[dict[str, Any]] = [
        {"ph": "M", "pid": PID, "name": "process_name", "args": {"name": process_name}}
    ]
    events += [
        {"ph": "M", "pid": PID, "tid": tid, "name": "thread_name", "args": {"name": actor}}
        for actor, tid in tids.items()
    ]
    events += [_complete(span, tids) for span in spans.values()]
    events += [_instant(line, tids) for line in lines]
    events += _flows(spans, tids)
    return {"traceEvents": events, "displayTimeUnit": "ms"}


def _complete(span: SpanExtent, tids: dict[str, int]) -> dict[str, Any]:
    return {
        "ph": "X",
        "pid": PID,
        "tid": tids[span.actor],
        "name": span.name,
        "cat": "span",
        "ts": span.start,
        "dur": max(1, span.end - span.start),
        "args": {"span_id": span.span_id, "parent_span_id": span.parent},
    }


def _instant(line: Line, tids: dict[str, int]) -> dict[str, Any]:
    args = {key: value for key, value in line.record.items() if key not in ("t", "actor", "event")}
    return {
        "ph": "i",
        "s": "t",
        "pid": PID,
        "tid": tids[line.record["actor"]],
        "name": line.record["event"],
        "cat": "record",
        "ts": _micros(line),
        "args": args,
    }


def _flows(spans: dict[str, SpanExtent], tids: dict[str, int]) -> list[dict[str, Any]]:
    """A flow from each recorded parent span to each of its children."""
    flows: list[dict[str, Any]] = []
    for number, child in enumerate(
        (span for span in spans.values() if span.parent in spans), start=1
    ):
        parent = spans[str(child.parent)]
        # The start must lie inside the parent's slice for the viewer to bind it there.
        parent_end = parent.start + max(1, parent.end - parent.start)
        start = min(max(child.start, parent.start), parent_end)
        common = {"pid": PID, "cat": "cause", "name": "caused", "id": number}
        flows.append({"ph": "s", "tid": tids[parent.actor], "ts": start, **common})
        flows.append({"ph": "f", "bp": "e", "tid": tids[child.actor], "ts": child.start, **common})
    return flows


def export_perfetto(lines: Sequence[Line]) -> bytes:
    """The trace-event JSON as bytes, ready to write to a file."""
    return msgspec.json.encode(chrome_trace(lines))
