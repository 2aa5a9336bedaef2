"""Loading traces: raw bytes kept, problems reported as one line, kind names resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8s_actors.trace.tools import Line, ObjectRef, TraceFileError, load_trace


def test_records_keep_their_line_numbers_and_exact_bytes(handmade_path: Path) -> None:
    lines = load_trace(handmade_path)
    raw = handmade_path.read_bytes().splitlines(keepends=True)
    assert [line.raw for line in lines] == raw
    assert lines[3].number == 4 and lines[3].record["kind"] == "Deployment"


def test_a_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(TraceFileError, match=r"nope\.jsonl: cannot read trace") as caught:
        load_trace(tmp_path / "nope.jsonl")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"t":0,"actor":"a","event":"e"}\n{"t":1', ":2: not a JSON record"),
        ("[1, 2]\n", ":1: not a JSON object"),
        ('{"t":"soon","actor":"a","event":"e"}\n', ":1: record has no valid 't' field"),
        ('{"t":0,"event":"e"}\n', ":1: record has no valid 'actor' field"),
    ],
)
def test_a_corrupt_line_is_named_with_its_number(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(text)
    with pytest.raises(TraceFileError) as caught:
        load_trace(path)
    assert problem in str(caught.value) and "\n" not in str(caught.value)


def test_kind_names_resolve_as_kubectl_does() -> None:
    for name in ("po", "pod", "pods", "Pod"):
        assert ObjectRef.parse(f"{name}/x").kind == "Pod"
    assert ObjectRef.parse("widgets/x").kind == "widgets"  # unknown kinds are kept as given


def test_a_request_matches_by_resource_and_a_record_by_kind(handmade: list[Line]) -> None:
    ref = ObjectRef.parse("deploy/web", "shop")
    about = [line.number for line in handmade if ref.matches(line.record)]
    assert about == [4, 6, 10]
    assert not ObjectRef.parse("deploy/web", "other").matches(handmade[3].record)
    request = {"name": "web", "namespace": "shop", "resource": "deployments"}
    assert ref.matches(request)


def test_an_object_without_a_slash_is_refused() -> None:
    with pytest.raises(ValueError, match="KIND/NAME"):
        ObjectRef.parse("web")
