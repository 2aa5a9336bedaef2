"""Every Kubernetes kind of the object model, one module per group of kinds.

Role: the frozen msgspec Structs with the real wire names. `pod` (with its parts in
`container`, `volume`, `scheduling`), `workloads`, `service`, `config`, `cluster`,
`machinery`. Neighbours: `registry` (which kind lives where), `codec`, `defaults`, `validation`.
"""

from k8s_actors.api.objects.cluster import Event, Lease, Namespace, Node, PriorityClass
from k8s_actors.api.objects.common import IntOrString, ObjectReference
from k8s_actors.api.objects.config import ConfigMap, Secret, ServiceAccount
from k8s_actors.api.objects.machinery import (
    Binding,
    DeleteOptions,
    Eviction,
    List,
    Scale,
    Status,
    StatusCause,
    StatusDetails,
)
from k8s_actors.api.objects.pod import Pod, PodSpec, PodStatus, PodTemplateSpec
from k8s_actors.api.objects.service import EndpointSlice, Service
from k8s_actors.api.objects.workloads import Deployment, ReplicaSet

KubeObject = (
    Pod
    | Deployment
    | ReplicaSet
    | Service
    | EndpointSlice
    | ConfigMap
    | Secret
    | ServiceAccount
    | Namespace
    | Node
    | Lease
    | Event
    | PriorityClass
    | Binding
    | Eviction
    | Scale
    | Status
    | DeleteOptions
    | List
)
"""Any top-level object the API knows (the union is for typing; dispatch goes by registry)."""

__all__ = [
    "Binding",
    "ConfigMap",
    "DeleteOptions",
    "Deployment",
    "EndpointSlice",
    "Event",
    "Eviction",
    "IntOrString",
    "KubeObject",
    "Lease",
    "List",
    "Namespace",
    "Node",
    "ObjectReference",
    "Pod",
    "PodSpec",
    "PodStatus",
    "PodTemplateSpec",
    "PriorityClass",
    "ReplicaSet",
    "Scale",
    "Secret",
    "Service",
    "ServiceAccount",
    "Status",
    "StatusCause",
    "StatusDetails",
]
