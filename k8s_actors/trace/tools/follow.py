"""`k8s-actors trace follow KIND/NAME`: the life of one object, one line per record about it.

Role: from creation to deletion, each record that names the object: when, which actor, what
event, the resourceVersion it saw, and which of the record's own key-values changed since the
previous record about the object (`node`, `phase`, `pod_ip`, `deletion_timestamp`, ... whatever
the components log). Neighbours: `loading` (`ObjectRef` decides which records are about the
object), `why` (the causes of one of these records).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from k8s_actors.trace.records import FIELD_ORDER
from k8s_actors.trace.tools.loading import Line, ObjectRef, format_time

# Fields that say what the record is, not what the object became: never shown as changes
# (`verb` is shown on every record that has one, as what was done).
_NOT_STATE = (frozenset(FIELD_ORDER) - {"uid"}) | {"verb", "resource"}
_VALUE_WIDTH = 60


def object_lines(lines: Sequence[Line], ref: ObjectRef) -> list[Line]:
    """The records about the object, in written order."""
    return [line for line in lines if ref.matches(line.record)]


def changes(record: dict[str, Any], seen: dict[str, Any]) -> list[str]:
    """`key=value` for each of the record's own fields whose value differs from the last seen."""
    shown = []
    for key, value in record.items():
        if key in _NOT_STATE or seen.get(key, _MISSING) == value:
            continue
        if key not in seen and value in ("", None):
            continue  # an empty field that was never set is no change
        seen[key] = value
        shown.append(f"{key}={_short(value)}")
    return shown


_MISSING = object()


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else _compact(value)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"


def _compact(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ",".join(_compact(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{_compact(v)}" for k, v in value.items()) + "}"
    return str(value)


def render_follow(lines: Sequence[Line], ref: ObjectRef) -> str:
    """The life of the object as text, or one line saying the trace never mentions it."""
    about = object_lines(lines, ref)
    if not about:
        return f"no record about {ref} in this trace\n"
    actor_width = max(len(line.record["actor"]) for line in about)
    event_width = max(len(line.record["event"]) for line in about)
    seen: dict[str, Any] = {}
    out = [f"{ref}: {len(about)} records\n"]
    for line in about:
        record = line.record
        version = record.get("resource_version") or "-"
        verb = f"{record['verb']} " if "verb" in record else ""
        shown = verb + " ".join(changes(record, seen))
        out.append(
            f"{format_time(line.t)}  {record['actor']:<{actor_width}}  "
            f"{record['event']:<{event_width}}  rv={version:<4} {shown}".rstrip()
            + "\n"
        )
    return "".join(out)
