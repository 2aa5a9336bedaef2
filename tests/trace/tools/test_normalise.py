"""Normalisation: generated identifiers become placeholders numbered by first appearance."""

from __future__ import annotations

import msgspec

from k8s_actors.trace.tools import Line, Normaliser, normalise_lines


def _records(lines: list[Line]) -> list[dict[str, object]]:
    return [msgspec.json.decode(text) for text in normalise_lines(lines)]


def test_uids_and_span_ids_get_stable_placeholders(handmade: list[Line]) -> None:
    records = _records(handmade)
    assert [r.get("uid") for r in records if "uid" in r] == [
        "uid-1", "uid-2", "uid-1", "uid-3", "uid-4", "uid-3", "uid-1", "uid-3",
    ]  # fmt: skip
    assert [r["span_id"] for r in records if "span_id" in r] == [
        "span-1", "span-1", "span-3", "span-4", "span-5",
    ]  # fmt: skip
    assert records[2]["parent_span_id"] == "span-2" and records[2]["trace_id"] == "trace-1"


def test_template_hash_and_generated_suffixes_are_replaced(handmade: list[Line]) -> None:
    names = [r["name"] for r in _records(handmade) if r.get("kind") in ("ReplicaSet", "Pod")]
    assert names == ["web-hash-1", "web-hash-1-gen-1", "web-hash-1-gen-2", "web-hash-1-gen-1",
                     "web-hash-1-gen-1"]  # fmt: skip


def test_generate_name_marks_a_suffix_as_generated() -> None:
    fields = {"kind": "Job", "name": "run-x2k4p", "generate_name": "run-"}
    note = {"note": "made run-x2k4p, not run-away"}
    line = Line(1, b"", {"t": 0, "actor": "a", "event": "e", **fields, **note})
    record = Normaliser([line]).record(line.record)
    assert record["name"] == "run-gen-1"
    assert record["note"] == "made run-gen-1, not run-away"


def test_user_chosen_names_and_everything_else_stay(handmade: list[Line]) -> None:
    records = _records(handmade)
    assert records[3]["name"] == "web" and records[3]["t"] == 0.5
    assert list(records[3]) == list(handmade[3].record)


def test_two_runs_of_a_real_scenario_normalise_alike(real: list[Line]) -> None:
    text = b"".join(normalise_lines(real))
    assert b"uid-1" in text and b"span-1" in text
    assert b"0000000000000003" not in text  # no raw span id survives
