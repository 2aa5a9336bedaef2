"""Tests for `k8s_actors.scenario.runner`: each step kind, fault, expect mode, at and repeat."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from k8s_actors.scenario.loader import load_scenario
from k8s_actors.scenario.runner import RunResult, run_scenario

CONFIGMAP = """\
  - apply: |
      apiVersion: v1
      kind: ConfigMap
      metadata: {{name: {name}, labels: {{app: web}}}}
      data: {{mode: {mode}}}
"""


def _play(
    tmp_path: Path, steps: str, *, cluster: str = "", until: float | None = None
) -> tuple[RunResult, list[dict[str, Any]]]:
    path = tmp_path / "scenario.yaml"
    path.write_text(f"name: steps\n{cluster}steps:\n{steps}")
    trace = tmp_path / "trace.jsonl"
    result = run_scenario(load_scenario(path), trace_path=trace, until=until)
    records = [json.loads(line) for line in trace.read_bytes().splitlines()]
    return result, records


def _user(records: list[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    return [r for r in records if r["actor"] == "user" and r["event"] == event]


def test_kubectl_step_records_its_output_in_the_trace(tmp_path: Path) -> None:
    """A kubectl step runs through the kubectl actor; stdout and the exit code are traced."""
    steps = "  - kubectl: create configmap settings --from-literal=mode=fast\n"
    steps += "  - kubectl: get configmap settings -o jsonpath={.data.mode}\n"
    result, records = _play(tmp_path, steps)
    assert result.passed, result.errors
    finished = _user(records, "kubectl_finished")
    assert [(r["exit_code"], r["stdout"]) for r in finished] == [
        (0, "configmap/settings created\n"),
        (0, "fast"),
    ]


def test_kubectl_non_zero_exit_fails_the_step_with_its_stderr(tmp_path: Path) -> None:
    """kubectl exiting 1 is a step failure naming file, line and kubectl's message."""
    result, _ = _play(tmp_path, "  - kubectl: get configmap absent\n")
    assert not result.passed
    (error,) = result.errors
    assert error.endswith(
        ":3: step 0 (kubectl get configmap absent): kubectl exited 1: "
        'Error from server (NotFound): configmaps "absent" not found'
    )


def test_expect_failure_turns_the_verdict_around(tmp_path: Path) -> None:
    """With expectFailure a failing command passes, and a succeeding one fails."""
    steps = "  - kubectl: get configmap absent\n    expectFailure: true\n"
    steps += "  - kubectl: get namespaces\n    expectFailure: true\n"
    result, _ = _play(tmp_path, steps)
    (error,) = result.errors
    assert ":5: step 1 (kubectl get namespaces): expected kubectl to fail" in error


def test_partition_between_user_and_control_plane_times_kubectl_out(tmp_path: Path) -> None:
    """Cut from the control plane, kubectl times out; once the partition lifts, it works."""
    steps = "  - fault: {partition: {between: [user, control-plane], for: 30s}}\n"
    steps += "  - kubectl: get configmaps\n  - kubectl: get namespaces\n"
    result, records = _play(tmp_path, steps)
    (error,) = result.errors
    assert "step 1 (kubectl get configmaps): kubectl exited 1" in error
    assert "unable to return a response in time" in error
    assert [r["t"] for r in _user(records, "fault_lifted")] == [30.0]
    assert [r["exit_code"] for r in _user(records, "kubectl_finished")] == [1, 0]


def test_apiserver_crash_refuses_requests_until_it_restarts(tmp_path: Path) -> None:
    """kube-apiserver crashed for 10s refuses kubectl; after 10s requests succeed again."""
    steps = "  - fault: {crash: {component: kube-apiserver, for: 10s}}\n"
    steps += "  - kubectl: get namespaces\n    expectFailure: true\n"
    steps += "  - sleep: 10s\n  - kubectl: get namespaces\n"
    result, records = _play(tmp_path, steps)
    assert result.passed, result.errors
    finished = _user(records, "kubectl_finished")
    assert "was refused" in finished[0]["stderr"]
    assert (finished[1]["t"], finished[1]["exit_code"]) == (10.0, 0)


def test_latency_delays_each_message_between_the_sides(tmp_path: Path) -> None:
    """200 ms added each way between user and control plane: each API request takes 0.4 s, and
    an apply of a new object makes two (the read kubectl apply does first, then the create)."""
    steps = "  - fault: {latency: {between: [user, control-plane], add: 200ms}}\n"
    steps += CONFIGMAP.format(name="a", mode="x") + "  - sleep: 1s\n"
    result, records = _play(tmp_path, steps)
    assert result.passed, result.errors
    assert [r["t"] for r in _user(records, "step_started")] == [0.0, 0.0, 0.8]


