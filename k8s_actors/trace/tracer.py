"""The tracer of a run: structlog loggers that write ordered JSON Lines records encoded by msgspec.

Role: the only writer of traces. Each run builds its own `Tracer` and its own structlog processor
chain with `structlog.wrap_logger` (never the global `structlog.configure`), so runs in one process
do not share state. A processor puts the fixed fields first, in the order `records` defines, stamps
the simulated time and a per-run sequence number, and expands the `obj=` and `ctx=` conveniences;
the renderer encodes with msgspec. With detail="messages" the tracer also taps the bus and records
every delivery. Nothing here reads the wall clock. Neighbours: `kernel` (Clock, Bus, Logger),
`api.quantity` (encoding), `records` (the schema), `reader` (reads what this writes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from typing import Any, Literal, Protocol, cast

import msgspec
import structlog
from structlog.typing import Processor

from k8s_actors.api.quantity import enc_hook as quantity_enc_hook
from k8s_actors.kernel import Bus, Envelope, Logger, Outcome, TraceContext
from k8s_actors.trace.records import OBJECT_FIELDS, SPAN_FIELDS

Detail = Literal["events", "messages"]

# structlog method names that are not one of the four record levels.
_LEVEL_ALIASES = {"warn": "warning", "exception": "error", "critical": "error", "fatal": "error"}


class SimulatedTime(Protocol):
    """What the tracer needs of a clock: simulated seconds since the run started."""

    def now(self) -> float: ...


class BinarySink(Protocol):
    """A binary file-like object: a trace file opened with "wb"."""

    def write(self, data: bytes, /) -> object: ...


class _LineWriter:
    """The logger structlog wraps: receives each rendered line and hands it to the sink."""

    def __init__(self, sink: BinarySink | list[bytes]) -> None:
        if isinstance(sink, list):
            self.msg: Callable[[bytes], object] = sink.append
        else:
            write = sink.write
            self.msg = lambda line: write(line + b"\n")
        self.debug = self.info = self.warning = self.error = self.critical = self.msg


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
        self._writer = _LineWriter(sink)
        self._encoder = msgspec.json.Encoder(enc_hook=_enc_hook)
        self._processors: list[Processor] = [self._order_fields, self._render]
        self._wrapper = structlog.make_filtering_bound_logger(logging.DEBUG)
        self._bus_log = self.logger("bus")

    def logger(self, actor: str) -> Logger:
        """A bound logger whose records carry `actor`; satisfies the kernel's `Logger`."""
        proxy = structlog.wrap_logger(
            self._writer,
            processors=self._processors,
            wrapper_class=self._wrapper,
            context_class=dict,
            actor=actor,
        )
        return cast(Logger, proxy.bind())

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

    # -- processors ----------------------------------------------------------------------------

    def _order_fields(
        self, _logger: object, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> dict[str, Any]:
        """Build the record with its fixed fields first, in schema order."""
        self.records += 1
        record: dict[str, Any] = {
            "t": round(self.clock.now(), 6),
            "seq": self.records,
            "actor": event_dict.pop("actor", ""),
            "event": event_dict.pop("event"),
            "level": _LEVEL_ALIASES.get(method_name, method_name),
        }
        _put_object(record, event_dict)
        _put_span(record, event_dict)
        record.update(event_dict)
        return record

    def _render(
        self, _logger: object, _method_name: str, event_dict: MutableMapping[str, Any]
    ) -> bytes:
        return self._encoder.encode(event_dict)


def _put_object(record: dict[str, Any], event_dict: MutableMapping[str, Any]) -> None:
    """Expand `obj=` (any object with `.kind` and `.metadata`); explicit fields win."""
    obj = event_dict.pop("obj", None)
    if obj is not None:
        meta = obj.metadata
        event_dict.setdefault("kind", obj.kind)
        event_dict.setdefault("namespace", meta.namespace)
        event_dict.setdefault("name", meta.name)
        event_dict.setdefault("uid", meta.uid)
        event_dict.setdefault("resource_version", meta.resource_version)
    for key in OBJECT_FIELDS:
        if key in event_dict:
            record[key] = event_dict.pop(key)


def _put_span(record: dict[str, Any], event_dict: MutableMapping[str, Any]) -> None:
    """Expand `ctx=` (a `TraceContext`, or None for no trace); explicit fields win."""
    ctx: TraceContext | None = event_dict.pop("ctx", None)
    if ctx is not None:
        event_dict.setdefault("trace_id", ctx.trace_id)
        event_dict.setdefault("span_id", ctx.span_id)
        event_dict.setdefault("parent_span_id", ctx.parent_span_id)
    for key in SPAN_FIELDS:
        if key in event_dict:
            record[key] = event_dict.pop(key)
