"""`trace filter`: matching records out unchanged; times in seconds or Go durations."""

from __future__ import annotations

import msgspec
import pytest

from k8s_actors.trace.tools import Criteria, Line, filter_lines, parse_time, render_filter


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("1.5", 1.5),
        ("2m", 120.0),
        ("1h30m", 5400.0),
        ("250ms", 0.25),
        ("1m0.5s", 60.5),
    ],
)
def test_times_are_seconds_or_go_durations(text: str, seconds: float) -> None:
    assert parse_time(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["2x", "m", "", "1h-2m"])
def test_a_bad_duration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_time(text)


def test_records_pass_through_byte_for_byte(handmade: list[Line]) -> None:
    out = render_filter(handmade, Criteria(kind="po"))
    assert out == b"".join(line.raw for line in handmade[6:9]) + handmade[10].raw


def test_criteria_combine_and_window_is_inclusive(handmade: list[Line]) -> None:
    chosen = filter_lines(handmade, Criteria(actor="default-scheduler", since=3.0, until=3.0))
    assert [line.number for line in chosen] == [8]
    assert [line.number for line in filter_lines(handmade, Criteria(event="step_started"))] == [
        2,
        12,
    ]
    assert filter_lines(handmade, Criteria(namespace="elsewhere")) == []


def test_filter_on_a_real_run_gives_valid_json_lines(real: list[Line]) -> None:
    out = render_filter(real, Criteria(kind="deployments", event="object_stored"))
    records = [msgspec.json.decode(line) for line in out.splitlines()]
    assert len(records) >= 2  # the create, then the patch of step 6
    assert {(r["kind"], r["event"]) for r in records} == {("Deployment", "object_stored")}
    versions = [int(record["resource_version"]) for record in records]
    assert versions == sorted(versions)
