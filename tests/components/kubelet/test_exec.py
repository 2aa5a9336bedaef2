"""kubectl exec end to end: curl through DNS, kube-proxy and the destination kubelet."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.common import ObjectReference
from k8s_actors.api.objects.service import (
    Endpoint,
    EndpointConditions,
    EndpointPort,
    EndpointSlice,
)
from k8s_actors.api.quantity import Quantity
from k8s_actors.kernel import run
from k8s_actors.messages import KubectlResult
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import CONFIG_DEFAULTS, DEFAULT_CAPACITY, ClusterSpec, NodeSpec

T = TypeVar("T")
WEB = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, labels: {{app: {app}}}}}
spec:
  nodeName: {node}
  containers:
  - name: web
    image: nginx
    ports: [{{containerPort: 8080}}]
"""
SERVICE = """
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: default}}
spec:
  clusterIP: {ip}
  selector: {{app: {app}}}
  ports: [{{port: 80, targetPort: 8080}}]
"""


def node(name: str) -> NodeSpec:
    capacity = {key: Quantity.parse(value) for key, value in DEFAULT_CAPACITY.items()}
    return NodeSpec(name=name, capacity=capacity, allocatable=capacity, labels={})


def in_cluster(body: Callable[[Cluster], Awaitable[T]], mode: str = "iptables") -> T:
    config = {**CONFIG_DEFAULTS, "proxyMode": mode}
    spec = ClusterSpec(nodes=(node("node-1"), node("node-2")), config=config)

    async def main() -> T:
        async with Cluster(seed=3, spec=spec) as cluster:
            return await body(cluster)

    return run(main)


async def start_web(cluster: Cluster) -> dict[str, Any]:
    """Three web pods (two on node-2), a client on node-1, Service web and a slice of its
    three pods (written here too, so the test does not wait for the EndpointSlice controller)."""
    placement = {"web-a": "node-1", "web-b": "node-2", "web-c": "node-2", "client": "node-1"}
    for name, where in placement.items():
        app = "client" if name == "client" else "web"
        await cluster.apply(load_manifests(WEB.format(name=name, node=where, app=app)))
    await cluster.apply(load_manifests(SERVICE.format(name="web", ip="10.96.0.12", app="web")))
    await cluster.apply(
        load_manifests(SERVICE.format(name="empty", ip="10.96.0.13", app="nothing"))
    )

    async def running() -> bool:
        pods = await cluster.list("pods", "default")
        return len(pods) == 4 and all(p.status.phase == "Running" for p in pods)

    assert await cluster.wait_for(running, timeout=60)
    pods = {p.metadata.name: p for p in await cluster.list("pods", "default")}
    endpoints = tuple(
        Endpoint(
            addresses=(pods[name].status.pod_ip,),
            conditions=EndpointConditions(ready=True, serving=True, terminating=False),
            node_name=placement[name],
            target_ref=ObjectReference(kind="Pod", namespace="default", name=name),
        )
        for name in ("web-a", "web-b", "web-c")
    )
    labels = {"kubernetes.io/service-name": "web"}
    await cluster.create(
        EndpointSlice(
            metadata=ObjectMeta(name="web-manual", namespace="default", labels=labels),
            address_type="IPv4",
            endpoints=endpoints,
            ports=(EndpointPort(name="", protocol="TCP", port=8080),),
        )
    )
    await cluster.advance(1)
    return pods


async def sh(cluster: Cluster, command: str) -> KubectlResult:
    return await cluster.kubectl(f"exec client -- {command}")


def test_curl_service_spreads_over_three_ready_pods() -> None:
    """curl http://web answers "Hello from <pod>"; 30 requests reach all three pods."""

    async def body(cluster: Cluster) -> list[KubectlResult]:
        await start_web(cluster)
        return [await sh(cluster, "curl -s http://web") for _ in range(30)]

    results = in_cluster(body)
    assert all(r.exit_code == 0 for r in results)
    assert {r.stdout for r in results} == {f"Hello from web-{x}\n" for x in "abc"}


def test_ipvs_round_robin_takes_turns() -> None:
    """proxyMode ipvs: consecutive requests go round the three pods in order."""

    async def body(cluster: Cluster) -> list[str]:
        await start_web(cluster)
        return [(await sh(cluster, "wget -qO- http://web.default")).stdout for _ in range(6)]

    answers = in_cluster(body, "ipvs")
    assert answers[:3] == answers[3:] and len(set(answers)) == 3


def test_errors_print_as_curl_prints_them() -> None:
    """Unknown host: curl 6; no endpoints: curl 7; kubectl adds the exit code line."""

    async def body(cluster: Cluster) -> tuple[KubectlResult, KubectlResult]:
        await start_web(cluster)
        return await sh(cluster, "curl http://nope"), await sh(cluster, "curl http://empty")

    unknown, empty = in_cluster(body)
    assert unknown.exit_code == 6
    assert unknown.stderr == (
        "curl: (6) Could not resolve host: nope\ncommand terminated with exit code 6\n"
    )
    assert empty.exit_code == 7
    assert empty.stderr.startswith("curl: (7) Failed to connect to empty port 80 after ")
    assert "Couldn't connect to server" in empty.stderr


def test_pod_on_a_down_node_times_out() -> None:
    """The node of web-b goes down: curl to its pod IP times out after 10 s (exit 28)."""

    async def body(cluster: Cluster) -> tuple[KubectlResult, float]:
        pods = await start_web(cluster)
        await cluster.stop_node("node-2")
        started = cluster.now
        result = await sh(cluster, f"curl http://{pods['web-b'].status.pod_ip}:8080/")
        return result, cluster.now - started

    result, took = in_cluster(body)
    assert result.exit_code == 28
    assert result.stderr.startswith("curl: (28) Connection timed out after 10000 milliseconds")
    assert 10 <= took < 12


def test_nslookup_env_and_resolv_conf() -> None:
    """nslookup shows the server and the service's address; env and resolv.conf as in a pod."""

    async def body(cluster: Cluster) -> list[KubectlResult]:
        await start_web(cluster)
        commands = ["nslookup web", "nslookup nope", "env", "cat /etc/resolv.conf", "ls"]
        return [await sh(cluster, c) for c in commands]

    found, missing, env, resolv, unknown = in_cluster(body)
    assert "Name:\tweb.default.svc.cluster.local\nAddress: 10.96.0.12\n" in found.stdout
    assert missing.exit_code == 1 and "** server can't find nope: NXDOMAIN" in missing.stdout
    assert "HOSTNAME=client\n" in env.stdout
    assert resolv.stdout == (
        "search default.svc.cluster.local svc.cluster.local cluster.local\n"
        "nameserver 10.96.0.10\noptions ndots:5\n"
    )
    assert unknown.exit_code == 126
