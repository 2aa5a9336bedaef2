"""The kubectl actor: client-side stages traced in order before the API server sees anything."""

from __future__ import annotations

from k8s_actors.messages import KubectlResult
from tests.components.kubectl.conftest import Shell, shell

STAGES = [
    "kubectl_command_received",
    "kubectl_validated",
    "kubectl_object_generated",
    "kubectl_discovery",
    "kubectl_kubeconfig_loaded",
    "kubectl_request_sent",
]


def test_create_traces_client_stages_before_request_received() -> None:
    """create: received, validated, generated, discovery, kubeconfig, sent, then the server."""

    async def body(sh: Shell) -> list[dict[str, object]]:
        await sh.ok("create deployment nginx --image=nginx:1.24 --replicas=3")
        return sh.records()

    records = shell(body)
    start = next(i for i, r in enumerate(records) if r["event"] == "kubectl_command_received")
    mine = records[start:]
    events = [r["event"] for r in mine]
    positions = [events.index(stage) for stage in STAGES]
    assert positions == sorted(positions)
    received = events.index("request_received")
    assert received > events.index("kubectl_request_sent")
    assert events.index("kubectl_output") > received
    span = mine[0]["span_id"]
    client = [r for r in mine if r["actor"] == "kubectl"]
    assert {r["span_id"] for r in client} == {span}
    server = mine[received]
    assert server["parent_span_id"] == span
    assert server["trace_id"] == mine[0]["trace_id"]
    generated = mine[events.index("kubectl_object_generated")]
    assert generated["kind"] == "Deployment" and generated["name"] == "nginx"


def test_discovery_asks_the_server_once_then_hits_the_cache() -> None:
    """The first command fetches discovery; later ones read the cache."""

    async def body(sh: Shell) -> list[object]:
        await sh.ok("get pods")
        await sh.ok("get pods")
        return [r["source"] for r in sh.records() if r["event"] == "kubectl_discovery"]

    assert shell(body) == ["apiserver", "cache: hit"]


def test_kubeconfig_source_follows_precedence() -> None:
    """--kubeconfig names its file; otherwise the default ~/.kube/config is reported."""

    async def body(sh: Shell) -> list[tuple[object, object]]:
        await sh.ok("get pods --kubeconfig=/tmp/admin.conf")
        await sh.ok("get pods")
        loaded = [r for r in sh.records() if r["event"] == "kubectl_kubeconfig_loaded"]
        return [(r["source"], r["path"]) for r in loaded]

    assert shell(body) == [("--kubeconfig", "/tmp/admin.conf"), ("default", "~/.kube/config")]


def test_usage_error_sends_nothing_and_exits_1() -> None:
    """A refused command line answers exit 1 with kubectl's message and no API request."""

    async def body(sh: Shell) -> tuple[KubectlResult, list[object]]:
        result = await sh("get pods --foo")
        return result, [r["event"] for r in sh.records() if r["actor"] == "kubectl"]

    result, events = shell(body)
    assert result.exit_code == 1
    assert result.stderr == "Error: unknown flag: --foo\nSee 'kubectl get --help' for usage.\n"
    assert events == ["kubectl_command_received", "kubectl_output"]


def test_exec_of_a_missing_pod_is_not_found() -> None:
    """exec reads the pod first: a missing pod is the server's NotFound, exit 1."""

    async def body(sh: Shell) -> KubectlResult:
        return await sh("exec web -- ls")

    result = shell(body)
    assert result.exit_code == 1
    assert result.stderr == 'Error from server (NotFound): pods "web" not found\n'


def test_output_record_carries_the_result() -> None:
    """kubectl_output records exit code, stdout and stderr."""

    async def body(sh: Shell) -> dict[str, object]:
        await sh("get deploy missing")
        return [r for r in sh.records() if r["event"] == "kubectl_output"][-1]

    record = shell(body)
    assert record["exit_code"] == 1
    assert (
        record["stderr"] == 'Error from server (NotFound): deployments.apps "missing" not found\n'
    )
