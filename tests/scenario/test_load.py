"""Tests for load steps and traffic expectations: parsing, validation, tallies and real runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from k8s_actors.scenario.load import (
    LoadStep,
    LoadTally,
    TrafficError,
    TrafficExpectStep,
    judge_traffic,
    outcome_of,
    parse_traffic_condition,
    parse_url,
)
from k8s_actors.scenario.loader import ScenarioError, load_scenario
from k8s_actors.scenario.runner import RunResult, run_scenario

CLUSTER = """\
name: load-test
seed: 3
cluster:
  nodes: [{count: 2}]
  images:
    nginx:1.25: {pullTime: 1s, startTime: 1s, readyAfter: 1s}
    busybox:1.36: {pullTime: 1s, startTime: 1s}
steps:
  - kubectl: create deployment web --image=nginx:1.25 --replicas=2
  - kubectl: expose deployment web --port=80
  - kubectl: run client --image=busybox:1.36
  - sleep: 15s
"""


def _write(tmp_path: Path, steps: str, head: str = CLUSTER) -> Path:
    path = tmp_path / "load.yaml"
    path.write_text(head + steps, encoding="utf-8")
    return path


def _problems(tmp_path: Path, steps: str) -> list[str]:
    with pytest.raises(ScenarioError) as raised:
        load_scenario(_write(tmp_path, steps))
    return raised.value.problems


def _run(tmp_path: Path, steps: str) -> tuple[RunResult, list[dict[str, object]]]:
    result = run_scenario(load_scenario(_write(tmp_path, steps)), trace_path=tmp_path / "t.jsonl")
    lines = (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()
    return result, [json.loads(line) for line in lines]


# -- pure pieces ---------------------------------------------------------------------------------


def test_url_gives_host_port_and_path() -> None:
    """A url names the host, the port (80 by default) and the path (/ by default)."""
    url = parse_url("http://web:8080/a/b")
    assert (url.host, url.port, url.path) == ("web", 8080, "/a/b")
    assert (parse_url("http://web").port, parse_url("http://web").path) == (80, "/")


@pytest.mark.parametrize("text", ["https://web/", "web/", "http:///x", "http://web:0/"])
def test_url_refuses_what_the_simulated_servers_cannot_serve(text: str) -> None:
    """Only http:// urls with a host and a valid port are accepted."""
    with pytest.raises(TrafficError):
        parse_url(text)


def test_condition_joins_terms_that_must_all_hold() -> None:
    """`requests>=2,errors=0` holds only when both terms hold."""
    condition = parse_traffic_condition("requests>=2,errors=0")
    assert judge_traffic(condition, {"requests": 2, "errors": 0})[0]
    assert not judge_traffic(condition, {"requests": 2, "errors": 1})[0]
    assert not judge_traffic(condition, {"requests": 1, "errors": 0})[0]


@pytest.mark.parametrize("text", ["errors", "speed>1", "errors=lots"])
def test_condition_refuses_unknown_metrics_and_forms(text: str) -> None:
    with pytest.raises(TrafficError):
        parse_traffic_condition(text)


def test_outcomes_name_errors_and_http_statuses() -> None:
    """2xx is ok, other statuses http_<status>, resolve errors dns_error."""
    assert outcome_of(200, "") == "ok"
    assert outcome_of(503, "") == "http_503"
    assert outcome_of(0, "resolve") == "dns_error"
    assert outcome_of(0, "refused") == "refused"


def test_tally_counts_pods_spread_and_a_trailing_window() -> None:
    """Totals cover every request; `last` only those that ended in the last seconds."""
    tally = LoadTally()
    tally.add(1.0, "ok", "a")
    tally.add(2.0, "ok", "a")
    tally.add(3.0, "timeout", "")
    tally.add(4.0, "ok", "b")
    whole = tally.metrics(now=4.0)
    assert (whole["requests"], whole["ok"], whole["errors"], whole["timeout"]) == (4, 3, 1, 1)
    assert (whole["distinctPods"], whole["spread"]) == (2, 1)
    recent = tally.metrics(now=4.0, last=1.5)
    assert (recent["requests"], recent["errors"], recent["distinctPods"]) == (2, 1, 1)


# -- the loader ----------------------------------------------------------------------------------

STEP_PROBLEMS = [
    ("  - load: {from: pod/client, url: 'ftp://x/', rps: 1, for: 1s}\n", "url: must be an http://"),
    ("  - load: {from: pod/client, url: 'http://web/', rps: 0, for: 1s}\n", "rps: must be greater"),
    (
        "  - load: {from: pod/client, url: 'http://web/', rps: -2, for: 1s}\n",
        "rps: must be greater",
    ),
    ("  - load: {from: service/web, url: 'http://web/', rps: 1, for: 1s}\n", "from: must be pod/"),
    ("  - load: {from: pod/client, url: 'http://web/', rps: 1, for: soon}\n", "for: "),
    ("  - load: {from: pod/client, url: 'http://web/', rps: 1}\n", "for: required field"),
    ("  - expect: {traffic: web-load, for: 'errors~0'}\n", 'for: "errors~0" is not'),
    ("  - expect: {traffic: web-load, for: 'errors=0', during: 1s}\n", "goes with within"),
]


