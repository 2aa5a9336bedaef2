"""What a scenario's `cluster:` section says, typed: nodes, images and component settings.

Role: the `ClusterSpec` that `Cluster` is built from. Node groups are expanded into named nodes
with their capacity, labels and taints; the images catalogue says how each simulated image
behaves; `config` holds the component settings under Kubernetes' names, every one present with
its Kubernetes default unless the scenario sets it; `mutants` names deliberate defects switched
on to test the test kit. Neighbours: `cluster_loader` (builds it from
YAML), `cluster` (starts components from it).
"""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.api.quantity import Quantity

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")

# Defaults of the settings a scenario may change, as Kubernetes ships them.
# nodeMonitorGracePeriod became 50s in Kubernetes 1.32 (was 40s); see
# pkg/controller/nodelifecycle and cmd/kube-controller-manager/app/options.
CONFIG_DEFAULTS: dict[str, Any] = {
    "nodeMonitorGracePeriod": 50.0,
    "nodeStartupGracePeriod": 60.0,
    "podEvictionTimeout": 300.0,
    "defaultTolerationSeconds": 300.0,
    "terminatedPodGCThreshold": 12500,
    "clusterCIDR": "10.244.0.0/16",
    "nodeCIDRMaskSize": 24,
    "serviceClusterIPRange": "10.96.0.0/12",
    "serviceNodePortRange": "30000-32767",
    "proxyMode": "iptables",
    # The simulated cloud's external addresses for LoadBalancer Services (TEST-NET-3).
    "loadBalancerIPPool": "203.0.113.10-203.0.113.254",
    # Like kubeadm, no cloud provider and no ingress controller unless asked for:
    # "simulated" starts the cloud-controller-manager, "nginx" the ingress controller.
    "cloudProvider": "none",
    "ingressController": "none",
}
ADDON_CHOICES: dict[str, tuple[str, ...]] = {
    "cloudProvider": ("none", "simulated"),
    "ingressController": ("none", "nginx"),
}
# kube-proxy's --proxy-mode values (and the IPVS scheduler used by ipvs: rr).
PROXY_MODES = ("iptables", "ipvs")
DURATION_SETTINGS = (
    "nodeMonitorGracePeriod",
    "nodeStartupGracePeriod",
    "podEvictionTimeout",
    "defaultTolerationSeconds",
)
INTEGER_SETTINGS = ("terminatedPodGCThreshold", "nodeCIDRMaskSize")

# A node that says nothing of its capacity gets what a small kind node reports.
DEFAULT_CAPACITY = {"cpu": "4", "memory": "8Gi", "pods": "110", "ephemeral-storage": "100Gi"}


class TaintSpec(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    value: str = ""
    effect: str = "NoSchedule"


class NodeSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One simulated node; `allocatable` is capacity unless the scenario says otherwise."""

    name: str
    capacity: dict[str, Quantity]
    allocatable: dict[str, Quantity]
    labels: dict[str, str]
    taints: tuple[TaintSpec, ...] = ()


class ImageSpec(msgspec.Struct, frozen=True, kw_only=True):
    """How a simulated image behaves once pulled; None: never (runs and stays healthy)."""

    pull_time: float = 0.0
    start_time: float = 0.0
    ready_after: float = 0.0
    exit_after: float | None = None
    exit_code: int = 0
    fail_liveness_after: float | None = None


class ClusterSpec(msgspec.Struct, frozen=True, kw_only=True):
    nodes: tuple[NodeSpec, ...] = ()
    images: dict[str, ImageSpec] = msgspec.field(default_factory=dict)
    config: dict[str, Any] = msgspec.field(default_factory=lambda: dict(CONFIG_DEFAULTS))
    controller_managers: int = 1
    # Deliberate defects for testing the test kit (k8s_actors.kernel.mutants); never in a real
    # scenario.
    mutants: tuple[str, ...] = ()

    def node_names(self) -> list[str]:
        return [node.name for node in self.nodes]
