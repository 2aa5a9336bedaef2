"""endpointslice-controller: slices of at most 100 endpoints per Service with a selector, with
conditions that follow pod readiness and deletion, ports resolved from target ports, labels,
owner references, and slices gone with their Service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import pytest

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Node
from k8s_actors.api.objects.common import ObjectReference
from k8s_actors.api.objects.container import Container, ContainerPort
from k8s_actors.api.objects.machinery import Binding, DeleteOptions
from k8s_actors.api.objects.pod import Pod, PodSpec
from k8s_actors.api.objects.service import (
    Endpoint,
    EndpointConditions,
    EndpointPort,
    EndpointSlice,
    Service,
    ServicePort,
    ServiceSpec,
)
from k8s_actors.components.controller_manager import ControllerFactory, ControllerManager
from k8s_actors.components.controller_manager.endpointslice import (
    EndpointSliceController,
    find_port,
    plan_slices,
)
from k8s_actors.kernel import ActorSpec, run
from k8s_actors.messages import Create
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import ClusterSpec

SLICES: tuple[str, ControllerFactory] = ("endpointslice-controller", EndpointSliceController)
APP = {"app": "web"}
NOW = DeleteOptions(grace_period_seconds=0)
replace = msgspec.structs.replace


def in_cluster(body: Callable[[Cluster], Awaitable[None]]) -> None:
    async def main() -> None:
        async with Cluster(seed=5, spec=ClusterSpec(controller_managers=0)) as cluster:
            await cluster.supervisor.start(
                ActorSpec(
                    "kube-controller-manager", lambda: ControllerManager(controllers=[SLICES])
                )
            )
            await cluster.advance(1.0)
            await body(cluster)

    run(main)


def web_service(**spec: Any) -> Service:
    ports = spec.pop("ports", (ServicePort(port=80, target_port=8080, name="http"),))
    selector = spec.pop("selector", APP)
    return Service(
        metadata=ObjectMeta(name="web", labels={"tier": "front"}),
        spec=ServiceSpec(selector=selector, ports=ports, **spec),
    )


async def add_pod(
    cluster: Cluster,
    name: str,
    ip: str,
    ready: bool = True,
    node: str = "node-1",
    ports: tuple[ContainerPort, ...] = (),
) -> None:
    container = Container(name="app", image="nginx", ports=ports)
    pod = Pod(metadata=ObjectMeta(name=name, labels=APP), spec=PodSpec(containers=(container,)))
    await cluster.create(pod)
    binding = Binding(
        metadata=ObjectMeta(name=name, namespace="default"),
        target=ObjectReference(kind="Node", name=node),
    )
    await cluster.request(
        Create(
            resource="pods",
            namespace="default",
            name=name,
            subresource="binding",
            body=binding,
            user=cluster.user,
        )
    )
    await set_status(cluster, name, ip, ready)


async def set_status(cluster: Cluster, name: str, ip: str, ready: bool) -> None:
    condition = {"type": "Ready", "status": "True" if ready else "False"}
    status = {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "conditions": [condition]}
    await cluster.patch("pods", "default", name, {"status": status}, subresource="status")


async def slices(cluster: Cluster) -> list[EndpointSlice]:
    await cluster.advance(1.0)
    found = await cluster.list(
        "endpointslices.discovery.k8s.io", "default", "kubernetes.io/service-name=web"
    )
    return sorted(found, key=lambda s: s.metadata.name)


def by_address(found: list[EndpointSlice]) -> dict[str, Endpoint]:
    return {e.addresses[0]: e for s in found for e in s.endpoints}


def conditions(endpoint: Endpoint) -> tuple[bool | None, bool | None, bool | None]:
    c = endpoint.conditions
    return (c.ready, c.serving, c.terminating)


# -- pure core ------------------------------------------------------------------------------------


def test_named_target_ports_resolve_through_container_ports() -> None:
    pod = Pod(
        spec=PodSpec(
            containers=(
                Container(name="a", ports=(ContainerPort(container_port=9000, name="metrics"),)),
                Container(name="b", ports=(ContainerPort(container_port=8080, name="http"),)),
            )
        )
    )
    assert find_port(pod, ServicePort(port=80, target_port="http", protocol="TCP")) == 8080
    assert find_port(pod, ServicePort(port=80, target_port="http", protocol="UDP")) is None
    assert find_port(pod, ServicePort(port=80, target_port="grpc", protocol="TCP")) is None
    assert find_port(pod, ServicePort(port=80, target_port=7000, protocol="TCP")) == 7000


def _endpoint(n: int) -> Endpoint:
    return Endpoint(addresses=(f"10.0.{n // 250}.{n % 250}",), conditions=EndpointConditions())


def test_new_endpoints_fill_the_slices_being_updated_before_new_ones() -> None:
    service = web_service()
    service = Service(metadata=ObjectMeta(name="web", uid="u1"), spec=service.spec)
    ports = (EndpointPort(name="http", protocol="TCP", port=8080),)
    first = plan_slices(service, [], {ports: [_endpoint(i) for i in range(150)]})
    assert [len(s.endpoints) for s in first.create] == [100, 50]
    existing = [
        replace(s, metadata=replace(s.metadata, name=f"web-{i}", generate_name=""))
        for i, s in enumerate(first.create)
    ]
    # One endpoint of the full slice goes, 30 arrive: the full slice takes one back, the
    # partial one (unchanged, with room) takes the other 29; nothing is created.
    wanted = [_endpoint(i) for i in range(1, 150)] + [_endpoint(i) for i in range(150, 180)]
    second = plan_slices(service, existing, {ports: wanted})
    assert second.create == [] and second.delete == []
    assert sorted(len(s.endpoints) for s in second.update) == [79, 100]
    # Every endpoint gone: both slices deleted.
    assert len(plan_slices(service, existing, {}).delete) == 2


# -- in a cluster ---------------------------------------------------------------------------------


def test_a_service_gets_a_slice_of_its_ready_pods() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(
            Node(
                metadata=ObjectMeta(name="node-1", labels={"topology.kubernetes.io/zone": "zone-a"})
            )
        )
        created = await cluster.create(web_service())
        await add_pod(cluster, "web-1", "10.244.1.5")
        await add_pod(cluster, "web-2", "10.244.1.6", ready=False)
        await add_pod(cluster, "other", "10.244.1.7")  # selected too: same labels
        (found,) = await slices(cluster)
        assert found.metadata.name.startswith("web-") and len(found.metadata.name) == 9
        assert found.metadata.labels == {
            "tier": "front",
            "kubernetes.io/service-name": "web",
            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        }
        (owner,) = found.metadata.owner_references
        assert (owner.kind, owner.name, owner.uid, owner.controller) == (
            "Service",
            "web",
            created.metadata.uid,
            True,
        )
        assert found.address_type == "IPv4"
        assert found.ports == (EndpointPort(name="http", protocol="TCP", port=8080),)
        endpoints = by_address([found])
        assert conditions(endpoints["10.244.1.5"]) == (True, True, False)
        assert conditions(endpoints["10.244.1.6"]) == (False, False, False)
        one = endpoints["10.244.1.5"]
        assert (one.node_name, one.zone) == ("node-1", "zone-a")
        assert one.target_ref is not None
        assert (one.target_ref.kind, one.target_ref.name) == ("Pod", "web-1")

    in_cluster(body)


def test_conditions_follow_readiness_and_termination() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(web_service())
        await add_pod(cluster, "web-1", "10.244.1.5", ready=False)
        assert conditions(by_address(await slices(cluster))["10.244.1.5"]) == (False, False, False)
        await set_status(cluster, "web-1", "10.244.1.5", ready=True)
        assert conditions(by_address(await slices(cluster))["10.244.1.5"]) == (True, True, False)
        await cluster.delete("pods", "default", "web-1")  # bound: graceful, 30 s
        assert conditions(by_address(await slices(cluster))["10.244.1.5"]) == (False, True, True)
        await cluster.delete("pods", "default", "web-1", NOW)  # what the kubelet confirms
        assert await slices(cluster) == []

    in_cluster(body)


def test_pods_without_an_ip_or_finished_are_left_out() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(web_service())
        await add_pod(cluster, "web-1", "10.244.1.5")
        container = Container(name="app", image="nginx")
        pending = Pod(metadata=ObjectMeta(name="pending", labels=APP), spec=PodSpec((container,)))
        await cluster.create(pending)
        await add_pod(cluster, "done", "10.244.1.9")
        status = {"status": {"phase": "Succeeded"}}
        await cluster.patch("pods", "default", "done", status, subresource="status")
        assert list(by_address(await slices(cluster))) == ["10.244.1.5"]

    in_cluster(body)


def test_publish_not_ready_addresses_makes_every_endpoint_ready() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(web_service(publish_not_ready_addresses=True, cluster_ip="None"))
        await add_pod(cluster, "web-1", "10.244.1.5", ready=False)
        found = await slices(cluster)
        assert conditions(by_address(found)["10.244.1.5"]) == (True, False, False)
        assert found[0].metadata.labels["service.kubernetes.io/headless"] == ""

    in_cluster(body)


def test_more_than_a_hundred_endpoints_are_split() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(web_service())
        for i in range(130):
            await add_pod(cluster, f"web-{i}", f"10.244.{i // 200}.{i % 200 + 2}")
        found = await slices(cluster)
        assert sorted(len(s.endpoints) for s in found) == [30, 100]
        assert len(by_address(found)) == 130
        for i in range(40):
            await cluster.delete("pods", "default", f"web-{i}", NOW)
        found = await slices(cluster)
        assert len(by_address(found)) == 90
        assert len(found) == 2 and all(len(s.endpoints) <= 100 for s in found)

    in_cluster(body)


def test_named_target_ports_split_pods_by_resolved_port() -> None:
    async def body(cluster: Cluster) -> None:
        ports = (ServicePort(port=80, target_port="http", name="web"),)
        await cluster.create(web_service(ports=ports))
        await add_pod(cluster, "a", "10.244.1.5", ports=(ContainerPort(8080, name="http"),))
        await add_pod(cluster, "b", "10.244.1.6", ports=(ContainerPort(9090, name="http"),))
        found = await slices(cluster)
        resolved = {s.ports[0].port: [e.addresses[0] for e in s.endpoints] for s in found}
        assert resolved == {8080: ["10.244.1.5"], 9090: ["10.244.1.6"]}

    in_cluster(body)


def test_slices_go_with_their_service_and_selectorless_services_get_none() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(web_service())
        await add_pod(cluster, "web-1", "10.244.1.5")
        assert len(await slices(cluster)) == 1
        await cluster.delete("services", "default", "web")
        assert await slices(cluster) == []
        await cluster.create(web_service(selector={}))
        assert await slices(cluster) == []

    in_cluster(body)


@pytest.mark.parametrize("relabel", [True, False])
def test_a_pod_that_stops_matching_leaves_the_slice(relabel: bool) -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(web_service())
        await add_pod(cluster, "web-1", "10.244.1.5")
        await add_pod(cluster, "web-2", "10.244.1.6")
        if relabel:
            patch = {"metadata": {"labels": {"app": "other"}}}
            await cluster.patch("pods", "default", "web-1", patch)
        else:
            await cluster.patch(
                "services", "default", "web", {"spec": {"selector": {"app": "web", "x": "y"}}}
            )
        expected = ["10.244.1.6"] if relabel else []
        assert sorted(by_address(await slices(cluster))) == expected

    in_cluster(body)
