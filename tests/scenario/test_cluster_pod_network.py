"""Tests for `k8s_actors.scenario.cluster`: the pod network the cluster keeps for kube-proxy."""

from __future__ import annotations

from typing import Any

from k8s_actors.components.kube_proxy import KubeProxy
from k8s_actors.kernel import run
from k8s_actors.messages.traffic import kube_proxy_address
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import ClusterSpec, NodeSpec


def _spec() -> ClusterSpec:
    def node(name: str) -> NodeSpec:
        return NodeSpec(name=name, capacity={}, allocatable={}, labels={})

    return ClusterSpec(nodes=(node("node-1"), node("node-2")))


def _settled(body: Any) -> Any:
    async def main() -> Any:
        spec = _spec()
        async with Cluster(seed=1, spec=spec) as cluster:
            await cluster.advance(15)
            return await body(cluster)

    return run(main)


def test_the_pod_network_knows_every_nodes_address_and_range_from_etcd() -> None:
    async def body(cluster: Cluster) -> dict[str, Any]:
        nodes = await cluster.list("nodes")
        return {
            "cidrs": {n.metadata.name: n.spec.pod_cidr for n in nodes},
            "network": {
                n.metadata.name: str(cluster.pod_network.pod_cidr(n.metadata.name)) for n in nodes
            },
            "ips": dict(cluster.pod_network.node_ips),
            "internal": {
                a.address: n.metadata.name
                for n in nodes
                for a in n.status.addresses
                if a.type == "InternalIP"
            },
        }

    seen = _settled(body)
    assert seen["network"] == seen["cidrs"]
    assert len(seen["cidrs"]) == 2
    assert seen["ips"] == seen["internal"] != {}


def test_every_kube_proxy_reads_the_shared_network_and_watches_only_its_own_node() -> None:
    async def body(cluster: Cluster) -> list[Any]:
        proxies = [cluster.supervisor.actor(kube_proxy_address(n)) for n in ("node-1", "node-2")]
        node_2 = await cluster.get("nodes", "", "node-2")
        return [proxies, node_2, cluster.pod_network]

    proxies, node_2, network = _settled(body)
    assert all(isinstance(proxy, KubeProxy) and proxy.network is network for proxy in proxies)
    assert proxies[1].own_node is not None
    assert [n.metadata.name for n in proxies[1].own_node.lister.list()] == ["node-2"]
    assert str(proxies[1].local_pod_cidr) == node_2.spec.pod_cidr
    assert proxies[0].owner_of(node_2.spec.pod_cidr.replace("0/24", "7")) == "node-2"


def test_a_deleted_node_leaves_the_pod_network() -> None:
    async def body(cluster: Cluster) -> str:
        node_2 = await cluster.get("nodes", "", "node-2")
        await cluster.stop_node("node-2")
        await cluster.delete("nodes", "", "node-2")
        return str(cluster.pod_network.owner_of(node_2.spec.pod_cidr.replace("0/24", "7")))

    assert _settled(body) == ""
