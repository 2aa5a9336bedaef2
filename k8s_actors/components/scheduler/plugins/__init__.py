"""The default plugins of kube-scheduler's v1 profile, in MultiPoint order, and their weights.

Role: apis/config/v1/default_plugins.go. Volume plugins (VolumeRestrictions, NodeVolumeLimits,
VolumeBinding, VolumeZone) are left out: the simulation has no PersistentVolumes to bind.
DefaultBinder is the actor's binding call; SchedulingGates is not modelled.
Neighbours: one module per plugin; `framework` (Framework, Handle).
"""

from __future__ import annotations

from k8s_actors.components.scheduler.framework import Framework, Handle, Plugin
from k8s_actors.components.scheduler.plugins.basic import (
    NodeName,
    NodePorts,
    NodeUnschedulable,
    PrioritySort,
)
from k8s_actors.components.scheduler.plugins.default_preemption import DefaultPreemption
from k8s_actors.components.scheduler.plugins.image_locality import ImageLocality
from k8s_actors.components.scheduler.plugins.inter_pod_affinity import InterPodAffinity
from k8s_actors.components.scheduler.plugins.node_affinity import NodeAffinity
from k8s_actors.components.scheduler.plugins.node_resources import (
    BalancedAllocation,
    NodeResourcesFit,
)
from k8s_actors.components.scheduler.plugins.taint_toleration import TaintToleration
from k8s_actors.components.scheduler.plugins.topology_spread import PodTopologySpread

__all__ = [
    "DEFAULT_PLUGINS",
    "DEFAULT_WEIGHTS",
    "BalancedAllocation",
    "DefaultPreemption",
    "ImageLocality",
    "InterPodAffinity",
    "NodeAffinity",
    "NodeName",
    "NodePorts",
    "NodeResourcesFit",
    "NodeUnschedulable",
    "PodTopologySpread",
    "PrioritySort",
    "TaintToleration",
    "default_framework",
]

DEFAULT_PLUGINS: list[type[Plugin]] = [
    PrioritySort,
    NodeUnschedulable,
    NodeName,
    TaintToleration,
    NodeAffinity,
    NodePorts,
    NodeResourcesFit,
    PodTopologySpread,
    InterPodAffinity,
    DefaultPreemption,
    BalancedAllocation,
    ImageLocality,
]

DEFAULT_WEIGHTS: dict[str, int] = {
    "TaintToleration": 3,
    "NodeAffinity": 2,
    "PodTopologySpread": 2,
    "InterPodAffinity": 2,
    "NodeResourcesFit": 1,
    "NodeResourcesBalancedAllocation": 1,
    "ImageLocality": 1,
}


def default_framework(handle: Handle) -> Framework:
    """The default profile over `handle`."""
    return Framework(handle, [plugin(handle) for plugin in DEFAULT_PLUGINS], dict(DEFAULT_WEIGHTS))
