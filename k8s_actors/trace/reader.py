"""Reading traces back: decode JSON Lines records and check them against the schema.

Role: the entry point of every trace consumer (queries, golden-trace comparison, tests). Accepts a
path or the lines themselves (what a `Tracer` writing to a list collects). Neighbours: `records`
(the schema), `tracer` (the writer).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import msgspec

from k8s_actors.trace.records import FIELD_ORDER, LEVELS, TraceRecord

TraceSource = str | os.PathLike[str] | Iterable[bytes | str]

_SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_FIELD_RANK = {name: rank for rank, name in enumerate(FIELD_ORDER)}
_decode_any = msgspec.json.Decoder()


def _lines(source: TraceSource) -> Iterator[bytes | str]:
    if isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as file:
            yield from file
    else:
        yield from source


def read_trace(source: TraceSource) -> Iterator[dict[str, Any]]:
    """Every record of a trace, as a dict in written order; blank lines are skipped."""
    for line in _lines(source):
        if line.strip():
            record: dict[str, Any] = _decode_any.decode(line)
            yield record


def read_records(source: TraceSource) -> Iterator[TraceRecord]:
    """The fixed fields of every record, typed."""
    for record in read_trace(source):
        yield msgspec.convert(record, TraceRecord)


def validate_trace(source: TraceSource) -> list[str]:
    """Every way the trace breaks the schema, one message each (empty when it is valid).

    Checks that each record has the fixed fields with the right types, lists them first and in
    schema order, has a snake_case event and a known level; that `seq` strictly increases and that
    `t` never goes back.
    """
    problems: list[str] = []
    last_seq: int | None = None
    last_t = float("-inf")
    for number, record in enumerate(read_trace(source), start=1):
        try:
            typed = msgspec.convert(record, TraceRecord)
        except msgspec.ValidationError as error:
            problems.append(f"record {number}: {error}")
            continue
        problems.extend(f"record {number}: {p}" for p in _record_problems(record, typed))
        if last_seq is not None and typed.seq <= last_seq:
            problems.append(f"record {number}: seq {typed.seq} does not increase ({last_seq})")
        if typed.t < last_t:
            problems.append(f"record {number}: t {typed.t} goes back in time ({last_t})")
        last_seq, last_t = typed.seq, max(last_t, typed.t)
    return problems


def _record_problems(record: dict[str, Any], typed: TraceRecord) -> list[str]:
    problems: list[str] = []
    if not _SNAKE_CASE.fullmatch(typed.event):
        problems.append(f"event {typed.event!r} is not snake_case")
    if typed.level not in LEVELS:
        problems.append(f"level {typed.level!r} is not one of {', '.join(LEVELS)}")
    ranks = [_FIELD_RANK.get(key, len(FIELD_ORDER)) for key in record]
    if ranks != sorted(ranks):
        problems.append(f"fields out of schema order: {', '.join(record)}")
    return problems
