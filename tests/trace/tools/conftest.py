"""Traces for the trace tools' tests: a small handmade one and a real run of api-basics."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8s_actors.scenario.loader import load_scenario
from k8s_actors.scenario.runner import run_scenario
from k8s_actors.trace.tools import Line, load_trace

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"

# A user applies a Deployment; the apiserver stores it; a controller, woken by the write, creates
# a ReplicaSet whose Pods the scheduler binds to two nodes; one Pod is deleted.
HANDMADE = """\
{"t":0.0,"seq":1,"actor":"user","event":"scenario_started","level":"info","scenario":"mini","seed":7}
{"t":0.0,"seq":2,"actor":"user","event":"step_started","level":"info","step":0,"line":4,"text":"apply 1 object(s)"}
{"t":0.5,"seq":3,"actor":"kube-apiserver","event":"request_received","level":"info","namespace":"shop","name":"","trace_id":"aa","span_id":"s2","parent_span_id":"s1","verb":"create","resource":"deployments","client":"user"}
{"t":0.5,"seq":4,"actor":"kube-apiserver","event":"object_stored","level":"info","kind":"Deployment","namespace":"shop","name":"web","uid":"11111111-2222-4333-8444-555555555555","resource_version":"7","trace_id":"aa","span_id":"s2","parent_span_id":"s1","verb":"create"}
{"t":1.0,"seq":5,"actor":"deployment-controller","event":"replicaset_created","level":"info","kind":"ReplicaSet","namespace":"shop","name":"web-6b8f9c7d5f","uid":"rs-uid","resource_version":"8","trace_id":"aa","span_id":"s3","parent_span_id":"s2","replicas":2}
{"t":1.0,"seq":6,"actor":"deployment-controller","event":"deployment_status","level":"info","kind":"Deployment","namespace":"shop","name":"web","uid":"11111111-2222-4333-8444-555555555555","resource_version":"9","replicas":2,"ready_replicas":0}
{"t":2.0,"seq":7,"actor":"default-scheduler","event":"pod_bound","level":"info","kind":"Pod","namespace":"shop","name":"web-6b8f9c7d5f-x2k4p","uid":"pod-1","resource_version":"10","trace_id":"aa","span_id":"s4","parent_span_id":"s3","node":"node-1"}
{"t":3.0,"seq":8,"actor":"default-scheduler","event":"pod_bound","level":"info","kind":"Pod","namespace":"shop","name":"web-6b8f9c7d5f-q9zzt","uid":"pod-2","resource_version":"11","trace_id":"aa","span_id":"s5","parent_span_id":"s3","node":"node-2"}
{"t":4.0,"seq":9,"actor":"kubelet-node-1","event":"pod_running","level":"info","kind":"Pod","namespace":"shop","name":"web-6b8f9c7d5f-x2k4p","uid":"pod-1","resource_version":"12","phase":"Running","pod_ip":"10.244.1.2"}
{"t":4.0,"seq":10,"actor":"deployment-controller","event":"deployment_status","level":"info","kind":"Deployment","namespace":"shop","name":"web","uid":"11111111-2222-4333-8444-555555555555","resource_version":"13","replicas":2,"ready_replicas":2}
{"t":5.0,"seq":11,"actor":"kube-apiserver","event":"object_removed","level":"info","kind":"Pod","namespace":"shop","name":"web-6b8f9c7d5f-x2k4p","uid":"pod-1","resource_version":"14"}
{"t":6.0,"seq":12,"actor":"user","event":"step_started","level":"info","step":1,"line":9,"text":"expect deployments/web ready"}
{"t":6.0,"seq":13,"actor":"user","event":"expectation_passed","level":"info","step":1,"seen":"2"}
{"t":10.0,"seq":14,"actor":"user","event":"scenario_finished","level":"info","scenario":"mini","passed":true}
"""


@pytest.fixture
def handmade_path(tmp_path: Path) -> Path:
    path = tmp_path / "mini.jsonl"
    path.write_text(HANDMADE)
    return path


@pytest.fixture
def handmade(handmade_path: Path) -> list[Line]:
    return load_trace(handmade_path)


@pytest.fixture(scope="session")
def real_trace_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trace of the bundled api-basics scenario, run once for the whole session."""
    path = tmp_path_factory.mktemp("run") / "api-basics.jsonl"
    result = run_scenario(load_scenario(SCENARIOS / "api-basics.yaml"), trace_path=path)
    assert result.passed
    return path


@pytest.fixture
def real(real_trace_path: Path) -> list[Line]:
    return load_trace(real_trace_path)
