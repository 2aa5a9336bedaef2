"""What travels on the bus: an envelope around a payload, with its trace context.

Role: the unit of delivery. The payload is any msgspec Struct of the bus protocol (layer 1); the
kernel never looks inside it. Neighbours: `bus` (creates and delivers envelopes), `mailbox` (queues
them).
"""

from __future__ import annotations

import msgspec


class TraceContext(msgspec.Struct, frozen=True, gc=False):
    """W3C-style causal context: which trace a message belongs to and which span sent it."""

    trace_id: str
    span_id: str
    parent_span_id: str | None = None


class Envelope(msgspec.Struct, frozen=True, gc=False):
    """One message on the bus.

    `correlation` is non-zero for a request that expects a reply; a reply carries the request's
    correlation in `reply_to`.
    """

    seq: int
    src: str
    dst: str
    payload: object
    ctx: TraceContext | None = None
    correlation: int = 0
    reply_to: int = 0
    sent_at: float = 0.0
