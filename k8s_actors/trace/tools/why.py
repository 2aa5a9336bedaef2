"""`k8s-actors trace why KIND/NAME`: the chain of causes behind a record about an object.

Role: take the first record about the object (or the first of a chosen event), then walk its
span's `parent_span_id` links back to the root span. Each span contributes the record that opened
it and, for a cause, the last record it wrote before its child began (the write that a watch
delivered, for instance). Printed root-first, one line per hop: time, actor, event, object. When
the root span was opened by the user but not recorded, the user's step in effect at that moment
heads the chain. Neighbours: `loading` (records and `ObjectRef`), `follow` (all records about the
object).
"""

from __future__ import annotations

from collections.abc import Sequence

from k8s_actors.trace.tools.loading import Line, ObjectRef, format_time, object_label

_USER = "user"


class SpanIndex:
    """The records of each span, in written order."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self.by_span: dict[str, list[Line]] = {}
        for line in lines:
            span = line.record.get("span_id")
            if isinstance(span, str):
                self.by_span.setdefault(span, []).append(line)

    def records(self, span: object) -> list[Line]:
        return self.by_span.get(span, []) if isinstance(span, str) else []


def target_line(lines: Sequence[Line], ref: ObjectRef, event: str | None = None) -> Line | None:
    """The first record about the object (with `event`, when given)."""
    for line in lines:
        if ref.matches(line.record) and (event is None or line.record["event"] == event):
            return line
    return None


def causal_chain(lines: Sequence[Line], target: Line) -> list[Line]:
    """The hops from the root cause down to `target`, root first."""
    index = SpanIndex(lines)
    own = index.records(target.record.get("span_id"))
    hops = [target]
    if own and own[0] is not target:
        hops.append(own[0])
    child_start = own[0].number if own else target.number
    parent = target.record.get("parent_span_id")
    visited: set[object] = {target.record.get("span_id")}
    while parent not in visited and index.records(parent):
        visited.add(parent)
        records = index.records(parent)
        before_child = [line for line in records if line.number < child_start]
        if before_child and before_child[-1] is not records[0]:
            hops.append(before_child[-1])
        hops.append(records[0])
        child_start = records[0].number
        parent = records[0].record.get("parent_span_id")
    hops.reverse()
    step = _step_in_effect(lines, hops[0], parent)
    return [step, *hops] if step is not None else hops


def _step_in_effect(lines: Sequence[Line], root: Line, unrecorded_parent: object) -> Line | None:
    """The user's latest step before `root`, when the root's caller span was never recorded."""
    if root.record["actor"] == _USER or not isinstance(unrecorded_parent, str):
        return None
    for line in reversed(lines[: _position(lines, root)]):
        if line.record["actor"] == _USER and line.record["event"] == "step_started":
            return line
    return None


def _position(lines: Sequence[Line], wanted: Line) -> int:
    for position, line in enumerate(lines):
        if line is wanted:
            return position
    return len(lines)


def describe(line: Line) -> str:
    """The object column of a hop: the object, or what the user's step said."""
    record = line.record
    if record["event"] == "step_started":
        return f"step {record.get('step')} (line {record.get('line')}): {record.get('text', '')}"
    label = object_label(record)
    verb = record.get("verb")
    return f"{verb} {label}" if verb and label != "-" else label


def render_why(lines: Sequence[Line], ref: ObjectRef, event: str | None = None) -> str:
    """The causal chain as text, root first, or one line saying there is no such record."""
    target = target_line(lines, ref, event)
    if target is None:
        which = f" with event {event}" if event else ""
        return f"no record about {ref}{which} in this trace\n"
    chain = causal_chain(lines, target)
    actor_width = max(len(line.record["actor"]) for line in chain)
    event_width = max(len(line.record["event"]) for line in chain)
    out = [f"why {ref}: {target.record['event']} at {format_time(target.t).strip()}\n"]
    for depth, line in enumerate(chain):
        arrow = "   " if depth == 0 else "-> "
        out.append(
            f"{format_time(line.t)}  {arrow}{line.record['actor']:<{actor_width}}  "
            f"{line.record['event']:<{event_width}}  {describe(line)}\n"
        )
    if "span_id" not in target.record:
        out.append("(the record carries no span: its causes were not traced)\n")
    return "".join(out)
