"""The node IPAM controller: gives each Node a pod CIDR cut from the cluster CIDR.

Role: pkg/controller/nodeipam with the RangeAllocator (ipam/range_allocator.go) and its
CidrSet (ipam/cidrset/cidr_set.go). The cluster CIDR (setting "clusterCIDR", 10.244.0.0/16) is
cut into blocks of "nodeCIDRMaskSize" bits (24); blocks overlapping the service range
("serviceClusterIPRange") are never handed out. A Node that already carries podCIDRs occupies
them (the initial list is occupied before any allocation starts); a Node without gets the next
free block after the last one allocated (wrapping around), patched onto spec.podCIDR and
spec.podCIDRs; a deleted Node releases its block. An exhausted range records the Node event
CIDRNotAvailable. Neighbours: `base`, the kubelet (reads podCIDR for its CNI), the scheduler.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from k8s_actors.api.objects.cluster import Node
from k8s_actors.client import NotFound
from k8s_actors.components.controller_manager.base import Controller, ControllerContext
from k8s_actors.kernel import TraceContext

__all__ = ["CidrSet", "NodeIpamController", "RangeExhausted"]

DEFAULT_CLUSTER_CIDR = "10.244.0.0/16"
DEFAULT_NODE_MASK_SIZE = 24
DEFAULT_SERVICE_RANGE = "10.96.0.0/12"
# range_allocator.go: cidrUpdateRetries.
PATCH_RETRIES = 3

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RangeExhausted(Exception):
    """cidrset.ErrCIDRRangeNoCIDRsRemaining."""

    def __init__(self) -> None:
        super().__init__(
            "CIDR allocation failed; there are no remaining CIDRs left to allocate in the "
            "accepted range"
        )


class CidrSet:
    """The blocks of one cluster CIDR: a used bitmap and the next candidate index."""

    def __init__(self, cluster_cidr: str, node_mask_size: int) -> None:
        self.cluster: Network = ipaddress.ip_network(cluster_cidr, strict=False)
        if node_mask_size < self.cluster.prefixlen:
            raise ValueError(
                f"node mask size {node_mask_size} is smaller than the cluster's "
                f"{self.cluster.prefixlen}"
            )
        self.node_mask_size = node_mask_size
        self.max_cidrs = 1 << (node_mask_size - self.cluster.prefixlen)
        self.used: dict[int, None] = {}
        self.next_candidate = 0

    def block(self, index: int) -> Network:
        shift = self.cluster.max_prefixlen - self.node_mask_size
        first = int(self.cluster.network_address) | (index << shift)
        return ipaddress.ip_network((first, self.node_mask_size))

    def allocate_next(self) -> Network:
        """The first free block from the candidate on, round robin (AllocateNext)."""
        if len(self.used) == self.max_cidrs:
            raise RangeExhausted()
        candidate = self.next_candidate
        for _ in range(self.max_cidrs):
            if candidate not in self.used:
                break
            candidate = (candidate + 1) % self.max_cidrs
        self.next_candidate = (candidate + 1) % self.max_cidrs
        self.used[candidate] = None
        return self.block(candidate)

    def _indices(self, cidr: str) -> range:
        """Indices of the blocks that `cidr` covers (getBeginningAndEndIndices)."""
        network = ipaddress.ip_network(cidr, strict=False)
        if network.version != self.cluster.version or not network.overlaps(self.cluster):
            raise ValueError(f"cidr {cidr} is out the range of cluster cidr {self.cluster}")
        shift = self.cluster.max_prefixlen - self.node_mask_size
        base = int(self.cluster.network_address)
        first = max(int(network.network_address), base)
        last = min(int(network.broadcast_address), int(self.cluster.broadcast_address))
        return range((first - base) >> shift, ((last - base) >> shift) + 1)

    def occupy(self, cidr: str) -> None:
        for index in self._indices(cidr):
            self.used[index] = None

    def release(self, cidr: str) -> None:
        for index in self._indices(cidr):
            self.used.pop(index, None)

    def occupy_overlap(self, cidr: str) -> None:
        """Mark the blocks of another range (the services') used, if it overlaps at all."""
        network = ipaddress.ip_network(cidr, strict=False)
        if network.version == self.cluster.version and network.overlaps(self.cluster):
            self.occupy(cidr)


@dataclass(frozen=True)
class Assignment:
    uid: str
    cidrs: tuple[str, ...]


class NodeIpamController(Controller):
    name = "node-ipam-controller"
    workers = 30  # range_allocator.go: cidrUpdateWorkers

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        settings = ctx.settings
        self.cidrs = CidrSet(
            str(settings.get("clusterCIDR", DEFAULT_CLUSTER_CIDR)),
            int(settings.get("nodeCIDRMaskSize", DEFAULT_NODE_MASK_SIZE)),
        )
        self.cidrs.occupy_overlap(str(settings.get("serviceClusterIPRange", DEFAULT_SERVICE_RANGE)))
        # What this controller patched onto each node, until the watch shows it back.
        self._assigned: dict[str, Assignment] = {}
        self.nodes = ctx.informers.informer(Node)

    def setup(self) -> None:
        self.nodes.add_handler(
            on_add=self._node_seen,
            on_update=lambda old, new, span: self._node_seen(new, span),
            on_delete=self._node_deleted,
        )

    def _node_seen(self, node: Node, span: TraceContext | None) -> None:
        if node.spec.pod_cidrs:
            # Occupied at once, so that allocations (made by the workers) never collide with
            # blocks that nodes listed at start already hold.
            for cidr in node.spec.pod_cidrs[:1]:
                self._occupy(node, cidr, span)
            return
        self.enqueue_key(node.metadata.name, span)

    def _occupy(self, node: Node, cidr: str, span: TraceContext | None) -> None:
        try:
            self.cidrs.occupy(cidr)
        except ValueError as error:
            self.log.warning("node_cidr_invalid", ctx=span, obj=node, cidr=cidr, error=str(error))

    def _node_deleted(self, node: Node, span: TraceContext | None) -> None:
        self._assigned.pop(node.metadata.name, None)
        for cidr in node.spec.pod_cidrs[:1]:
            try:
                self.cidrs.release(cidr)
            except ValueError:
                continue
            self.log.info("node_cidr_released", ctx=span, obj=node, cidr=cidr)

    async def sync(self, key: str, span: TraceContext) -> None:
        node = self.nodes.lister.get("", key)
        if node is None or node.spec.pod_cidrs:
            return
        assigned = self._assigned.get(key)
        if assigned is not None and assigned.uid == node.metadata.uid:
            return  # patched already; the cache has not seen it yet
        try:
            block = str(self.cidrs.allocate_next())
        except RangeExhausted as error:
            self.log.warning("node_cidr_unavailable", ctx=span, obj=node, error=str(error))
            await self._status_change(node, "CIDRNotAvailable", span)
            return
        await self._assign(node, block, span)

    async def _assign(self, node: Node, block: str, span: TraceContext) -> None:
        patch = {"spec": {"podCIDR": block, "podCIDRs": [block]}}
        error: Exception | None = None
        for _ in range(PATCH_RETRIES):
            try:
                await self.api.patch(Node, "", node.metadata.name, patch, span=span)
            except NotFound:
                self.cidrs.release(block)
                return
            except Exception as failure:  # retried like any failed request
                error = failure
                continue
            self._assigned[node.metadata.name] = Assignment(node.metadata.uid, (block,))
            self.log.info("node_cidr_assigned", ctx=span, obj=node, cidr=block)
            return
        self.cidrs.release(block)
        await self._status_change(node, "CIDRAssignmentFailed", span)
        raise RuntimeError(f"failed to patch the pod CIDR of node {node.metadata.name}: {error}")

    async def _status_change(self, node: Any, status: str, span: TraceContext) -> None:
        """nodeutil.RecordNodeStatusChange: "Node <name> status is now: <status>"."""
        message = f"Node {node.metadata.name} status is now: {status}"
        await self.recorder.event(node, "Normal", status, message, span)
