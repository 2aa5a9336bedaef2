"""The kube-controller-manager component: one actor hosting one module per controller.

`DEFAULT_CONTROLLERS` lists the controllers an instance runs, by their Kubernetes names.
"""

from k8s_actors.client.events import EventRecorder
from k8s_actors.components.controller_manager.base import Controller, ControllerContext
from k8s_actors.components.controller_manager.deployment import DeploymentController
from k8s_actors.components.controller_manager.endpointslice import EndpointSliceController
from k8s_actors.components.controller_manager.garbagecollector import GarbageCollector
from k8s_actors.components.controller_manager.manager import (
    CONTROLLER_MANAGER_ADDRESS,
    ControllerFactory,
    ControllerManager,
    LeadershipLost,
)
from k8s_actors.components.controller_manager.namespace import NamespaceController
from k8s_actors.components.controller_manager.nodeipam import NodeIpamController
from k8s_actors.components.controller_manager.nodelifecycle import NodeLifecycleController
from k8s_actors.components.controller_manager.podgc import PodGCController
from k8s_actors.components.controller_manager.replicaset import ReplicaSetController
from k8s_actors.components.controller_manager.tainteviction import TaintEvictionController

DEFAULT_CONTROLLERS: list[tuple[str, ControllerFactory]] = [
    ("replicaset-controller", ReplicaSetController),
    ("deployment-controller", DeploymentController),
    ("garbage-collector-controller", GarbageCollector),
    ("pod-garbage-collector-controller", PodGCController),
    ("namespace-controller", NamespaceController),
    ("node-lifecycle-controller", NodeLifecycleController),
    ("taint-eviction-controller", TaintEvictionController),
    ("node-ipam-controller", NodeIpamController),
    ("endpointslice-controller", EndpointSliceController),
]

__all__ = [
    "CONTROLLER_MANAGER_ADDRESS",
    "DEFAULT_CONTROLLERS",
    "Controller",
    "ControllerContext",
    "ControllerFactory",
    "ControllerManager",
    "EventRecorder",
    "LeadershipLost",
]
