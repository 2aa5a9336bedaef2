"""node-ipam-controller: nodes get pod CIDRs from the cluster CIDR in order, keep the ones they
have, and give them back when deleted."""

from __future__ import annotations

import pytest

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Node, NodeSpec
from k8s_actors.components.controller_manager import ControllerFactory
from k8s_actors.components.controller_manager.nodeipam import (
    CidrSet,
    NodeIpamController,
    RangeExhausted,
)
from k8s_actors.scenario.cluster import Cluster
from tests.components.controller_manager.test_nodelifecycle import events, in_cluster

IPAM: tuple[str, ControllerFactory] = ("node-ipam-controller", NodeIpamController)


async def pod_cidrs(cluster: Cluster, *names: str) -> list[tuple[str, tuple[str, ...]]]:
    found = []
    for name in names:
        node = await cluster.get("nodes", "", name)
        found.append((node.spec.pod_cidr, node.spec.pod_cidrs))
    return found


async def add_nodes(cluster: Cluster, *names: str) -> None:
    for name in names:
        await cluster.create(Node(metadata=ObjectMeta(name=name)))


# -- the CIDR set -----------------------------------------------------------------------------


def test_blocks_are_handed_out_in_order_and_round_robin() -> None:
    blocks = CidrSet("10.244.0.0/16", 24)
    assert blocks.max_cidrs == 256
    assert [str(blocks.allocate_next()) for _ in range(3)] == [
        "10.244.0.0/24",
        "10.244.1.0/24",
        "10.244.2.0/24",
    ]
    blocks.release("10.244.1.0/24")
    # A released block waits for the candidate pointer to come round again.
    assert str(blocks.allocate_next()) == "10.244.3.0/24"


def test_an_exhausted_range_refuses() -> None:
    blocks = CidrSet("10.0.0.0/24", 25)
    blocks.occupy("10.0.0.128/25")
    assert str(blocks.allocate_next()) == "10.0.0.0/25"
    with pytest.raises(RangeExhausted):
        blocks.allocate_next()


def test_an_overlapping_service_range_is_never_handed_out() -> None:
    blocks = CidrSet("10.0.0.0/16", 24)
    blocks.occupy_overlap("10.0.0.0/23")
    blocks.occupy_overlap("10.96.0.0/12")  # no overlap: nothing changes
    assert str(blocks.allocate_next()) == "10.0.2.0/24"
    with pytest.raises(ValueError, match="out the range"):
        blocks.occupy("192.168.0.0/24")


# -- end to end -------------------------------------------------------------------------------


def test_nodes_get_pod_cidrs_in_creation_order() -> None:
    async def body(cluster: Cluster) -> None:
        await add_nodes(cluster, "n1", "n2", "n3")
        await cluster.advance(1.0)
        assert await pod_cidrs(cluster, "n1", "n2", "n3") == [
            ("10.244.0.0/24", ("10.244.0.0/24",)),
            ("10.244.1.0/24", ("10.244.1.0/24",)),
            ("10.244.2.0/24", ("10.244.2.0/24",)),
        ]

    in_cluster(body, controllers=[IPAM])


def test_a_node_with_a_cidr_keeps_it_and_others_avoid_it() -> None:
    async def body(cluster: Cluster) -> None:
        held = Node(
            metadata=ObjectMeta(name="held"),
            spec=NodeSpec(pod_cidr="10.244.0.0/24", pod_cidrs=("10.244.0.0/24",)),
        )
        await cluster.create(held)
        await add_nodes(cluster, "n1")
        await cluster.advance(1.0)
        assert await pod_cidrs(cluster, "held", "n1") == [
            ("10.244.0.0/24", ("10.244.0.0/24",)),
            ("10.244.1.0/24", ("10.244.1.0/24",)),
        ]

    in_cluster(body, controllers=[IPAM])


def test_a_deleted_node_releases_its_cidr() -> None:
    async def body(cluster: Cluster) -> None:
        # A /23 in /24 blocks: two nodes fill it, a third fits only once one is deleted.
        await add_nodes(cluster, "n1", "n2")
        await cluster.advance(1.0)
        await cluster.delete("nodes", "", "n1")
        await cluster.advance(1.0)
        await add_nodes(cluster, "n3")
        await cluster.advance(1.0)
        assert await pod_cidrs(cluster, "n3") == [("10.0.0.0/24", ("10.0.0.0/24",))]
        assert events(cluster, "CIDRNotAvailable") == []

    in_cluster(body, controllers=[IPAM], settings={"clusterCIDR": "10.0.0.0/23"})


def test_the_cluster_cidr_and_mask_size_are_settings() -> None:
    async def body(cluster: Cluster) -> None:
        await add_nodes(cluster, "n1", "n2", "n3")
        await cluster.advance(1.0)
        cidrs = [cidr for cidr, _ in await pod_cidrs(cluster, "n1", "n2", "n3")]
        assert cidrs == ["10.200.0.0/26", "10.200.0.64/26", ""]
        (event,) = events(cluster, "CIDRNotAvailable")
        assert (event["name"], event["message"]) == (
            "n3",
            "Node n3 status is now: CIDRNotAvailable",
        )

    settings = {"clusterCIDR": "10.200.0.0/25", "nodeCIDRMaskSize": 26}
    in_cluster(body, controllers=[IPAM], settings=settings)
