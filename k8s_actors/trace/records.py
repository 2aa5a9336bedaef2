"""The trace record schema: the fixed fields every record starts with, in order.

Role: the contract between the writer (`tracer`) and the readers (`reader`, queries, golden traces).
A record is one JSON object per line. It opens with `t`, `seq`, `actor`, `event`, `level`; then,
when it concerns a Kubernetes object, `kind`, `namespace`, `name`, `uid`, `resource_version`; then,
when it belongs to a trace, `trace_id`, `span_id`, `parent_span_id`; then the event's own
key-values. Neighbours: `tracer` (writes records in this order), `reader` (decodes and validates
them).
"""

from __future__ import annotations

import msgspec

# The fields that open every record, always present.
HEAD_FIELDS: tuple[str, ...] = ("t", "seq", "actor", "event", "level")
# The fields of the Kubernetes object a record concerns, present only when it concerns one.
OBJECT_FIELDS: tuple[str, ...] = ("kind", "namespace", "name", "uid", "resource_version")
# The causal context of the record, present only when it belongs to a trace.
SPAN_FIELDS: tuple[str, ...] = ("trace_id", "span_id", "parent_span_id")
# Every fixed field, in the order a record lists them.
FIELD_ORDER: tuple[str, ...] = HEAD_FIELDS + OBJECT_FIELDS + SPAN_FIELDS

# Levels are the names of the logger methods that produced the record.
LEVELS: tuple[str, ...] = ("debug", "info", "warning", "error")


class TraceRecord(msgspec.Struct, frozen=True, kw_only=True):
    """The fixed fields of one record; the event's own key-values are not part of the type."""

    t: float
    seq: int
    actor: str
    event: str
    level: str
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    parent_span_id: str | None = None