def test_total_message_loss_for_a_while_fails_an_apply(tmp_path: Path) -> None:
    """Every message lost for 5 s: the API request of an apply times out and fails its step."""
    steps = "  - fault: {messageLoss: {rate: 1, for: 5s, between: [user, kube-apiserver]}}\n"
    steps += CONFIGMAP.format(name="settings", mode="slow")
    result, records = _play(tmp_path, steps)
    (error,) = result.errors
    assert "step 1 (apply 1 object(s))" in error
    assert _user(records, "fault_lifted")[0]["t"] == 5.0


NODES_READY = "  - expect: {resource: nodes, for: 'jsonpath={.spec.taints}=', within: 30s}\n"


def _by(records: list[dict[str, Any]], actor: str, event: str) -> list[dict[str, Any]]:
    return [r for r in records if r["actor"] == actor and r["event"] == event]


def test_node_down_stops_its_lease_and_its_ready_turns_unknown(tmp_path: Path) -> None:
    """nodeDown stops node-2's kubelet: its Lease is no longer renewed while node-1's is, and the
    node lifecycle controller writes Ready=Unknown once 50 s have passed since its last renewal."""
    cluster = "cluster:\n  nodes: [{count: 2}]\n"
    steps = NODES_READY + "  - sleep: 15s\n  - fault: {nodeDown: node-2}\n"
    steps += "  - expect: {resource: node/node-2, never: condition=Ready=Unknown, during: 40s}\n"
    steps += "  - expect: {resource: node/node-2, for: condition=Ready=Unknown, within: 25s}\n"
    result, records = _play(tmp_path, steps, cluster=cluster)
    assert result.passed, result.errors
    (down,) = _user(records, "fault_injected")
    assert _by(records, "supervisor", "actor_stopped")[0]["target"] == "kubelet/node-2"
    renewals = {
        node: [r["t"] for r in _by(records, f"kubelet/{node}", "kubelet_lease_renewed")]
        for node in ("node-1", "node-2")
    }
    assert renewals["node-2"] and max(renewals["node-2"]) <= down["t"]
    assert max(renewals["node-1"]) >= down["t"] + 40
    (unknown,) = [r for r in records if r["event"] == "node_health_unknown"]
    assert unknown["name"] == "node-2" and unknown["t"] - max(renewals["node-2"]) >= 50


def test_kubelet_crash_restarts_it_and_it_reconciles_its_pods(tmp_path: Path) -> None:
    """A kubelet crashed for 20 s comes back, adopts the running container of `keep` without
    recreating it, kills `gone` (deleted meanwhile) and starts `late` (bound meanwhile)."""
    cluster = "cluster:\n  nodes: [{count: 1}]\n"
    steps = NODES_READY
    steps += "  - kubectl: run keep --image=nginx:1.24\n  - kubectl: run gone --image=nginx:1.24\n"
    steps += "  - expect: {resource: pods, for: condition=Ready, within: 30s}\n"
    steps += "  - fault: {kubeletCrash: {node: node-1, for: 20s}}\n"
    steps += "  - kubectl: delete pod gone --wait=false\n  - kubectl: run late --image=nginx:1.24\n"
    steps += "  - expect: {resource: pod/late, for: condition=Ready, within: 1m}\n"
    steps += "  - expect: {resource: pod/gone, for: delete, within: 1m}\n"
    steps += "  - expect: {resource: pod/keep, for: condition=Ready}\n"
    result, records = _play(tmp_path, steps, cluster=cluster)
    assert result.passed, result.errors
    (crash,) = _user(records, "fault_injected")
    (back,) = _user(records, "fault_lifted")
    assert back["t"] == crash["t"] + 20
    kubelet = "kubelet/node-1"
    restarted = [r for r in _by(records, "supervisor", "actor_started") if r["target"] == kubelet]
    assert restarted[-1]["t"] == back["t"]
    created = [(r["name"], r["t"]) for r in _by(records, kubelet, "cri_create_container")]
    assert [name for name, t in created if t > crash["t"]] == ["late"]
    assert min(t for name, t in created if name == "late") >= back["t"]
    killed = [r["name"] for r in _by(records, kubelet, "kubelet_pod_killed")]
    assert killed == ["gone"]


def test_image_pull_fails_makes_new_pulls_of_that_image_fail(tmp_path: Path) -> None:
    """imagePullFails nginx:1.25: a new pod of that image waits in ErrImagePull/ImagePullBackOff
    while a pod of another image still pulls and runs."""
    cluster = "cluster:\n  nodes: [{count: 1}]\n"
    steps = NODES_READY + "  - fault: {imagePullFails: {image: nginx:1.25}}\n"
    steps += "  - kubectl: run new --image=nginx:1.25\n  - kubectl: run old --image=nginx:1.24\n"
    steps += "  - expect: {resource: pod/old, for: condition=Ready, within: 30s}\n"
    steps += "  - expect: {resource: pod/new, for: "
    steps += "'jsonpath={.status.containerStatuses[0].state.waiting.reason}=ImagePullBackOff', "
    steps += "within: 30s}\n"
    result, records = _play(tmp_path, steps, cluster=cluster)
    assert result.passed, result.errors
    failed = [r for r in records if r["event"] == "cri_pull_image_failed"]
    assert failed and {r["image"] for r in failed} == {"nginx:1.25"}
    pulled = [r["image"] for r in records if r["event"] == "cri_pull_image"]
    assert pulled == ["nginx:1.24"]


