"""The tracer of a run: structlog loggers that write ordered JSON Lines records encoded by msgspec.

Role: the only writer of traces. Each run builds its own `Tracer`, whose loggers are structlog
bound loggers of a class of its own (never the global `structlog.configure`), so runs in one
process do not share state. Each call builds its record once: the fixed fields first, in the order
`records` defines, with the simulated time and a per-run sequence number, the `obj=` and `ctx=`
conveniences expanded, then the event's own key-values; msgspec encodes it. With
detail="messages" the tracer also taps the bus and records every delivery. Nothing here reads the
wall clock. Neighbours: `kernel` (Clock, Bus, Logger), `api.quantity` (encoding), `records` (the
schema), `reader` (reads what this writes).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal, Protocol

import msgspec
import structlog

from k8s_actors.api.quantity import enc_hook as quantity_enc_hook
from k8s_actors.kernel import Bus, Envelope, Logger, Outcome, TraceContext
from k8s_actors.trace.records import OBJECT_FIELDS, SPAN_FIELDS

# The object and span fields a call may also give explicitly, overriding obj= and ctx=.
_FIXED_FIELDS = frozenset(OBJECT_FIELDS + SPAN_FIELDS)

Detail = Literal["events", "messages"]


class SimulatedTime(Protocol):
    """What the tracer needs of a clock: simulated seconds since the run started."""

    def now(self) -> float: ...


class BinarySink(Protocol):
    """A binary file-like object: a trace file opened with "wb"."""

    def write(self, data: bytes, /) -> object: ...


def _line_writer(sink: BinarySink | list[bytes]) -> Callable[[bytes], object]:
    """What receives each encoded record: the list's `append`, or a newline-terminated write."""
    if isinstance(sink, list):
        return sink.append
    write = sink.write
    return lambda line: write(line + b"\n")


class _TraceLogger(structlog.BoundLoggerBase):
    """The bound logger of a tracer: structlog's context carrier, writing each record in one step.

    `bind`, `unbind` and `new` are structlog's own; the level methods skip structlog's generic
    processor pipeline (a context copy, a processor loop, a dispatch on the result) and hand the
    event to `Tracer.write`, which builds the ordered record once and encodes it.
    """

    _logger: Tracer

    def debug(self, event: str, *args: Any, **fields: Any) -> None:
        self._logger.write("debug", event % args if args else event, self._context, fields)

    def info(self, event: str, *args: Any, **fields: Any) -> None:
        self._logger.write("info", event % args if args else event, self._context, fields)

    def warning(self, event: str, *args: Any, **fields: Any) -> None:
        self._logger.write("warning", event % args if args else event, self._context, fields)

    def error(self, event: str, *args: Any, **fields: Any) -> None:
        self._logger.write("error", event % args if args else event, self._context, fields)

    def exception(self, event: str, *args: Any, **fields: Any) -> None:
        fields.setdefault("exc_info", True)
        self.error(event, *args, **fields)

    warn = warning
    critical = fatal = msg = error


def _enc_hook(value: Any) -> Any:
    """Quantities as their canonical strings; anything else msgspec cannot encode as `str`."""
    try:
        return quantity_enc_hook(value)
    except NotImplementedError:
        return str(value)


