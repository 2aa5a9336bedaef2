"""A node for end-to-end kubelet tests: etcd, kube-apiserver and one kubelet on a virtual loop.

`with_kubelet(body)` starts the control plane, a node runtime with a podCIDR already given (no
node IPAM controller runs here) and the kubelet of `node-1`, then runs `body` with a `Node`
handle: the API, the runtime, and helpers to create pods bound to the node and read them back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.objects.cluster import Node
from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.quantity import Quantity
from k8s_actors.components.kubelet import (
    ImageBehaviour,
    ImageCatalogue,
    Kubelet,
    NodeConfig,
    NodeRuntime,
    kubelet_address,
)
from k8s_actors.kernel import ActorSpec
from k8s_actors.messages import Create, Get, Patch
from tests.components.conftest import Api, serve

T = TypeVar("T")
NODE = "node-1"
CIDR = "10.244.1.0/24"
IMAGES = {
    "nginx:1.24": ImageBehaviour(pull_time=2.0),
    "busybox:1.36": ImageBehaviour(pull_time=1.0),
    "crashy:1": ImageBehaviour(exit_after=5.0, exit_code=1),
    "slow:1": ImageBehaviour(ready_after=15.0),
    "leaky:1": ImageBehaviour(fail_liveness_after=30.0),
    "job:1": ImageBehaviour(exit_after=3.0),
}


def node_config(cpu: str = "4", memory: str = "8Gi", pods: str = "110") -> NodeConfig:
    capacity = {"cpu": Quantity.parse(cpu), "memory": Quantity.parse(memory)}
    capacity["pods"] = Quantity.parse(pods)
    return NodeConfig(name=NODE, capacity=capacity, allocatable=dict(capacity), labels={})


@dataclass
class KubeletNode:
    api: Api
    runtime: NodeRuntime
    config: NodeConfig
    catalogue: ImageCatalogue

    @property
    def address(self) -> str:
        return kubelet_address(NODE)

    async def start_kubelet(self) -> None:
        await self.api.supervisor.start(
            ActorSpec(
                self.address,
                lambda: Kubelet(self.config, self.runtime, self.catalogue, cidr_wait=5.0),
                groups=(NODE,),
            )
        )

    async def assign_cidr(self, cidr: str = CIDR) -> None:
        """What the node IPAM controller does once the Node exists: give it a podCIDR."""
        await self.wait(1)
        patch = {"spec": {"podCIDR": cidr, "podCIDRs": [cidr]}}
        await self.api.ok(
            Patch(
                resource="nodes",
                name=NODE,
                patch=patch,
                patch_type="application/merge-patch+json",
            )
        )

    async def create(self, manifest: str) -> Pod:
        (obj,) = load_manifests(manifest)
        assert isinstance(obj, Pod)
        pod = msgspec.structs.replace(obj, spec=msgspec.structs.replace(obj.spec, node_name=NODE))
        created: Pod = await self.api.ok(Create(resource="pods", namespace="default", body=pod))
        return created

    async def create_any(self, manifest: str) -> Any:
        (obj,) = load_manifests(manifest)
        info = obj.kind.lower() + "s"
        return await self.api.ok(Create(resource=info, namespace="default", body=obj))

    async def pod(self, name: str) -> Pod:
        found: Pod = await self.api.ok(Get(resource="pods", namespace="default", name=name))
        return found

    async def node(self) -> Node:
        found: Node = await self.api.ok(Get(resource="nodes", name=NODE))
        return found

    async def wait(self, seconds: float) -> None:
        await self.api.clock.sleep(seconds)


def with_kubelet(
    body: Callable[[KubeletNode], Awaitable[T]],
    *,
    config: NodeConfig | None = None,
    images: dict[str, ImageBehaviour] | None = None,
    cidr: str = CIDR,
    start: bool = True,
) -> T:
    async def main(api: Api) -> T:
        runtime = NodeRuntime(NODE)
        node = KubeletNode(api, runtime, config or node_config(), ImageCatalogue(images or IMAGES))
        if start:
            await node.start_kubelet()
            if cidr:
                await node.assign_cidr(cidr)
        return await body(node)

    return serve(main)