def test_for_within_passes_at_the_instant_it_first_holds(tmp_path: Path) -> None:
    """An object created at 5 s by an at-step satisfies a 10 s window at exactly 5 s."""
    steps = "  - at: 5s\n    " + CONFIGMAP.format(name="late", mode="fast")[4:]
    steps += "  - expect: {resource: configmap/late, for: 'jsonpath={.data.mode}=fast', "
    steps += "within: 10s}\n"
    result, _ = _play(tmp_path, steps)
    (outcome,) = result.outcomes
    assert (outcome.passed, outcome.at, outcome.seen) == (True, 5.0, "fast")


def test_always_fails_at_the_first_change_that_breaks_it(tmp_path: Path) -> None:
    """`always count>=2` over a selection fails when a delete at 3 s leaves one object."""
    steps = CONFIGMAP.format(name="a", mode="x") + CONFIGMAP.format(name="b", mode="x")
    steps += "  - delete: {resource: configmap/a}\n    at: 3s\n"
    steps += "  - expect: {resource: configmaps -l app=web, always: count>=2, during: 10s}\n"
    result, _ = _play(tmp_path, steps)
    (outcome,) = result.outcomes
    assert (outcome.passed, outcome.at, outcome.seen) == (False, 3.0, "count=1")


def test_always_and_never_pass_when_the_window_closes_untouched(tmp_path: Path) -> None:
    """No change breaks them: both pass, reported when their window closed."""
    steps = CONFIGMAP.format(name="a", mode="slow")
    steps += "  - expect: {resource: configmap/a, always: 'jsonpath={.data.mode}=slow', "
    steps += "during: 4s}\n"
    steps += "  - expect: {resource: 'configmaps --field-selector=metadata.name=b', "
    steps += "never: count>0, during: 2s}\n"
    result, _ = _play(tmp_path, steps)
    assert [(o.passed, o.at) for o in result.outcomes] == [(True, 4.0), (True, 6.0)]


def test_never_fails_as_soon_as_it_holds(tmp_path: Path) -> None:
    """`never` on a condition that becomes true at 2 s fails then, with what it saw."""
    steps = CONFIGMAP.format(name="a", mode="slow")
    steps += "  - at: 2s\n    " + CONFIGMAP.format(name="a", mode="fast")[4:]
    steps += "  - expect: {resource: configmap/a, never: 'jsonpath={.data.mode}=fast', "
    steps += "during: 1m}\n"
    result, _ = _play(tmp_path, steps)
    (outcome,) = result.outcomes
    assert (outcome.passed, outcome.at, outcome.seen) == (False, 2.0, "fast")


def test_repeat_runs_its_steps_in_order_each_time(tmp_path: Path) -> None:
    """repeat 3 times of (sleep 2s) takes 6 s; each inner step is traced each time."""
    steps = "  - repeat:\n      times: 3\n      steps:\n        - sleep: 2s\n"
    steps += "        - kubectl: get namespaces\n"
    result, records = _play(tmp_path, steps)
    assert result.passed and result.simulated_seconds == 6.0
    started = [r["text"] for r in _user(records, "step_started")]
    assert started == ["repeat 3 times", *(["sleep 2s", "kubectl get namespaces"] * 3)]


def test_at_steps_run_concurrently_with_the_sequence(tmp_path: Path) -> None:
    """An at-step starts at its time even while a sequence step is still sleeping."""
    steps = "  - sleep: 10s\n  - kubectl: get namespaces\n    at: 4s\n"
    _, records = _play(tmp_path, steps)
    started = [(r["t"], r["text"]) for r in _user(records, "step_started")]
    assert started == [(0.0, "sleep 10s"), (4.0, "kubectl get namespaces")]


def test_until_stops_the_run_and_fails_pending_expectations(tmp_path: Path) -> None:
    """--until 5s ends the run at 5 s; the expectation still open is "not reached"."""
    steps = "  - expect: {resource: configmap/never, for: delete, within: 1s}\n"
    steps += "  - sleep: 1m\n  - expect: {resource: configmap/x, for: delete}\n"
    result, _ = _play(tmp_path, steps, until=5.0)
    assert (result.simulated_seconds, result.stopped_at) == (5.0, 5.0)
    assert [(o.passed, o.reached) for o in result.outcomes] == [(True, True), (False, False)]
    assert result.outcomes[1].seen == "not reached"


def test_result_counts_objects_per_kind_from_etcd(tmp_path: Path) -> None:
    """The result carries etcd's objects per kind at the end of the run."""
    result, _ = _play(tmp_path, CONFIGMAP.format(name="a", mode="x"))
    assert result.objects["ConfigMap"] == 1
    assert result.objects["Namespace"] == 4
