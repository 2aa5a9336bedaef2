"""Cluster kinds: Namespace, Node, Lease, Event, PriorityClass.

Role: the scopes, machines, heartbeats and records a cluster is made of. Neighbours:
`scheduling` (Taint), `common` (ObjectReference), `machinery` (Status, Binding, Eviction),
`defaults.cluster`, `validation.cluster`.
"""

from __future__ import annotations

import msgspec

from k8s_actors.api.meta import Model, ObjectMeta
from k8s_actors.api.objects.common import ObjectReference, fixed
from k8s_actors.api.objects.scheduling import Taint
from k8s_actors.api.quantity import Quantity


class NamespaceSpec(Model, frozen=True):
    finalizers: tuple[str, ...] = ()


class NamespaceCondition(Model, frozen=True):
    type: str
    status: str
    last_transition_time: str | None = None
    reason: str = ""
    message: str = ""


class NamespaceStatus(Model, frozen=True):
    phase: str = ""
    conditions: tuple[NamespaceCondition, ...] = ()


class Namespace(Model, frozen=True):
    """core/v1 Namespace (cluster-scoped)."""

    api_version: str = fixed("v1")
    kind: str = fixed("Namespace")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: NamespaceSpec = msgspec.field(default_factory=NamespaceSpec)
    status: NamespaceStatus = msgspec.field(default_factory=NamespaceStatus)


class NodeSpec(Model, frozen=True):
    pod_cidr: str = msgspec.field(default="", name="podCIDR")
    pod_cidrs: tuple[str, ...] = msgspec.field(default=(), name="podCIDRs")
    provider_id: str = msgspec.field(default="", name="providerID")
    unschedulable: bool = False
    taints: tuple[Taint, ...] = ()


class NodeCondition(Model, frozen=True):
    """Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable."""

    type: str
    status: str
    last_heartbeat_time: str | None = None
    last_transition_time: str | None = None
    reason: str = ""
    message: str = ""


class NodeAddress(Model, frozen=True):
    """type Hostname, InternalIP, ExternalIP, InternalDNS or ExternalDNS."""

    type: str
    address: str


class DaemonEndpoint(Model, frozen=True):
    port: int = msgspec.field(default=0, name="Port")


class NodeDaemonEndpoints(Model, frozen=True):
    kubelet_endpoint: DaemonEndpoint = msgspec.field(default_factory=DaemonEndpoint)


class NodeSystemInfo(Model, frozen=True):
    machine_id: str = msgspec.field(default="", name="machineID")
    system_uuid: str = msgspec.field(default="", name="systemUUID")
    boot_id: str = msgspec.field(default="", name="bootID")
    kernel_version: str = ""
    os_image: str = ""
    container_runtime_version: str = ""
    kubelet_version: str = ""
    kube_proxy_version: str = ""
    operating_system: str = ""
    architecture: str = ""


class ContainerImage(Model, frozen=True):
    names: tuple[str, ...] = ()
    size_bytes: int = 0


class NodeStatus(Model, frozen=True):
    capacity: dict[str, Quantity] = msgspec.field(default_factory=dict)
    allocatable: dict[str, Quantity] = msgspec.field(default_factory=dict)
    phase: str = ""
    conditions: tuple[NodeCondition, ...] = ()
    addresses: tuple[NodeAddress, ...] = ()
    daemon_endpoints: NodeDaemonEndpoints = msgspec.field(default_factory=NodeDaemonEndpoints)
    node_info: NodeSystemInfo = msgspec.field(default_factory=NodeSystemInfo)
    images: tuple[ContainerImage, ...] = ()
    volumes_in_use: tuple[str, ...] = ()


class Node(Model, frozen=True):
    """core/v1 Node (cluster-scoped; stored under /registry/minions/)."""

    api_version: str = fixed("v1")
    kind: str = fixed("Node")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: NodeSpec = msgspec.field(default_factory=NodeSpec)
    status: NodeStatus = msgspec.field(default_factory=NodeStatus)


class LeaseSpec(Model, frozen=True):
    """acquireTime/renewTime are MicroTime strings (RFC3339 with microseconds)."""

    holder_identity: str | None = None
    lease_duration_seconds: int | None = None
    acquire_time: str | None = None
    renew_time: str | None = None
    lease_transitions: int | None = None


class Lease(Model, frozen=True):
    """coordination.k8s.io/v1 Lease: node heartbeats and leader election."""

    api_version: str = fixed("coordination.k8s.io/v1")
    kind: str = fixed("Lease")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: LeaseSpec = msgspec.field(default_factory=LeaseSpec)


class EventSource(Model, frozen=True):
    component: str = ""
    host: str = ""


class Event(Model, frozen=True):
    """core/v1 Event; type Normal or Warning."""

    api_version: str = fixed("v1")
    kind: str = fixed("Event")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    involved_object: ObjectReference = msgspec.field(default_factory=ObjectReference)
    reason: str = ""
    message: str = ""
    source: EventSource = msgspec.field(default_factory=EventSource)
    first_timestamp: str | None = None
    last_timestamp: str | None = None
    count: int = 0
    type: str = ""
    event_time: str | None = None
    action: str = ""
    related: ObjectReference | None = None
    reporting_component: str = ""
    reporting_instance: str = ""


class PriorityClass(Model, frozen=True):
    """scheduling.k8s.io/v1 PriorityClass (cluster-scoped)."""

    api_version: str = fixed("scheduling.k8s.io/v1")
    kind: str = fixed("PriorityClass")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    value: int = 0
    global_default: bool = False
    description: str = ""
    preemption_policy: str | None = None
