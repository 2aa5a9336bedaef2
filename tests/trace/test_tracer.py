"""The tracer writes ordered, reproducible JSON Lines records through a per-run structlog chain."""

from __future__ import annotations

import asyncio
import io
import random

import msgspec
import pytest
import structlog

import k8s_actors.trace
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects import ConfigMap, Node
from k8s_actors.api.quantity import Quantity
from k8s_actors.kernel import Bus, Clock, Envelope, Mailbox, RequestTimeout, TraceContext, run
from k8s_actors.kernel.faults import AddressSet, Partition
from k8s_actors.trace import FIELD_ORDER, OBJECT_FIELDS, Tracer, read_trace, validate_trace


class FixedTime:
    """A clock whose time the test sets."""

    def __init__(self, now: float = 0.0) -> None:
        self.value = now

    def now(self) -> float:
        return self.value


class Meta(msgspec.Struct, frozen=True):
    name: str
    namespace: str
    uid: str
    resource_version: str


class Pod(msgspec.Struct, frozen=True):
    kind: str
    metadata: Meta


class Resources(msgspec.Struct, frozen=True, rename="camel"):
    cpu_millis: int


GIB = Quantity.parse("1.5Gi")
POD = Pod(kind="Pod", metadata=Meta("web-1", "default", "uid-1", "42"))
SPAN = TraceContext(trace_id="t1", span_id="s2", parent_span_id="s1")


def records(lines: list[bytes]) -> list[dict[str, object]]:
    return list(read_trace(lines))


def test_record_lists_fixed_fields_first_in_schema_order() -> None:
    """t, seq, actor, event, level, object fields, span fields, then the event's key-values."""
    lines: list[bytes] = []
    log = Tracer(lines, FixedTime(2.5)).logger("scheduler")
    log.info("pod_bound", node="node-1", ctx=SPAN, obj=POD)
    assert list(records(lines)[0]) == [*FIELD_ORDER, "node"]


def test_obj_and_ctx_expand_to_their_fields() -> None:
    """obj= gives kind/namespace/name/uid/resource_version; ctx= gives the three span ids."""
    lines: list[bytes] = []
    Tracer(lines, FixedTime()).logger("kubelet/node-1").info("pod_admitted", obj=POD, ctx=SPAN)
    record = records(lines)[0]
    assert record["kind"] == "Pod"
    assert (record["namespace"], record["name"], record["uid"]) == ("default", "web-1", "uid-1")
    assert record["resource_version"] == "42"
    assert (record["trace_id"], record["span_id"], record["parent_span_id"]) == ("t1", "s2", "s1")
    assert "obj" not in record and "ctx" not in record


def test_obj_accepts_real_api_objects() -> None:
    """A kind of the object model expands the same way, cluster-scoped ones with namespace ""."""
    lines: list[bytes] = []
    log = Tracer(lines, FixedTime()).logger("controller")
    config = ConfigMap(metadata=ObjectMeta(name="c", namespace="ns", uid="u", resource_version="3"))
    log.info("config_seen", obj=config)
    log.info("node_seen", obj=Node(metadata=ObjectMeta(name="node-1", uid="n")))
    first, second = records(lines)
    assert [first[k] for k in OBJECT_FIELDS] == ["ConfigMap", "ns", "c", "u", "3"]
    assert [second[k] for k in OBJECT_FIELDS] == ["Node", "", "node-1", "n", ""]


def test_fields_without_object_or_span_are_left_out() -> None:
    """A record about nothing in particular carries only the head fields and its own values."""
    lines: list[bytes] = []
    Tracer(lines, FixedTime()).logger("etcd").info("compacted", revision=7, ctx=None)
    assert list(records(lines)[0]) == ["t", "seq", "actor", "event", "level", "revision"]


def test_time_is_simulated_and_rounded_to_microseconds() -> None:
    """t is the clock's reading rounded to six decimals, not the wall clock."""
    lines: list[bytes] = []
    clock = FixedTime(3600.123456789)
    log = Tracer(lines, clock).logger("a")
    log.info("first")
    clock.value = 7200.0
    log.info("second")
    assert [r["t"] for r in records(lines)] == [3600.123457, 7200.0]


def test_seq_counts_records_of_the_run_across_loggers() -> None:
    """seq increases by one per record, whichever actor writes it; each tracer starts at 1."""
    lines: list[bytes] = []
    tracer = Tracer(lines, FixedTime())
    tracer.logger("a").info("one")
    tracer.logger("b").warning("two")
    tracer.logger("a").bind(extra=1).error("three")
    other: list[bytes] = []
    Tracer(other, FixedTime()).logger("a").debug("four")
    assert [r["seq"] for r in records(lines)] == [1, 2, 3]
    assert [r["level"] for r in records(lines)] == ["info", "warning", "error"]
    assert records(other)[0]["seq"] == 1


def test_bound_values_come_after_fixed_fields() -> None:
    """bind() adds key-values to every record of the returned logger, and a span bound once."""
    lines: list[bytes] = []
    log = Tracer(lines, FixedTime()).logger("controller").bind(ctx=SPAN, worker=3)
    log.info("reconciled", result="ok")
    record = records(lines)[0]
    assert record["span_id"] == "s2"
    assert list(record)[-2:] == ["worker", "result"]


