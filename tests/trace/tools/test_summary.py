"""`trace summary`: counts, the user's steps, the expectations and the verdict."""

from __future__ import annotations

from k8s_actors.trace.tools import Line, render_summary
from k8s_actors.trace.tools.summary import count_by, verdict


def test_counts_put_the_busiest_first_then_by_name(handmade: list[Line]) -> None:
    assert count_by(handmade, "actor") == [
        ("user", 5),
        ("deployment-controller", 3),
        ("kube-apiserver", 3),
        ("default-scheduler", 2),
        ("kubelet-node-1", 1),
    ]


def test_summary_lists_steps_expectations_and_verdict(handmade: list[Line]) -> None:
    text = render_summary(handmade, width=80)
    assert "14 records over 10.000s of simulated time" in text
    assert "│ 0.000s │    4 │ apply 1 object(s)            │" in text
    assert "│ 6.000s │ expect deployments/web ready │ pass   │ 2    │" in text
    assert text.rstrip().endswith("verdict: passed")


def test_a_run_without_its_finish_record_is_unfinished(handmade: list[Line]) -> None:
    assert verdict(handmade[:-1]) == "unfinished"
    failed = [*handmade[:-1], Line(99, b"", {**handmade[-1].record, "passed": False})]
    assert verdict(failed) == "FAILED"


def test_summary_of_a_real_run(real: list[Line]) -> None:
    text = render_summary(real)
    assert "kube-apiserver" in text and "etcd-0" in text
    assert "delete configmaps/web-settings" in text
    passed = sum(line.record["event"] == "expectation_passed" for line in real)
    assert passed >= 6 and text.count(" pass ") == passed
    assert "verdict: passed" in text
