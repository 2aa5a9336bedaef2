"""Service ClusterIP and NodePort allocation in kube-apiserver: ranges, conflicts refused with
Kubernetes' messages, release, type changes, the `kubernetes` Service, and the state rebuilt
after a restart."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import pytest

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.service import Service, ServicePort, ServiceSpec
from k8s_actors.client.errors import ApiError
from k8s_actors.components.apiserver import APISERVER_ADDRESS
from k8s_actors.components.apiserver.service_ranges import (
    Bitmap,
    IPRange,
    PortRange,
    range_offset,
)
from k8s_actors.kernel import run
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import ClusterSpec

replace = msgspec.structs.replace


def service(name: str, ports: tuple[ServicePort, ...] | None = None, **spec: Any) -> Service:
    return Service(
        metadata=ObjectMeta(name=name),
        spec=ServiceSpec(selector={"app": name}, ports=ports or (ServicePort(port=80),), **spec),
    )


def node_port(number: int, port: int = 80, name: str = "") -> tuple[ServicePort, ...]:
    return (ServicePort(port=port, name=name, node_port=number),)


def in_cluster(body: Callable[[Cluster], Awaitable[None]]) -> None:
    async def main() -> None:
        async with Cluster(seed=3, spec=ClusterSpec(controller_managers=0)) as cluster:
            await body(cluster)

    run(main)


async def refused(cluster: Cluster, obj: Service) -> str:
    with pytest.raises(ApiError) as caught:
        await cluster.create(obj)
    return str(caught.value)


# -- the ranges -----------------------------------------------------------------------------------


def test_range_offsets_follow_calculate_range_offset() -> None:
    assert range_offset(1 << 20, 16, 256, 16) == 256  # a /12: capped
    assert range_offset(256, 16, 256, 16) == 16  # a /24: at least 16
    assert range_offset(16, 16, 256, 16) == 0  # a /28: no static band
    assert range_offset(2768, 16, 128, 32) == 86  # 30000-32767


def test_dynamic_ips_come_from_the_upper_band_until_it_is_full() -> None:
    ips = IPRange("10.0.0.0/24")  # 254 usable addresses, the first 16 kept for static use
    rng = random.Random(1)
    picked = [ips.allocate_next(rng, "s") for _ in range(254 - 16)]
    assert all(int(ip.rsplit(".", 1)[1]) > 16 for ip in picked)
    assert len(set(picked)) == len(picked)
    assert int(ips.allocate_next(rng, "s").rsplit(".", 1)[1]) <= 16


def test_a_full_bitmap_gives_nothing() -> None:
    bitmap = Bitmap(2, 0)
    rng = random.Random(0)
    assert {bitmap.take_next(rng, "a"), bitmap.take_next(rng, "a")} == {0, 1}
    assert bitmap.take_next(rng, "a") is None


def test_network_and_broadcast_addresses_are_not_in_range() -> None:
    ips = IPRange("10.96.0.0/12")
    assert ips.first() == "10.96.0.1"
    assert ips.index("10.96.0.0") is None
    assert ips.index("10.111.255.255") is None
    assert ips.index("10.111.255.254") is not None


def test_ports_outside_the_range_are_refused_with_the_range() -> None:
    ports = PortRange("30000-32767")
    with pytest.raises(Exception, match="The range of valid ports is 30000-32767"):
        ports.allocate(8080, "s")


# -- ClusterIPs -----------------------------------------------------------------------------------


def test_the_kubernetes_service_has_the_first_address() -> None:
    async def body(cluster: Cluster) -> None:
        kubernetes = await cluster.get("services", "default", "kubernetes")
        assert kubernetes.spec.cluster_ip == "10.96.0.1"
        assert kubernetes.spec.cluster_ips == ("10.96.0.1",)
        assert kubernetes.spec.selector == {}
        (port,) = kubernetes.spec.ports
        assert (port.name, port.port, port.target_port, port.protocol) == (
            "https",
            443,
            6443,
            "TCP",
        )
        assert kubernetes.metadata.labels == {"component": "apiserver", "provider": "kubernetes"}

    in_cluster(body)


def test_a_service_gets_a_random_cluster_ip_in_the_upper_part_of_the_range() -> None:
    async def body(cluster: Cluster) -> None:
        ips = [(await cluster.create(service(f"s{i}"))).spec for i in range(5)]
        for spec in ips:
            assert spec.cluster_ips == (spec.cluster_ip,)
            index = IPRange("10.96.0.0/12").index(spec.cluster_ip)
            assert index is not None and index >= 256
        assert len({spec.cluster_ip for spec in ips}) == 5

    in_cluster(body)


def test_a_requested_cluster_ip_is_honoured_once() -> None:
    async def body(cluster: Cluster) -> None:
        created = await cluster.create(service("a", cluster_ip="10.96.0.5"))
        assert created.spec.cluster_ips == ("10.96.0.5",)
        assert await refused(cluster, service("b", cluster_ip="10.96.0.5")) == (
            'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.5"}: '
            "failed to allocate IP 10.96.0.5: provided IP is already allocated"
        )

    in_cluster(body)


def test_a_cluster_ip_out_of_range_is_refused() -> None:
    async def body(cluster: Cluster) -> None:
        assert await refused(cluster, service("a", cluster_ip="10.0.0.5")) == (
            'Service "a" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: '
            "failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid "
            "range. The range of valid IPs is 10.96.0.0/12"
        )
        assert "must be a valid IP address" in await refused(
            cluster, service("b", cluster_ip="ten")
        )

    in_cluster(body)


def test_a_deleted_service_gives_its_cluster_ip_back() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(service("a", cluster_ip="10.96.0.5"))
        await cluster.delete("services", "default", "a")
        again = await cluster.create(service("b", cluster_ip="10.96.0.5"))
        assert again.spec.cluster_ip == "10.96.0.5"

    in_cluster(body)


def test_headless_and_external_name_services_get_no_cluster_ip() -> None:
    async def body(cluster: Cluster) -> None:
        headless = await cluster.create(service("h", cluster_ip="None"))
        assert (headless.spec.cluster_ip, headless.spec.cluster_ips) == ("None", ("None",))
        external = await cluster.create(
            service("e", type="ExternalName", external_name="example.com")
        )
        assert (external.spec.cluster_ip, external.spec.cluster_ips) == ("", ())

    in_cluster(body)


def test_the_cluster_ip_may_not_change_once_set() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(service("a", cluster_ip="10.96.0.5"))
        with pytest.raises(ApiError) as caught:
            await cluster.patch("services", "default", "a", {"spec": {"clusterIP": "10.96.0.7"}})
        assert str(caught.value) == (
            'Service "a" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.7"}: '
            "may not change once set"
        )
        with pytest.raises(ApiError, match="may not change once set"):
            await cluster.patch("services", "default", "a", {"spec": {"clusterIP": "None"}})

    in_cluster(body)


def test_a_replace_without_the_cluster_ip_keeps_it() -> None:
    async def body(cluster: Cluster) -> None:
        created = await cluster.create(service("a"))
        spec = replace(created.spec, cluster_ip="", cluster_ips=())
        updated = await cluster.update(replace(created, spec=spec))
        assert updated.spec.cluster_ip == created.spec.cluster_ip
        assert updated.metadata.resource_version == created.metadata.resource_version

    in_cluster(body)


def test_leaving_and_joining_external_name_releases_and_allocates() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(service("a", cluster_ip="10.96.0.5"))
        patch = {"spec": {"type": "ExternalName", "externalName": "example.com"}}
        external = await cluster.patch("services", "default", "a", patch)
        assert (external.spec.cluster_ip, external.spec.cluster_ips) == ("", ())
        taken = await cluster.create(service("b", cluster_ip="10.96.0.5"))
        assert taken.spec.cluster_ip == "10.96.0.5"
        back = {"spec": {"type": "ClusterIP", "externalName": None}}
        internal = await cluster.patch("services", "default", "a", back)
        assert internal.spec.cluster_ip not in ("", "10.96.0.5")

    in_cluster(body)


# -- NodePorts ------------------------------------------------------------------------------------


def test_node_port_services_get_a_port_per_service_port() -> None:
    async def body(cluster: Cluster) -> None:
        ports = (ServicePort(port=80, name="http"), ServicePort(port=443, name="https"))
        created = await cluster.create(service("a", ports=ports, type="NodePort"))
        numbers = [p.node_port for p in created.spec.ports]
        assert all(30000 <= n <= 32767 for n in numbers)
        assert len(set(numbers)) == 2
        assert created.spec.health_check_node_port == 0

    in_cluster(body)


def test_a_requested_node_port_is_honoured_once() -> None:
    async def body(cluster: Cluster) -> None:
        created = await cluster.create(service("a", ports=node_port(30080), type="NodePort"))
        assert created.spec.ports[0].node_port == 30080
        assert await refused(cluster, service("b", ports=node_port(30080), type="NodePort")) == (
            'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: '
            "provided port is already allocated"
        )
        assert await refused(cluster, service("c", ports=node_port(8080), type="NodePort")) == (
            'Service "c" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port '
            "is not in the valid range. The range of valid ports is 30000-32767"
        )

    in_cluster(body)


def test_node_ports_are_released_on_delete_and_on_type_change() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(service("a", ports=node_port(30080), type="NodePort"))
        await cluster.delete("services", "default", "a")
        await cluster.create(service("b", ports=node_port(30080), type="NodePort"))
        changed = await cluster.patch("services", "default", "b", {"spec": {"type": "ClusterIP"}})
        assert changed.spec.ports[0].node_port == 0
        assert changed.spec.external_traffic_policy == ""
        again = await cluster.create(service("c", ports=node_port(30080), type="NodePort"))
        assert again.spec.ports[0].node_port == 30080

    in_cluster(body)


def test_a_node_port_on_a_cluster_ip_service_is_forbidden() -> None:
    async def body(cluster: Cluster) -> None:
        assert await refused(cluster, service("a", ports=node_port(30080))) == (
            'Service "a" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when '
            "`type` is 'ClusterIP'"
        )

    in_cluster(body)


def test_load_balancers_with_local_traffic_get_a_health_check_node_port() -> None:
    async def body(cluster: Cluster) -> None:
        local = await cluster.create(
            service("a", type="LoadBalancer", external_traffic_policy="Local")
        )
        check = local.spec.health_check_node_port
        assert 30000 <= check <= 32767 and check != local.spec.ports[0].node_port
        cluster_policy = await cluster.create(service("b", type="LoadBalancer"))
        assert cluster_policy.spec.health_check_node_port == 0
        assert cluster_policy.spec.ports[0].node_port != 0
        with pytest.raises(ApiError, match="cannot change healthCheckNodePort"):
            patch = {"spec": {"healthCheckNodePort": 30999}}
            await cluster.patch("services", "default", "a", patch)

    in_cluster(body)


def test_allocation_survives_an_apiserver_restart() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(service("a", cluster_ip="10.96.0.5"))
        await cluster.create(service("b", ports=node_port(30080), type="NodePort"))
        await cluster.supervisor.restart(APISERVER_ADDRESS)
        await cluster.advance(2.0)
        message = await refused(cluster, service("c", cluster_ip="10.96.0.5"))
        assert "provided IP is already allocated" in message
        message = await refused(cluster, service("d", ports=node_port(30080), type="NodePort"))
        assert "provided port is already allocated" in message
        await cluster.delete("services", "default", "a")
        assert (await cluster.create(service("c", cluster_ip="10.96.0.5"))).spec.cluster_ip

    in_cluster(body)


def test_allocations_are_traced() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.create(service("a", ports=node_port(30080), type="NodePort"))
        records = [msgspec.json.decode(line) for line in cluster.lines]
        allocated = {r["name"]: r for r in records if r.get("event") == "service_allocated"}
        assert allocated["a"]["node_ports"] == [30080]
        assert allocated["kubernetes"]["cluster_ips"] == ["10.96.0.1"]

    in_cluster(body)
