"""The ingress controller end to end: host and path rules to Services, 404 and 503 answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.quantity import Quantity
from k8s_actors.kernel import run
from k8s_actors.messages import HttpResponse
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import CONFIG_DEFAULTS, DEFAULT_CAPACITY, ClusterSpec, NodeSpec
from k8s_actors.scenario.traffic import external_request

T = TypeVar("T")
APP = """
apiVersion: v1
kind: Pod
metadata: {{name: {app}-pod, namespace: default, labels: {{app: {app}}}}}
spec:
  nodeName: node-2
  containers: [{{name: web, image: nginx, ports: [{{containerPort: 8080}}]}}]
---
apiVersion: v1
kind: Service
metadata: {{name: {app}, namespace: default}}
spec:
  selector: {{app: {app}}}
  ports: [{{name: http, port: 80, targetPort: 8080}}]
"""
INGRESS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: default}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: front, port: {number: 80}}}}
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
      - {path: /gone, pathType: Exact, backend: {service: {name: missing, port: {number: 80}}}}
"""


def node(name: str) -> NodeSpec:
    capacity = {key: Quantity.parse(value) for key, value in DEFAULT_CAPACITY.items()}
    return NodeSpec(name=name, capacity=capacity, allocatable=capacity, labels={})


def with_ingress(body: Callable[[Cluster], Awaitable[T]]) -> T:
    config = {**CONFIG_DEFAULTS, "ingressController": "nginx"}
    spec = ClusterSpec(nodes=(node("node-1"), node("node-2")), config=config)

    async def main() -> T:
        async with Cluster(seed=2, spec=spec) as cluster:
            for app in ("front", "api"):
                await cluster.apply(load_manifests(APP.format(app=app)))
            await cluster.apply(load_manifests(INGRESS))

            async def ready() -> bool:
                slices = await cluster.list("endpointslices", "default")
                ready = [e for s in slices for e in s.endpoints if e.conditions.ready]
                return len(ready) == 2

            assert await cluster.wait_for(ready, timeout=60)
            return await body(cluster)

    return run(main)


def test_host_and_path_select_the_backend_service() -> None:
    async def body(cluster: Cluster) -> list[str]:
        urls = ("http://shop.example.com/", "http://shop.example.com/api/items")
        return [(await external_request(cluster, url)).served_by_pod for url in urls]

    assert with_ingress(body) == ["default/front-pod", "default/api-pod"]


def test_an_unknown_host_gets_404_from_the_default_backend() -> None:
    async def body(cluster: Cluster) -> HttpResponse:
        return await external_request(cluster, "http://other.example.com/")

    answer = with_ingress(body)
    assert (answer.status, answer.body) == (404, "default backend - 404\n")


def test_a_backend_service_that_does_not_exist_answers_503() -> None:
    async def body(cluster: Cluster) -> int:
        return (await external_request(cluster, "http://shop.example.com/gone")).status

    assert with_ingress(body) == 503
