"""Structured traces of a run (layer 2): the tracer that writes them, the schema, the readers.

A run builds one `Tracer` over a binary file (or a list, in tests) and the run's clock, hands
`tracer.logger` to the supervisor as the logger factory, and calls `tracer.attach(bus)` to record
bus deliveries when detail is "messages". `read_trace` and `validate_trace` read the JSON Lines
back. The schema and the catalogue of event names are in docs/trace.md.
"""

from k8s_actors.trace.reader import TraceSource, read_records, read_trace, validate_trace
from k8s_actors.trace.records import (
    FIELD_ORDER,
    HEAD_FIELDS,
    LEVELS,
    OBJECT_FIELDS,
    SPAN_FIELDS,
    TraceRecord,
)
from k8s_actors.trace.tracer import BinarySink, Detail, SimulatedTime, Tracer

__all__ = [
    "FIELD_ORDER",
    "HEAD_FIELDS",
    "LEVELS",
    "OBJECT_FIELDS",
    "SPAN_FIELDS",
    "BinarySink",
    "Detail",
    "SimulatedTime",
    "TraceRecord",
    "TraceSource",
    "Tracer",
    "read_records",
    "read_trace",
    "validate_trace",
]
