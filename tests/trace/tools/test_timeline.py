"""`trace timeline`: a Gantt chart of pods per node or per owner, within 100 columns."""

from __future__ import annotations

from k8s_actors.trace.tools import Line, placements, render_timeline

BAR_1 = "···············███████████████████████······································"
BAR_2 = "······················██████████████████████████████████████████████████████"


def test_placements_run_from_binding_to_removal(handmade: list[Line]) -> None:
    [first, second] = placements(handmade)
    assert (first.pod, first.node, first.owner, first.start, first.end) == (
        "web-6b8f9c7d5f-x2k4p",
        "node-1",
        "web-6b8f9c7d5f",
        2.0,
        5.0,
    )
    assert (second.node, second.end) == ("node-2", None)


def test_timeline_by_node(handmade: list[Line]) -> None:
    assert render_timeline(handmade) == (
        "time                  |0s" + " " * 71 + "10s|\n"
        "node node-1 (1 pod)\n"
        f"  web-6b8f9c7d5f-x2k4p|{BAR_1}|\n"
        "node node-2 (1 pod)\n"
        f"  web-6b8f9c7d5f-q9zzt|{BAR_2}|\n"
    )


def test_timeline_by_owner_groups_the_replicaset(handmade: list[Line]) -> None:
    text = render_timeline(handmade, "owner")
    assert text.splitlines()[1] == "owner web-6b8f9c7d5f (2 pods)"
    assert all(len(line) <= 100 for line in text.splitlines())


def test_a_trace_without_placements_says_so(real: list[Line]) -> None:
    assert render_timeline(real) == "no pod placements in this trace\n"
