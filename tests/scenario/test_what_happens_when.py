"""The bundled scenario what-happens-when: every modelled step, in a legal partial order.

`kubectl create deployment nginx --image=nginx --replicas=3` on three nodes must leave in the
trace the steps of "what happens when" (sections E-K of the walk-through), each after the steps
it depends on. Order is checked as happens-before: a step happens before another when its `seq`
is smaller, and a step causes another when its span is an ancestor of the other's span (the
`parent_span_id` chain). Counts are not pinned; the per-pod chains and the batches are.

Steps of the walk-through the simulator does not model, so no record is expected for them:

- D1-D2 initializers: removed from Kubernetes in 1.14; admission plugins stand in their place.
- C3 auditing and C5 the get-after-create: no audit backend is simulated, and the API server
  returns the object etcd's transaction gave back (as the etcd3 store does) without a read.
- E1-E2 the informer callback and the workqueue: they leave no record of their own; the span
  of a controller's sync is the child of the watched write, which is what is checked.
- G2 startup metrics and G6 pod cgroups: the kubelet exports no metrics and has no cgroups.
- G7 pod data directories and G9 image pull secrets: there is no node filesystem, and the
  pods of this scenario name no imagePullSecrets.
- H2-H3 the pause container's checkpoint: `cri_run_pod_sandbox` (with the pause image) is the
  whole of RunPodSandbox; I2-I3 and I5-I6 (bridge, veth, resolv.conf, the plugin's JSON result)
  are inside the single `cni_add` record, which gives the IP (I4) from the node's podCIDR.
- J overlay networking: pod IPs are routable between nodes by construction (no Flannel).
- K3 the CPU manager: no cpusets are assigned. K5 the postStart hook: this pod declares none
  (its record, `kubelet_post_start_hook`, appears only for a container with a hook).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from k8s_actors.scenario.loader import load_scenario
from k8s_actors.scenario.runner import run_scenario

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "what-happens-when.yaml"
Record = dict[str, Any]


class Trace:
    """The records of one run, with their span tree."""

    def __init__(self, records: list[Record]) -> None:
        self.records = records
        self.parent: dict[str, str | None] = {}
        for record in records:
            if "span_id" in record:
                self.parent.setdefault(record["span_id"], record["parent_span_id"])

    def where(self, event: str, **fields: Any) -> list[Record]:
        return [
            r
            for r in self.records
            if r["event"] == event and all(r.get(k) == v for k, v in fields.items())
        ]

    def one(self, event: str, **fields: Any) -> Record:
        found = self.where(event, **fields)
        assert found, f"no {event} record with {fields}"
        return found[0]

    def spans_above(self, record: Record) -> Iterator[str]:
        """The record's span, then its parent span, up to the root."""
        span: str | None = record.get("span_id")
        while span is not None:
            yield span
            span = self.parent.get(span)

    def caused(self, cause: Record, effect: Record) -> bool:
        """`cause` happened before `effect` and its span is an ancestor of (or is) effect's."""
        return cause["seq"] < effect["seq"] and cause["span_id"] in self.spans_above(effect)


@pytest.fixture(scope="module")
def trace(tmp_path_factory: pytest.TempPathFactory) -> Trace:
    path = tmp_path_factory.mktemp("what-happens-when") / "trace.jsonl"
    result = run_scenario(load_scenario(SCENARIO), trace_path=path)
    assert result.passed, (result.errors, result.outcomes)
    return Trace([json.loads(line) for line in path.read_bytes().splitlines()])


def _in_order(records: list[Record]) -> None:
    seqs = [r["seq"] for r in records]
    assert seqs == sorted(seqs), [r["event"] for r in records]


def _stored(trace: Trace, kind: str, verb: str, where: Callable[[Record], bool]) -> list[Record]:
    return [r for r in trace.where("object_stored", kind=kind, verb=verb) if where(r)]


