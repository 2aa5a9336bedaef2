"""What the scheduler needs to know of a pod, computed once: requests, ports, images, priority.

Role: `PodInfo` wraps a Pod with the figures every plugin reads, so that no plugin walks the
containers again for each node: the effective requests (Kubernetes' resourcehelper.PodRequests:
regular containers plus sidecars, against the largest init container, plus overhead), the
"non-zero" requests the scoring uses (100m cpu / 200Mi memory for a container that names none,
pkg/scheduler/util NonZero defaults), host ports, images and the resolved priority.
Neighbours: `nodeinfo` and `cache` (aggregate PodInfos per node), `queue`, the plugins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.quantity import Quantity

__all__ = [
    "DEFAULT_MEMORY_REQUEST",
    "DEFAULT_MILLI_CPU_REQUEST",
    "PodInfo",
    "Resources",
    "normalized_image_name",
]

DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
CPU, MEMORY, EPHEMERAL = "cpu", "memory", "ephemeral-storage"
# Requests that are not resources a node runs out of (pods is counted per pod).
_IGNORED = frozenset({"pods"})


class Resources:
    """cpu (milli), memory and ephemeral-storage (bytes), and scalar resources by name."""

    __slots__ = ("cpu", "ephemeral", "memory", "scalar")

    def __init__(
        self,
        cpu: int = 0,
        memory: int = 0,
        ephemeral: int = 0,
        scalar: dict[str, int] | None = None,
    ) -> None:
        self.cpu = cpu
        self.memory = memory
        self.ephemeral = ephemeral
        self.scalar: dict[str, int] = scalar or {}

    @classmethod
    def of(cls, quantities: Mapping[str, Quantity]) -> Resources:
        """Resources from a requests/allocatable map."""
        result = cls()
        for name, quantity in quantities.items():
            result.set(name, quantity)
        return result

    def set(self, name: str, quantity: Quantity) -> None:
        if name == CPU:
            self.cpu = quantity.milli_value()
        elif name == MEMORY:
            self.memory = quantity.value()
        elif name == EPHEMERAL:
            self.ephemeral = quantity.value()
        elif name not in _IGNORED:
            self.scalar[name] = quantity.value()

    def add(self, other: Resources, sign: int = 1) -> None:
        self.cpu += sign * other.cpu
        self.memory += sign * other.memory
        self.ephemeral += sign * other.ephemeral
        for name, value in other.scalar.items():
            self.scalar[name] = self.scalar.get(name, 0) + sign * value

    def take_max(self, other: Resources) -> None:
        self.cpu = max(self.cpu, other.cpu)
        self.memory = max(self.memory, other.memory)
        self.ephemeral = max(self.ephemeral, other.ephemeral)
        for name, value in other.scalar.items():
            self.scalar[name] = max(self.scalar.get(name, 0), value)

    def copy(self) -> Resources:
        return Resources(self.cpu, self.memory, self.ephemeral, dict(self.scalar))

    def is_zero(self) -> bool:
        return not (self.cpu or self.memory or self.ephemeral or any(self.scalar.values()))

    def get(self, name: str) -> int:
        if name == CPU:
            return self.cpu
        if name == MEMORY:
            return self.memory
        if name == EPHEMERAL:
            return self.ephemeral
        return self.scalar.get(name, 0)


def _container_requests(container: Container, non_zero: bool) -> Resources:
    requests = container.resources.requests
    result = Resources.of(requests)
    if non_zero:
        if CPU not in requests:
            result.cpu = DEFAULT_MILLI_CPU_REQUEST
        if MEMORY not in requests:
            result.memory = DEFAULT_MEMORY_REQUEST
    return result


def pod_requests(pod: Pod, non_zero: bool = False) -> Resources:
    """resourcehelper.PodRequests: containers + sidecars vs. the largest init step, + overhead."""
    total = Resources()
    for container in pod.spec.containers:
        total.add(_container_requests(container, non_zero))
    sidecars = Resources()
    init_peak = Resources()
    for container in pod.spec.init_containers:
        requests = _container_requests(container, non_zero)
        if container.restart_policy == "Always":
            total.add(requests)
            sidecars.add(requests)
            step = sidecars.copy()
        else:
            step = requests.copy()
            step.add(sidecars)
        init_peak.take_max(step)
    total.take_max(init_peak)
    if pod.spec.overhead:
        total.add(Resources.of(pod.spec.overhead))
    return total


def normalized_image_name(name: str) -> str:
    """An image named without tag or digest means its :latest tag (image_locality.go)."""
    if "@" in name:
        return name
    if ":" not in name.rsplit("/", 1)[-1]:
        return name + ":latest"
    return name


def _host_ports(pod: Pod) -> tuple[tuple[str, str, int], ...]:
    ports: list[tuple[str, str, int]] = []
    for container in (*pod.spec.init_containers, *pod.spec.containers):
        for port in container.ports:
            if port.host_port:
                ports.append((port.host_ip or "0.0.0.0", port.protocol or "TCP", port.host_port))
    return tuple(ports)


class PodInfo:
    """A pod and its precomputed scheduling figures; `priority` is resolved by the caller."""

    __slots__ = (
        "attempts",
        "host_ports",
        "images",
        "initial_attempt",
        "key",
        "labels",
        "namespace",
        "nonzero",
        "pod",
        "priority",
        "requests",
        "state",
        "timestamp",
    )

    def __init__(self, pod: Pod, priority: int | None = None) -> None:
        self.pod = pod
        meta = pod.metadata
        self.key = f"{meta.namespace}/{meta.name}"
        self.namespace = meta.namespace
        self.labels = meta.labels
        self.requests = pod_requests(pod)
        self.nonzero = pod_requests(pod, non_zero=True)
        self.host_ports = _host_ports(pod)
        self.images = tuple(
            normalized_image_name(c.image)
            for c in (*pod.spec.init_containers, *pod.spec.containers)
            if c.image
        )
        self.priority = priority if priority is not None else (pod.spec.priority or 0)
        # Queue bookkeeping: when the pod entered the queue, how often it was tried.
        self.timestamp = 0.0
        self.initial_attempt: float | None = None
        self.attempts = 0
        # Free for plugins that precompute per-pod data (parsed terms and selectors).
        self.state: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return self.pod.metadata.name

    @property
    def uid(self) -> str:
        return self.pod.metadata.uid

    @property
    def node_name(self) -> str:
        return self.pod.spec.node_name

    @property
    def terminating(self) -> bool:
        return self.pod.metadata.deletion_timestamp is not None

    def update(self, pod: Pod) -> None:
        """Take a newer version of the same pod, keeping the queue bookkeeping."""
        fresh = PodInfo(pod, self.priority)
        for slot in ("pod", "labels", "requests", "nonzero", "host_ports", "images"):
            setattr(self, slot, getattr(fresh, slot))
        self.state = {}