class Tracer:
    """Writes the trace of one run to `sink` (a binary file, or a list collecting encoded lines)."""

    def __init__(
        self,
        sink: BinarySink | list[bytes],
        clock: SimulatedTime,
        *,
        detail: Detail = "events",
    ) -> None:
        self.clock = clock
        self.detail: Detail = detail
        self.records = 0
        self._now = clock.now
        self._emit = _line_writer(sink)
        self._encode = msgspec.json.Encoder(enc_hook=_enc_hook).encode
        # The last clock reading and its rounding: on a virtual clock many records share a time.
        self._last_now = math.nan
        self._last_t = 0.0
        self._bus_log = self.logger("bus")

    def logger(self, actor: str) -> Logger:
        """A bound logger whose records carry `actor`; satisfies the kernel's `Logger`."""
        return _TraceLogger(self, (), {"actor": actor})

    def write(
        self, level: str, event: str, context: dict[str, Any], fields: dict[str, Any]
    ) -> None:
        """Write one record: the fixed fields first, in schema order, then the event's own.

        `context` is the logger's bound values (it holds `actor`); `fields` the call's key-values,
        which win over bound ones. `obj=` and `ctx=` expand to the object and span fields, where
        explicit fields win again.
        """
        actor = context.get("actor")
        if actor is None or len(context) > 1 or "actor" in fields:
            fields = {**context, **fields}
            actor = fields.pop("actor", "")
            fields.pop("event", None)
        now = self._now()
        if now != self._last_now:
            self._last_now = now
            self._last_t = round(now, 6)
        self.records += 1
        record: dict[str, Any] = {
            "t": self._last_t,
            "seq": self.records,
            "actor": actor,
            "event": event,
            "level": level,
        }
        if fields:
            obj = fields.pop("obj", None)
            ctx: TraceContext | None = fields.pop("ctx", None)
            if _FIXED_FIELDS.isdisjoint(fields):
                # No explicit object or span field to weigh against obj= and ctx=: the usual case.
                if obj is not None:
                    meta = obj.metadata
                    record["kind"] = obj.kind
                    record["namespace"] = meta.namespace
                    record["name"] = meta.name
                    record["uid"] = meta.uid
                    record["resource_version"] = meta.resource_version
                if ctx is not None:
                    record["trace_id"] = ctx.trace_id
                    record["span_id"] = ctx.span_id
                    record["parent_span_id"] = ctx.parent_span_id
            else:
                _put_object(record, fields, obj)
                _put_span(record, fields, ctx)
            record.update(fields)
        self._emit(self._encode(record))

    def attach(self, bus: Bus) -> None:
        """Record every bus delivery when detail is "messages"; in "events" mode, do nothing."""
        if self.detail == "messages":
            bus.taps.append(self.bus_tap)

    def bus_tap(self, envelope: Envelope, outcome: Outcome, reason: str) -> None:
        """A kernel `Tap`: one record per delivery outcome, carrying the envelope's span."""
        fields: dict[str, Any] = {
            "src": envelope.src,
            "dst": envelope.dst,
            "payload": type(envelope.payload).__name__,
            "msg_seq": envelope.seq,
            "sent_at": round(envelope.sent_at, 6),
        }
        if envelope.correlation:
            fields["correlation"] = envelope.correlation
        if envelope.reply_to:
            fields["reply_to"] = envelope.reply_to
        if reason:
            fields["reason"] = reason
        log, ctx = self._bus_log, envelope.ctx
        if outcome == "delivered":
            log.debug("message_delivered", ctx=ctx, **fields)
        elif outcome == "dropped":
            log.info("message_dropped", ctx=ctx, **fields)
        elif outcome == "unreachable":
            log.info("message_unreachable", ctx=ctx, **fields)
        else:
            log.info("message_late_reply", ctx=ctx, **fields)


def _put_object(record: dict[str, Any], fields: dict[str, Any], obj: Any) -> None:
    """Move the object fields into `record`, expanding `obj` (anything with `.kind` and
    `.metadata`, or None); explicit fields win."""
    if obj is not None:
        meta = obj.metadata
        pop = fields.pop
        record["kind"] = pop("kind", obj.kind)
        record["namespace"] = pop("namespace", meta.namespace)
        record["name"] = pop("name", meta.name)
        record["uid"] = pop("uid", meta.uid)
        record["resource_version"] = pop("resource_version", meta.resource_version)
        return
    for key in OBJECT_FIELDS:
        if key in fields:
            record[key] = fields.pop(key)


def _put_span(record: dict[str, Any], fields: dict[str, Any], ctx: TraceContext | None) -> None:
    """Move the span fields into `record`, expanding `ctx` (a `TraceContext`, or None for no
    trace); explicit fields win."""
    if ctx is not None:
        pop = fields.pop
        record["trace_id"] = pop("trace_id", ctx.trace_id)
        record["span_id"] = pop("span_id", ctx.span_id)
        record["parent_span_id"] = pop("parent_span_id", ctx.parent_span_id)
        return
    for key in SPAN_FIELDS:
        if key in fields:
            record[key] = fields.pop(key)