def _pipeline(trace: Trace, stored: Record) -> list[Record]:
    """The API server's records of the request that wrote `stored`, in pipeline order."""
    span = stored["span_id"]
    stages = ["request_received", "request_authenticated", "request_authorized"]
    stages += ["request_admitted", "request_validated"]
    records = [trace.one(stage, span_id=span) for stage in stages]
    return [*records, stored, trace.one("response_sent", span_id=span)]


def _etcd_write(trace: Trace, stored: Record) -> Record:
    """The etcd transaction that committed `stored` (same revision, just before)."""
    txn = trace.one("etcd_txn", revision=int(stored["resource_version"]), succeeded=True)
    assert txn["seq"] < stored["seq"]
    return txn


def test_kubectl_runs_its_client_stages_then_the_api_server_its_pipeline(trace: Trace) -> None:
    """A: validate, generate, discover, kubeconfig, send; B-C: authn .. etcd .. 201; A7 print."""
    stages = ["kubectl_command_received", "kubectl_validated", "kubectl_object_generated"]
    stages += ["kubectl_discovery", "kubectl_kubeconfig_loaded", "kubectl_request_sent"]
    client = [trace.one(stage) for stage in stages]
    assert client[2]["object"]["spec"]["replicas"] == 3
    (deployment,) = _stored(trace, "Deployment", "create", lambda r: r["name"] == "nginx")
    server = _pipeline(trace, deployment)
    assert server[0]["resource"] == "deployments" and server[-1]["code"] == 201
    assert trace.caused(client[-1], server[0])
    printed = trace.one("kubectl_output", span_id=client[0]["span_id"])
    assert printed["stdout"] == "deployment.apps/nginx created\n"
    _in_order([*client, *server[:5], _etcd_write(trace, deployment), *server[5:], printed])


def test_deployment_controller_creates_revision_1_replica_set(trace: Trace) -> None:
    """E3-E6: the Deployment's write wakes a sync that creates ReplicaSet revision 1."""
    deployment = trace.one("object_stored", kind="Deployment", verb="create")
    created = trace.one("deployment_replica_set_created", deployment="nginx")
    assert (created["revision"], created["replicas"]) == ("1", 3)
    (replica_set,) = _stored(trace, "ReplicaSet", "create", lambda r: True)
    assert replica_set["name"] == created["name"]
    assert trace.caused(deployment, created)
    assert trace.parent[replica_set["span_id"]] == created["span_id"]  # written by that sync
    _pipeline(trace, replica_set)
    _etcd_write(trace, replica_set)
    status = trace.where("deployment_status_updated", name="nginx")
    assert status and trace.caused(deployment, status[0])
    assert created["seq"] < status[0]["seq"]


def test_replica_set_controller_creates_three_pods_in_batches_of_1_then_2(trace: Trace) -> None:
    """E7-E9: the sync sees diff -3 and creates pods in slow-start batches 1, then 2."""
    replica_set = trace.one("object_stored", kind="ReplicaSet", verb="create")
    batches = trace.where("pods_create_batch", name=replica_set["name"])
    assert [b["size"] for b in batches] == [1, 2]
    assert all(trace.caused(replica_set, batch) for batch in batches)
    pods = _stored(trace, "Pod", "create", lambda r: True)
    assert len(pods) == 3
    assert all(trace.caused(batches[0], pod) for pod in pods)
    for pod in pods:
        _in_order([*_pipeline(trace, pod)[:5], _etcd_write(trace, pod), pod])
    assert batches[0]["seq"] < pods[0]["seq"] < batches[1]["seq"] < pods[1]["seq"]
    synced = trace.one("replicaset_synced", name=replica_set["name"], creates=3)
    assert (synced["diff"], synced["span_id"]) == (-3, batches[0]["span_id"])


