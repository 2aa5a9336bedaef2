"""`k8s-actors trace ...` end to end through the parser its `register` builds."""

from __future__ import annotations

import argparse
from pathlib import Path

import msgspec
import pytest

from k8s_actors.cli import trace_verbs


def trace(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="k8s-actors")
    trace_verbs.register(parser.add_subparsers(dest="verb", required=True))
    return trace_verbs.run(parser.parse_args(["trace", *argv]))


@pytest.mark.parametrize(
    "verb", [["summary"], ["filter"], ["follow", "po/x"], ["why", "po/x"], ["timeline"]]
)
def test_a_missing_trace_exits_2_with_one_line(
    verb: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "gone.jsonl")
    assert trace(verb[0], missing, *verb[1:]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "gone.jsonl: cannot read trace" in err


def test_a_corrupt_trace_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt = tmp_path / "corrupt.jsonl"
    corrupt.write_text('{"t":0,"actor":"a","event":"e"}\n{"t": 1, "act')
    assert trace("diff", str(corrupt), str(corrupt)) == 2
    err = capsys.readouterr().err
    assert err == f"k8s-actors trace: {corrupt}:2: not a JSON record: Input data was truncated\n"


def test_bad_arguments_exit_2_with_one_line(
    handmade_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert trace("filter", str(handmade_path), "--since", "soon") == 2
    assert trace("follow", str(handmade_path), "web") == 2
    assert capsys.readouterr().err.splitlines() == [
        "k8s-actors trace: invalid duration 'soon': use seconds or a Go duration like 2m",
        "k8s-actors trace: expected KIND/NAME, got 'web'",
    ]


def test_filter_writes_the_raw_lines(
    handmade_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert trace("filter", str(handmade_path), "--event", "pod_bound", "--until", "2.5s") == 0
    out = capsysbinary.readouterr().out
    assert out == handmade_path.read_bytes().splitlines(keepends=True)[6]


def test_text_verbs_print_their_report(
    handmade_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(handmade_path)
    assert trace("summary", path) == 0
    assert "verdict: passed" in capsys.readouterr().out
    assert trace("follow", path, "pod/web-6b8f9c7d5f-q9zzt", "-n", "shop") == 0
    assert "node=node-2" in capsys.readouterr().out
    assert trace("why", path, "rs/web-6b8f9c7d5f", "--event", "replicaset_created") == 0
    assert capsys.readouterr().out.splitlines()[1].split()[1:3] == ["user", "step_started"]
    assert trace("timeline", path, "--by", "owner") == 0
    assert "owner web-6b8f9c7d5f (2 pods)" in capsys.readouterr().out


def test_diff_exits_1_when_runs_differ(
    handmade_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shorter = tmp_path / "short.jsonl"
    shorter.write_bytes(b"".join(handmade_path.read_bytes().splitlines(keepends=True)[:5]))
    assert trace("diff", str(handmade_path), str(handmade_path)) == 0
    assert capsys.readouterr().out == "identical after normalisation (14 records)\n"
    assert trace("diff", str(handmade_path), str(shorter)) == 1
    assert "short.jsonl: ends after 5 records" in capsys.readouterr().out


def test_export_and_report_write_their_files(real_trace_path: Path, tmp_path: Path) -> None:
    exported, page = tmp_path / "run.json", tmp_path / "run.html"
    assert trace("export", str(real_trace_path), "--format", "perfetto", "-o", str(exported)) == 0
    assert msgspec.json.decode(exported.read_bytes())["traceEvents"]
    assert trace("report", str(real_trace_path), "-o", str(page)) == 0
    assert "<svg" in page.read_text()
    assert trace("report", str(real_trace_path), "-o", str(tmp_path / "no" / "r.html")) == 2
