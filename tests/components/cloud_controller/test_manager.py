"""The cloud-controller-manager end to end: addresses, events, forwarding, Local policy, release."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.quantity import Quantity
from k8s_actors.kernel import run
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import CONFIG_DEFAULTS, DEFAULT_CAPACITY, ClusterSpec, NodeSpec
from k8s_actors.scenario.traffic import external_request

T = TypeVar("T")
WEB = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, labels: {{app: web}}}}
spec:
  nodeName: {node}
  containers: [{{name: web, image: nginx, ports: [{{containerPort: 8080}}]}}]
"""
LB = """
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: default}}
spec:
  type: LoadBalancer
  externalTrafficPolicy: {policy}
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: 8080}}]
"""


def node(name: str) -> NodeSpec:
    capacity = {key: Quantity.parse(value) for key, value in DEFAULT_CAPACITY.items()}
    return NodeSpec(name=name, capacity=capacity, allocatable=capacity, labels={})


def in_cloud(body: Callable[[Cluster], Awaitable[T]]) -> T:
    config = {
        **CONFIG_DEFAULTS,
        "cloudProvider": "simulated",
        "loadBalancerIPPool": "203.0.113.10-203.0.113.11",
    }
    spec = ClusterSpec(nodes=(node("node-1"), node("node-2"), node("node-3")), config=config)

    async def main() -> T:
        async with Cluster(seed=5, spec=spec) as cluster:
            return await body(cluster)

    return run(main)


async def serve(cluster: Cluster, policy: str = "Cluster") -> str:
    """Two web pods (node-1, node-2) behind a LoadBalancer Service; its external address."""
    for name, where in (("web-a", "node-1"), ("web-b", "node-2")):
        await cluster.apply(load_manifests(WEB.format(name=name, node=where)))
    await cluster.apply(load_manifests(LB.format(policy=policy)))

    async def ready() -> bool:
        service = await cluster.get("services", "default", "web")
        slices = await cluster.list("endpointslices", "default", "kubernetes.io/service-name=web")
        ready = [e for s in slices for e in s.endpoints if e.conditions.ready]
        return bool(service.status.load_balancer.ingress) and len(ready) == 2

    assert await cluster.wait_for(ready, timeout=60)
    service = await cluster.get("services", "default", "web")
    return str(service.status.load_balancer.ingress[0].ip)


def test_a_load_balancer_service_gets_the_first_pool_address_and_the_ensure_events() -> None:
    async def body(cluster: Cluster) -> tuple[str, list[str]]:
        address = await serve(cluster)
        events = await cluster.list("events", "default")
        reasons = [e.reason for e in events if e.involved_object.name == "web"]
        return address, reasons

    address, reasons = in_cloud(body)
    assert address == "203.0.113.10"
    assert reasons.index("EnsuringLoadBalancer") < reasons.index("EnsuredLoadBalancer")


def test_external_requests_reach_the_service_pods_through_every_ready_node() -> None:
    async def body(cluster: Cluster) -> set[str]:
        address = await serve(cluster)
        answers = [await external_request(cluster, f"http://{address}/") for _ in range(30)]
        assert all(a.status == 200 for a in answers)
        return {a.served_by_pod for a in answers} | {a.hops[2] for a in answers}

    seen = in_cloud(body)
    assert {"default/web-a", "default/web-b"} <= seen
    assert {"kube-proxy/node-1", "kube-proxy/node-2", "kube-proxy/node-3"} <= seen


def test_with_local_policy_only_nodes_with_a_ready_endpoint_receive_traffic() -> None:
    async def body(cluster: Cluster) -> set[tuple[str, str]]:
        address = await serve(cluster, "Local")
        answers = [await external_request(cluster, f"http://{address}/") for _ in range(30)]
        assert all(a.status == 200 for a in answers)
        return {(a.hops[2], a.served_by_pod) for a in answers}

    assert in_cloud(body) == {
        ("kube-proxy/node-1", "default/web-a"),
        ("kube-proxy/node-2", "default/web-b"),
    }


def test_an_unknown_address_times_out_and_a_deleted_service_releases_its_address() -> None:
    async def body(cluster: Cluster) -> tuple[str, str]:
        await serve(cluster)
        missing = await external_request(cluster, "http://203.0.113.99/")
        await cluster.delete("services", "default", "web")
        await cluster.advance(2)
        await cluster.apply(
            load_manifests(LB.format(policy="Cluster").replace("name: web,", "name: api,"))
        )

        async def assigned() -> bool:
            service = await cluster.get("services", "default", "api")
            return bool(service.status.load_balancer.ingress)

        assert await cluster.wait_for(assigned, timeout=10)
        api = await cluster.get("services", "default", "api")
        return missing.error, str(api.status.load_balancer.ingress[0].ip)

    assert in_cloud(body) == ("timeout", "203.0.113.10")
