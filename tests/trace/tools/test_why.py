"""`trace why`: the causal chain from the user's step down to a record about an object."""

from __future__ import annotations

from k8s_actors.trace.tools import Line, ObjectRef, causal_chain, render_why, target_line


def test_why_walks_parent_spans_back_to_the_users_step(handmade: list[Line]) -> None:
    assert render_why(handmade, ObjectRef.parse("pods/web-6b8f9c7d5f-q9zzt")) == (
        "why Pod/web-6b8f9c7d5f-q9zzt: pod_bound at 3.000s\n"
        "    0.000s     user                   step_started        "
        "step 0 (line 4): apply 1 object(s)\n"
        "    0.500s  -> kube-apiserver         request_received    create deployments shop/\n"
        "    0.500s  -> kube-apiserver         object_stored       create Deployment shop/web\n"
        "    1.000s  -> deployment-controller  replicaset_created  ReplicaSet shop/web-6b8f9c7d5f\n"
        "    3.000s  -> default-scheduler      pod_bound           Pod shop/web-6b8f9c7d5f-q9zzt\n"
    )


def test_the_chosen_event_picks_the_record_to_explain(handmade: list[Line]) -> None:
    ref = ObjectRef.parse("po/web-6b8f9c7d5f-x2k4p")
    target = target_line(handmade, ref, "pod_running")
    assert target is not None and target.number == 9
    text = render_why(handmade, ref, "pod_running")
    assert "no span" in text  # the kubelet's record was not traced: nothing to walk


def test_a_missing_record_says_so(handmade: list[Line]) -> None:
    text = render_why(handmade, ObjectRef.parse("deploy/web"), "object_removed")
    assert text == "no record about Deployment/web with event object_removed in this trace\n"


def test_a_span_cycle_does_not_loop(handmade: list[Line]) -> None:
    looped = [
        Line(1, b"", {"t": 0, "actor": "a", "event": "x", "span_id": "p", "parent_span_id": "q"}),
        Line(2, b"", {"t": 0, "actor": "b", "event": "y", "span_id": "q", "parent_span_id": "p"}),
    ]
    assert [line.number for line in causal_chain(looped, looped[1])] == [1, 2]


def test_why_a_configmap_of_a_real_run_was_removed(real: list[Line]) -> None:
    lines = render_why(real, ObjectRef.parse("configmap/web-settings"), "object_removed")
    hops = lines.splitlines()[1:]
    assert [hop.split()[1:3] for hop in hops] == [
        ["user", "step_started"],
        ["->", "kube-apiserver"],
        ["->", "kube-apiserver"],
    ]
    assert "delete configmaps/web-settings" in hops[0]
    assert "request_received" in hops[1] and "object_removed" in hops[2]
