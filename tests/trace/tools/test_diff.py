"""`trace diff`: the first pair of records that differ after normalisation."""

from __future__ import annotations

import msgspec

from k8s_actors.trace.tools import Line, diff_traces, render_difference


def _changed(line: Line, **fields: object) -> Line:
    record = {**line.record, **fields}
    return Line(line.number, msgspec.json.encode(record) + b"\n", record)


def test_runs_that_differ_only_in_generated_ids_are_identical(handmade: list[Line]) -> None:
    other = [_changed(line, uid=f"other-{line.number}") if "uid" in line.record else line
             for line in handmade]  # fmt: skip
    # uids that differ per record are a different shape: the placeholders no longer repeat
    assert diff_traces(handmade, other) is not None
    renamed = [_changed(line, span_id="z" + line.record["span_id"],
                        parent_span_id="z" + line.record["parent_span_id"])
               if "span_id" in line.record else line for line in handmade]  # fmt: skip
    assert diff_traces(handmade, renamed) is None
    assert render_difference(None, records=14) == "identical after normalisation (14 records)\n"


def test_the_first_difference_names_lines_and_fields(handmade: list[Line]) -> None:
    other = list(handmade)
    other[7] = _changed(handmade[7], node="node-3")
    text = render_difference(diff_traces(handmade, other), "a.jsonl", "b.jsonl")
    lines = text.splitlines()
    assert lines[0] == "first difference at record 8:"
    assert lines[1].startswith("  a.jsonl:8: {") and '"node":"node-2"' in lines[1]
    assert lines[2].startswith("  b.jsonl:8: {") and '"node":"node-3"' in lines[2]
    assert lines[3] == "  fields that differ: node"


def test_a_trace_that_ends_early(handmade: list[Line]) -> None:
    text = render_difference(diff_traces(handmade, handmade[:10]), "a", "b")
    assert text.splitlines()[2] == "  b: ends after 10 records"


def test_a_real_run_against_itself(real: list[Line]) -> None:
    assert diff_traces(real, real) is None