@pytest.mark.parametrize(("step", "message"), STEP_PROBLEMS)
def test_loader_reports_bad_loads_at_file_line_column(
    tmp_path: Path, step: str, message: str
) -> None:
    """Each mistake is one FILE:LINE:COL: message pointing into the load step's line."""
    problems = _problems(tmp_path, step)
    line = CLUSTER.count("\n") + 1
    assert any(f"load.yaml:{line}:" in p and message in p for p in problems), problems


def test_loader_names_a_load_after_its_step_when_unnamed(tmp_path: Path) -> None:
    """Without `name`, a load is called load-<step index>; traffic expects are typed."""
    steps = (
        "  - load: {from: node/node-1, url: 'http://10.96.0.5:8080/', rps: 2.5, for: 1m}\n"
        "  - expect: {traffic: load-4, always: 'errors=0', during: 5s, last: 2s}\n"
    )
    scenario = load_scenario(_write(tmp_path, steps))
    load, expect = scenario.steps[4], scenario.steps[5]
    assert isinstance(load, LoadStep) and isinstance(expect, TrafficExpectStep)
    assert (load.name, load.source_kind, load.source_name, load.count) == (
        "load-4",
        "node",
        "node-1",
        150,
    )
    assert (expect.mode, expect.window, expect.last) == ("always", 5.0, 2.0)


# -- runs ----------------------------------------------------------------------------------------


def test_load_from_a_pod_reaches_every_pod_of_the_service(tmp_path: Path) -> None:
    """20 requests from a pod all succeed, answered by both pods; one record per request."""
    steps = (
        "  - load: {name: w, from: pod/client, url: 'http://web.default.svc.cluster.local/', "
        "rps: 10, for: 2s}\n"
        "  - expect: {traffic: w, for: 'requests=20,ok=20,distinctPods=2'}\n"
        "  - expect: {traffic: w, never: 'errors>0'}\n"
    )
    result, records = _run(tmp_path, steps)
    assert result.passed, (result.errors, result.outcomes)
    requests = [r for r in records if r["event"] == "load_request"]
    assert len(requests) == 20 and all(r["outcome"] == "ok" for r in requests)
    (finished,) = [r for r in records if r["event"] == "load_finished"]
    assert finished["outcomes"] == {"ok": 20}
    pods = finished["pods"]
    assert isinstance(pods, dict) and len(pods) == 2 and sum(pods.values()) == 20


def test_a_service_without_endpoints_fails_every_request(tmp_path: Path) -> None:
    """After the deployment is scaled to 0, requests end as no_endpoints and `for` fails."""
    steps = (
        "  - kubectl: scale deployment web --replicas=0\n"
        "  - sleep: 10s\n"
        "  - load: {name: w, from: node/node-1, url: 'http://web.default.svc.cluster.local/', "
        "rps: 5, for: 1s}\n"
        "  - expect: {traffic: w, for: 'errors=0'}\n"
        "  - expect: {traffic: w, for: 'no_endpoints=5', within: 10s}\n"
    )
    result, _ = _run(tmp_path, steps)
    failed, passed = result.outcomes[-2], result.outcomes[-1]
    assert not failed.passed and "errors=5" in failed.seen
    assert passed.passed


def test_loader_refuses_a_traffic_expectation_naming_no_load(tmp_path: Path) -> None:
    """`traffic:` must name a load step of the file; the problem points at its value."""
    problems = _problems(tmp_path, "  - expect: {traffic: nothing, for: 'errors=0'}\n")
    line = CLUSTER.count("\n") + 1
    expected = f'load.yaml:{line}:23: steps[4].expect.traffic: no load step is named "nothing"'
    assert any(expected in problem for problem in problems), problems


def test_load_that_could_not_start_fails_its_expectations(tmp_path: Path) -> None:
    """A load from a missing pod fails its step; expectations on it say no such load started."""
    steps = (
        "  - load: {name: w, from: pod/ghost, url: 'http://web/', rps: 1, for: 1s}\n"
        "  - expect: {traffic: w, for: 'errors=0'}\n"
    )
    result, _ = _run(tmp_path, steps)
    assert any("pod/ghost not found" in error for error in result.errors), result.errors
    assert not result.outcomes[-1].passed
    assert 'no load named "w" has started' in result.outcomes[-1].seen


def test_external_load_goes_through_the_load_balancer(tmp_path: Path) -> None:
    """From outside, requests to a LoadBalancer address reach the Service's pods."""
    head = CLUSTER.replace(
        "steps:\n",
        "  config:\n    cloudProvider: simulated\n"
        "    loadBalancerIPPool: 203.0.113.10-203.0.113.20\nsteps:\n",
    ).replace(
        "expose deployment web --port=80", "expose deployment web --type=LoadBalancer --port=80"
    )
    steps = (
        "  - load: {name: x, from: external, url: 'http://203.0.113.10/', rps: 5, for: 2s}\n"
        "  - expect: {traffic: x, for: 'requests=10,ok=10'}\n"
    )
    path = _write(tmp_path, steps, head=head)
    result = run_scenario(load_scenario(path), trace_path=tmp_path / "t.jsonl")
    assert result.passed, (result.errors, result.outcomes)
