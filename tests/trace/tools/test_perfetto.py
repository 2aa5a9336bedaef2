"""`trace export --format perfetto`: Chrome trace-event JSON with tracks, spans and flows."""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.trace.tools import Line, chrome_trace, export_perfetto


def _of(events: list[dict[str, Any]], phase: str) -> list[dict[str, Any]]:
    return [event for event in events if event["ph"] == phase]


def test_one_named_track_per_actor(handmade: list[Line]) -> None:
    events = chrome_trace(handmade)["traceEvents"]
    names = {e["args"]["name"]: e["tid"] for e in _of(events, "M") if e["name"] == "thread_name"}
    assert names == {
        "user": 1,
        "kube-apiserver": 2,
        "deployment-controller": 3,
        "default-scheduler": 4,
        "kubelet-node-1": 5,
    }


def test_spans_are_complete_events_in_microseconds(handmade: list[Line]) -> None:
    spans = _of(chrome_trace(handmade)["traceEvents"], "X")
    assert [(s["name"], s["tid"], s["ts"], s["dur"]) for s in spans] == [
        ("create deployments shop/", 2, 500_000, 1),
        ("replicaset_created ReplicaSet shop/web-6b8f9c7d5f", 3, 1_000_000, 1),
        ("pod_bound Pod shop/web-6b8f9c7d5f-x2k4p", 4, 2_000_000, 1),
        ("pod_bound Pod shop/web-6b8f9c7d5f-q9zzt", 4, 3_000_000, 1),
    ]


def test_every_record_is_an_instant_with_its_fields(handmade: list[Line]) -> None:
    instants = _of(chrome_trace(handmade)["traceEvents"], "i")
    assert len(instants) == len(handmade)
    assert instants[8]["name"] == "pod_running" and instants[8]["args"]["phase"] == "Running"
    assert instants[8]["ts"] == 4_000_000


def test_parent_child_links_are_flows(handmade: list[Line]) -> None:
    events = chrome_trace(handmade)["traceEvents"]
    starts, finishes = _of(events, "s"), _of(events, "f")
    assert [(s["id"], s["tid"], f["tid"]) for s, f in zip(starts, finishes, strict=True)] == [
        (1, 2, 3),
        (2, 3, 4),
        (3, 3, 4),
    ]
    assert all(f["bp"] == "e" for f in finishes)


def test_a_real_run_exports_as_json(real: list[Line]) -> None:
    document = msgspec.json.decode(export_perfetto(real))
    phases = {event["ph"] for event in document["traceEvents"]}
    assert phases == {"M", "X", "i", "s", "f"}