def _pod_chain(trace: Trace, pod: str) -> tuple[list[Record], str]:
    """The records of one pod from its creation to Running and Ready, and its node."""
    created = trace.one("object_stored", kind="Pod", verb="create", name=pod)
    attempted = trace.one("scheduling_attempted", name=pod)
    scheduled = trace.one("pod_scheduled", name=pod)
    node = scheduled["node"]
    binding = trace.one("request_received", name=pod, subresource="binding")
    bound = trace.one("object_stored", kind="Pod", name=pod, span_id=binding["span_id"])
    kubelet = f"kubelet/{node}"
    steps = ["kubelet_pod_observed", "kubelet_pod_admitted"]
    observed, admitted = (trace.one(step, name=pod, actor=kubelet) for step in steps)
    pending = trace.one("kubelet_status_updated", name=pod, phase="Pending", ready="False")
    steps = ["kubelet_volumes_mounted", "cri_run_pod_sandbox", "cni_add", "cri_pull_image"]
    steps += ["cri_create_container", "cri_start_container"]
    runtime = [trace.one(step, name=pod, actor=kubelet) for step in steps]
    running = trace.one("kubelet_status_updated", name=pod, phase="Running", ready="True")
    chain = [created, attempted, binding, bound, scheduled, observed, admitted, pending]
    return [*chain, *runtime, running], node


def test_each_pod_goes_scheduled_bound_sandboxed_networked_pulled_started_ready(
    trace: Trace,
) -> None:
    """F-K per pod: create < filter/score < bind < observe < admit < Pending < volumes <
    RunPodSandbox(pause) < CNI ADD < pull < create < start < Running and Ready."""
    pods = [r["name"] for r in trace.where("object_stored", kind="Pod", verb="create")]
    nodes = []
    for pod in pods:
        chain, node = _pod_chain(trace, pod)
        nodes.append(node)
        _in_order(chain)
        created, attempted, binding, bound = chain[:4]
        assert trace.caused(created, attempted) and trace.caused(attempted, binding)
        assert all(
            trace.caused(bound, step) for step in chain[5:] if step["actor"] != "kube-scheduler"
        )
        assert attempted["feasible"] == 3
        sandbox, cni, running = chain[9], chain[10], chain[-1]
        assert sandbox["image"].startswith("registry.k8s.io/pause:")
        cidr = trace.one("node_cidr_assigned", name=node)["cidr"]
        assert cni["cidr"] == cidr
        assert ipaddress.ip_address(cni["ip"]) in ipaddress.ip_network(cidr)
        assert running["pod_ip"] == cni["ip"]
        assert chain[11]["image"] == "nginx"
    assert sorted(nodes) == ["node-1", "node-2", "node-3"]


def test_every_pod_walks_back_to_the_kubectl_command(trace: Trace) -> None:
    """The span chain of each Running status reaches the binding, the pod's create, the batch,
    the ReplicaSet's create, the Deployment sync and write, and kubectl's command."""
    command = trace.one("kubectl_command_received")
    deployment = trace.one("object_stored", kind="Deployment", verb="create")
    replica_set = trace.one("object_stored", kind="ReplicaSet", verb="create")
    batch = trace.one("pods_create_batch", size=1)
    for running in trace.where("kubelet_status_updated", phase="Running"):
        chain = list(trace.spans_above(running))
        created = trace.one("object_stored", kind="Pod", verb="create", name=running["name"])
        causes = [command, deployment, replica_set, batch, created]
        spans = [c["span_id"] for c in causes]
        assert all(span in chain for span in spans), running["name"]
        assert [chain.index(s) for s in spans] == sorted(
            (chain.index(s) for s in spans), reverse=True
        )


def test_ready_pods_then_replica_set_ready_3_then_deployment_available(trace: Trace) -> None:
    """E6 and the wrap-up: all pods Ready < RS readyReplicas=3 < Deployment Available=True."""
    ready = trace.where("kubelet_status_updated", phase="Running", ready="True")
    assert len(ready) == 3
    rs_ready = trace.one("replicaset_status_updated", ready=3)
    available = [
        r
        for r in trace.where("deployment_status_updated", name="nginx", available=3)
        if any(c.startswith("Available=True/") for c in r["conditions"])
    ]
    assert available, "the Deployment never reported Available=True"
    assert max(r["seq"] for r in ready) < rs_ready["seq"] < available[0]["seq"]
    assert trace.caused(rs_ready, available[0])
