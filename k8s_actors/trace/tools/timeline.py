"""`k8s-actors trace timeline`: a text Gantt chart of pods per node (or per owner) over time.

Role: read pod placements from the trace (a Pod record carrying `node`, `node_name` or
`nodeName`, as `pod_bound` does), take each pod's life from its placement to its removal (or the
end of the trace), and draw one bar per pod under its node or its owning ReplicaSet, within 100
columns. `placements` is also what the HTML report plots. Neighbours: `loading`, `report`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import msgspec

from k8s_actors.trace.tools.loading import Line

GroupBy = Literal["node", "owner"]
WIDTH = 100
NODE_FIELDS = ("node", "node_name", "nodeName")
OWNER_FIELDS = ("owner", "owner_name", "replicaset")
REMOVAL_EVENTS = ("object_removed",)
# A name generated from generateName ends in `-` and 5 characters of this alphabet
# (k8s.io/apiserver/pkg/storage/names/generate.go, utilrand.String).
_GENERATED_SUFFIX = re.compile(r"-[bcdfghjklmnpqrstvwxz2456789]{5}$")
_LABEL_MAX = 32


class Placement(msgspec.Struct, frozen=True, kw_only=True):
    """One pod on one node, from `start` until `end` (None while it still runs)."""

    pod: str
    namespace: str
    node: str
    owner: str
    start: float
    end: float | None


def _pod_key(line: Line) -> tuple[str, str] | None:
    record = line.record
    if record.get("kind") != "Pod" or not record.get("name"):
        return None
    return (str(record.get("namespace") or ""), str(record["name"]))


def _field(line: Line, names: Sequence[str]) -> str | None:
    for name in names:
        value = line.record.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def placements(lines: Sequence[Line]) -> list[Placement]:
    """Every pod placement in the trace, in order of placement."""
    placed: dict[tuple[str, str], Placement] = {}
    for line in lines:
        key = _pod_key(line)
        if key is None:
            continue
        current = placed.get(key)
        node = _field(line, NODE_FIELDS)
        if current is None and node is not None:
            owner = _field(line, OWNER_FIELDS) or _GENERATED_SUFFIX.sub("", key[1])
            placed[key] = Placement(
                pod=key[1], namespace=key[0], node=node, owner=owner, start=line.t, end=None
            )
        elif current is not None and current.end is None and _removed(line):
            placed[key] = msgspec.structs.replace(current, end=line.t)
    return list(placed.values())


def _removed(line: Line) -> bool:
    return line.record["event"] in REMOVAL_EVENTS


def render_timeline(lines: Sequence[Line], by: GroupBy = "node", width: int = WIDTH) -> str:
    """The Gantt chart as text, or one line saying the trace places no pod."""
    pods = placements(lines)
    if not pods:
        return "no pod placements in this trace\n"
    end = max(lines[-1].t, max(pod.end or pod.start for pod in pods))
    label_width = min(_LABEL_MAX, max(len(pod.pod) for pod in pods) + 2)
    bar_width = width - label_width - 2
    groups: dict[str, list[Placement]] = {}
    for pod in sorted(pods, key=lambda p: (p.node if by == "node" else p.owner, p.start, p.pod)):
        groups.setdefault(pod.node if by == "node" else pod.owner, []).append(pod)
    out = [_axis(label_width, bar_width, end)]
    for group, members in groups.items():
        plural = "" if len(members) == 1 else "s"
        out.append(f"{by} {group} ({len(members)} pod{plural})\n")
        for pod in members:
            label = ("  " + pod.pod)[:label_width].ljust(label_width)
            out.append(f"{label}|{_bar(pod, end, bar_width)}|\n")
    return "".join(out)


def _axis(label_width: int, bar_width: int, end: float) -> str:
    left, right = "0s", f"{end:g}s"
    return f"{'time':<{label_width}}|{left}{right:>{bar_width - len(left)}}|\n"


def _bar(pod: Placement, end: float, bar_width: int) -> str:
    if end <= 0:
        return "█" * bar_width
    first = min(bar_width - 1, int(pod.start / end * bar_width))
    last = bar_width if pod.end is None else max(first + 1, round(pod.end / end * bar_width))
    return "·" * first + "█" * (last - first) + "·" * (bar_width - last)
