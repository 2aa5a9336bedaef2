"""Traces read back as dicts or typed records, and validation names every schema violation."""

from __future__ import annotations

from pathlib import Path

import msgspec

from k8s_actors.trace import Tracer, TraceRecord, read_records, read_trace, validate_trace


class Now:
    def __init__(self) -> None:
        self.value = 0.0

    def now(self) -> float:
        return self.value


def head(seq: int, t: float = 0.0, **extra: object) -> bytes:
    record: dict[str, object] = {"t": t, "seq": seq, "actor": "a", "event": "tick", "level": "info"}
    record.update(extra)
    return msgspec.json.encode(record)


def test_reads_a_file_written_by_a_tracer(tmp_path: Path) -> None:
    """read_trace on a path yields each record in order, as written."""
    path = tmp_path / "run.jsonl"
    with path.open("wb") as sink:
        log = Tracer(sink, Now()).logger("a")
        log.info("one", x=1)
        log.warning("two")
    assert [r["event"] for r in read_trace(path)] == ["one", "two"]
    assert [r["event"] for r in read_trace(str(path))] == ["one", "two"]
    assert validate_trace(path) == []


def test_reads_lines_as_bytes_or_text_and_skips_blank_ones() -> None:
    """Lines may be bytes or str; empty lines are ignored."""
    lines: list[bytes | str] = [head(1), "", head(2).decode(), b"\n"]
    assert [r["seq"] for r in read_trace(lines)] == [1, 2]


def test_read_records_types_the_fixed_fields() -> None:
    """read_records gives TraceRecord values; absent optional fields are None."""
    (record,) = read_records([head(1, 2.5, kind="Pod", name="p", other=1)])
    assert record == TraceRecord(
        t=2.5, seq=1, actor="a", event="tick", level="info", kind="Pod", name="p"
    )


def test_valid_trace_has_no_problems() -> None:
    """Increasing seq, non-decreasing t and ordered fixed fields pass."""
    assert validate_trace([head(1, 0.0), head(2, 0.0), head(5, 1.0, kind="Pod", extra=1)]) == []


def test_seq_must_strictly_increase() -> None:
    """A repeated or smaller seq is reported with its record number."""
    problems = validate_trace([head(1), head(1), head(3)])
    assert problems == ["record 2: seq 1 does not increase (1)"]


def test_time_must_not_go_back() -> None:
    """t may stay equal but never decrease."""
    problems = validate_trace([head(1, 2.0), head(2, 2.0), head(3, 1.0)])
    assert problems == ["record 3: t 1.0 goes back in time (2.0)"]


def test_missing_or_mistyped_fixed_field_is_reported() -> None:
    """A record without `actor`, or with a string seq, is a violation."""
    missing = msgspec.json.encode({"t": 0.0, "seq": 1, "event": "tick", "level": "info"})
    mistyped = msgspec.json.encode(
        {"t": 0.0, "seq": "2", "actor": "a", "event": "tick", "level": "info"}
    )
    problems = validate_trace([missing, mistyped])
    assert len(problems) == 2
    assert "record 1" in problems[0] and "actor" in problems[0]
    assert "record 2" in problems[1] and "seq" in problems[1]


def test_event_level_and_field_order_are_checked() -> None:
    """A non-snake_case event, an unknown level and fixed fields out of order are violations."""
    out_of_order = b'{"seq":2,"t":0.0,"actor":"a","event":"tick","level":"info"}'
    problems = validate_trace(
        [head(1, event="PodBound", level="notice"), out_of_order, head(3, x=1, kind="Pod")]
    )
    assert problems == [
        "record 1: event 'PodBound' is not snake_case",
        "record 1: level 'notice' is not one of debug, info, warning, error",
        "record 2: fields out of schema order: seq, t, actor, event, level",
        "record 3: fields out of schema order: t, seq, actor, event, level, x, kind",
    ]
