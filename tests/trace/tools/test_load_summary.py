"""`trace summary` and `trace report` show each load's requests per pod and per outcome."""

from __future__ import annotations

from typing import Any

from k8s_actors.trace.tools import Line, render_summary
from k8s_actors.trace.tools.report import render_report
from k8s_actors.trace.tools.summary import loads


def _line(number: int, t: float, event: str, **fields: Any) -> Line:
    record = {"t": t, "seq": number, "actor": "load/w", "event": event, "level": "info", **fields}
    return Line(number, b"", record)


def _requests() -> list[Line]:
    return [
        _line(1, 1.0, "load_started", load="w", rps=2.0, duration=2.0, requests=4),
        _line(2, 1.0, "load_request", load="w", n=0, outcome="ok", pod="web-a"),
        _line(3, 1.5, "load_request", load="w", n=1, outcome="ok", pod="web-b"),
        _line(4, 2.0, "load_request", load="w", n=2, outcome="ok", pod="web-a"),
        _line(5, 3.0, "load_request", load="w", n=3, outcome="timeout", pod=""),
    ]


FINISHED = _line(
    6,
    3.0,
    "load_finished",
    load="w",
    requests=4,
    ok=3,
    pods={"web-a": 2, "web-b": 1},
    outcomes={"ok": 3, "timeout": 1},
)


def test_finished_load_counts_come_from_its_summary_record() -> None:
    """The load_finished record gives the per-pod and per-outcome counts."""
    (load,) = loads([*_requests(), FINISHED])
    assert (load.name, load.pods, load.outcomes) == (
        "w",
        {"web-a": 2, "web-b": 1},
        {"ok": 3, "timeout": 1},
    )


def test_unfinished_load_is_counted_from_its_requests() -> None:
    """A run stopped mid-load still shows what its requests did so far."""
    (load,) = loads(_requests()[:4])
    assert load.pods == {"web-a": 2, "web-b": 1} and load.outcomes == {"ok": 3}


def test_summary_shows_a_table_per_load() -> None:
    """Each load gets a table: requests per answering pod, then per outcome."""
    text = render_summary([*_requests(), FINISHED], width=80)
    assert "load w" in text
    assert "│ pod web-a             │        2 │" in text
    assert "│ timeout               │        1 │" in text


def test_summary_without_loads_has_no_load_table() -> None:
    """A run with no load step prints no load table."""
    other = _line(1, 0.0, "scenario_started", scenario="x", seed=1)
    assert loads([other]) == [] and "load " not in render_summary([other], width=80)


def test_report_draws_one_bar_per_pod_as_long_as_its_count() -> None:
    """The HTML report has an inline SVG bar per answering pod; the busiest is the longest."""
    page = render_report([*_requests(), FINISHED])
    assert "<h2>Load w: requests per pod</h2>" in page
    assert page.count('class="bar"') == 2
    assert 'data-pod="web-a" data-count="2" x="260" y="6" width="560.0"' in page
    assert 'data-pod="web-b" data-count="1" x="260" y="30" width="280.0"' in page
    assert "<td>timeout</td>" in page


def test_report_of_a_load_no_pod_answered_says_so() -> None:
    failed = _line(6, 3.0, "load_finished", load="w", pods={}, outcomes={"timeout": 4})
    page = render_report([_requests()[0], failed])
    assert "no pod answered a request of load w" in page and 'class="bar"' not in page
