"""The kubelet (layer 3): one actor per node, at address "kubelet/<node>".

Registers its Node, renews its Lease and posts node status, watches the pods bound to its node,
admits them and runs each through a pod worker over a simulated container runtime (sandboxes with
the pause image, CNI IPs from the node's podCIDR, image pulls, containers, probes, restarts with
back-off), writing pod status through the status subresource. See docs/kubelet.md.
Modules: `agent` (the actor), `nodestatus` (Node and Lease), `worker` (the pod worker's async
shell), `podworker` (its synchronous core), `containers` (starting and stopping a container),
`status` (phase, conditions, container statuses), `admission`, `probes`, `backoff`, `volumes`,
`runtime` and `cni` (the simulated node), `config` (node and image descriptions), `events`.
"""

from k8s_actors.components.kubelet.agent import Kubelet
from k8s_actors.components.kubelet.config import (
    ImageBehaviour,
    ImageCatalogue,
    NodeConfig,
    TaintConfig,
)
from k8s_actors.components.kubelet.runtime import PAUSE_IMAGE, NodeRuntime
from k8s_actors.messages import kubelet_address

__all__ = [
    "PAUSE_IMAGE",
    "ImageBehaviour",
    "ImageCatalogue",
    "Kubelet",
    "NodeConfig",
    "NodeRuntime",
    "TaintConfig",
    "kubelet_address",
]