def test_structs_are_encoded_with_their_wire_names_and_unknown_values_as_text() -> None:
    """Structs keep their wire names, quantities print canonically, other values become str."""
    lines: list[bytes] = []
    log = Tracer(lines, FixedTime()).logger("a")
    log.info("sized", requests=Resources(cpu_millis=250), when=complex(1, 2), memory=GIB)
    record = records(lines)[0]
    assert record["requests"] == {"cpuMillis": 250}
    assert record["memory"] == "1536Mi"
    assert record["when"] == "(1+2j)"


def test_binary_file_sink_gets_one_line_per_record() -> None:
    """A file sink receives newline-terminated JSON documents, valid against the schema."""
    sink = io.BytesIO()
    log = Tracer(sink, FixedTime()).logger("a")
    log.info("one", x=1)
    log.info("two", obj=POD)
    text = sink.getvalue()
    assert text.count(b"\n") == 2 and text.endswith(b"\n")
    assert validate_trace(text.splitlines()) == []


def test_tracer_leaves_structlog_global_configuration_alone() -> None:
    """Building and using a tracer does not change structlog's process-wide defaults."""
    before = structlog.get_config()
    Tracer([], FixedTime()).logger("a").info("one")
    assert structlog.get_config() == before


def test_same_calls_give_identical_bytes() -> None:
    """Two tracers fed the same calls write the same bytes."""

    def write() -> list[bytes]:
        lines: list[bytes] = []
        log = Tracer(lines, FixedTime(1.5)).logger("a")
        log.info("one", obj=POD, ctx=SPAN, values=[1, 2], mapping={"b": 1, "a": 2})
        return lines

    assert write() == write()


def test_public_surface_is_curated() -> None:
    """The package exports exactly its documented names, each of which exists."""
    assert sorted(k8s_actors.trace.__all__) == sorted(set(k8s_actors.trace.__all__))
    assert all(hasattr(k8s_actors.trace, name) for name in k8s_actors.trace.__all__)
    assert "Tracer" in k8s_actors.trace.__all__ and "read_trace" in k8s_actors.trace.__all__


# -- the bus tap -------------------------------------------------------------------------------


class Ping(msgspec.Struct, frozen=True):
    n: int


def run_bus(detail: str) -> list[dict[str, object]]:
    """Send one delivered, one partitioned and one unreachable message on a traced bus."""
    lines: list[bytes] = []

    async def main() -> None:
        clock = Clock()
        clock.bind(asyncio.get_running_loop())
        bus = Bus(clock, random.Random(1), default_latency=0.5)
        tracer = Tracer(lines, clock, detail="messages" if detail == "messages" else "events")
        tracer.attach(bus)
        bus.register("b", Mailbox())
        bus.register("c", Mailbox())
        bus.faults.append(Partition(source=AddressSet(("a",)), target=AddressSet(("c",))))
        bus.send("a", "b", Ping(1), SPAN)
        bus.send("a", "c", Ping(2))
        bus.send("a", "nobody", Ping(3))
        await clock.sleep(1.0)

    run(main)
    return records(lines)


def test_messages_detail_records_every_delivery_outcome() -> None:
    """With detail="messages" each send yields a message_* record with src, dst and payload type."""
    trace = run_bus("messages")
    by_event = {str(r["event"]): r for r in trace}
    assert sorted(by_event) == ["message_delivered", "message_dropped", "message_unreachable"]
    delivered = by_event["message_delivered"]
    assert (delivered["src"], delivered["dst"], delivered["payload"]) == ("a", "b", "Ping")
    assert (delivered["t"], delivered["sent_at"], delivered["msg_seq"]) == (0.5, 0.0, 1)
    assert delivered["span_id"] == "s2" and delivered["actor"] == "bus"
    assert by_event["message_dropped"]["reason"] == "partition"
    assert validate_trace([msgspec.json.encode(r) for r in trace]) == []


def test_events_detail_installs_no_tap() -> None:
    """In the default "events" mode bus deliveries leave no record and no tap is installed."""
    assert run_bus("events") == []


def test_late_reply_is_recorded_with_its_correlation() -> None:
    """A reply to a request that already timed out is recorded as message_late_reply."""
    lines: list[bytes] = []

    async def main() -> None:
        clock = Clock()
        clock.bind(asyncio.get_running_loop())
        bus = Bus(clock, random.Random(1), default_latency=1.0)
        Tracer(lines, clock, detail="messages").attach(bus)
        box = Mailbox()
        bus.register("server", box)
        request = asyncio.ensure_future(bus.request("client", "server", Ping(1), timeout=1.5))
        received: list[Envelope] = await box.take()
        bus.reply(received[0], Ping(2))
        with pytest.raises(RequestTimeout):
            await request
        await clock.sleep(1.0)

    run(main)
    late = [r for r in records(lines) if r["event"] == "message_late_reply"]
    assert len(late) == 1 and late[0]["reply_to"] == 1 and late[0]["t"] == 2.0
