"""`NodeInfo`: one node and the aggregates of the pods on it, kept current incrementally.

Role: pkg/scheduler/framework NodeInfo. Holds the Node, its allocatable resources, the summed
requests (actual and non-zero) of its pods, the pod count, the host ports in use, the pods with
affinity terms, and a generation bumped on every change, so that filters and scores read a few
integers instead of walking pods; `pods_generation` changes only when the set of pods, or the
labels or deletion of one, changes (a status update does not), for counts over the pods'
labels. Neighbours: `podinfo` (what is summed), `cache` (owner), the plugins (readers).
"""

from __future__ import annotations

from k8s_actors.api.objects.cluster import Node
from k8s_actors.api.objects.scheduling import Taint
from k8s_actors.components.scheduler.podinfo import PodInfo, Resources

__all__ = ["NodeInfo"]


class NodeInfo:
    __slots__ = (
        "_removed",
        "alloc_cpu",
        "alloc_mem",
        "alloc_pods",
        "allocatable",
        "generation",
        "hard_taints",
        "image_sizes",
        "labels",
        "name",
        "node",
        "nonzero",
        "nz_cpu",
        "nz_mem",
        "pods",
        "pods_generation",
        "pods_with_affinity",
        "pods_with_required_anti_affinity",
        "prefer_taints",
        "req_cpu",
        "req_mem",
        "requested",
        "unschedulable",
        "used_ports",
    )

    def __init__(self, name: str) -> None:
        self.name = name
        self.node: Node | None = None
        self.labels: dict[str, str] = {}
        self.allocatable = Resources()
        self.alloc_pods = 0
        # cpu and memory copied out of the Resources above: read per node in every cycle.
        self.alloc_cpu = self.alloc_mem = 0
        self.req_cpu = self.req_mem = self.nz_cpu = self.nz_mem = 0
        self.requested = Resources()
        self.nonzero = Resources()
        self.pods: dict[str, PodInfo] = {}
        self.pods_with_affinity: dict[str, PodInfo] = {}
        self.pods_with_required_anti_affinity: dict[str, PodInfo] = {}
        self.used_ports: dict[tuple[str, str, int], int] = {}
        self.hard_taints: tuple[Taint, ...] = ()
        self.prefer_taints: tuple[Taint, ...] = ()
        # image name -> size in bytes, every name of every image the node reports
        self.image_sizes: dict[str, int] = {}
        self.generation = 0
        self.pods_generation = 0
        # The pod removed last, its label signature and the pods_generation before it went: an
        # update is a removal and an add of the same pod, which need not change what counts.
        self._removed: tuple[str, tuple[object, ...], int] | None = None
        # True until a Node object says otherwise: a node-less entry takes no pods.
        self.unschedulable = True

    def set_node(self, node: Node) -> None:
        self.node = node
        self.unschedulable = node.spec.unschedulable
        self.labels = node.metadata.labels
        allocatable = node.status.allocatable or node.status.capacity
        self.allocatable = Resources.of(allocatable)
        pods = allocatable.get("pods")
        self.alloc_pods = pods.value() if pods is not None else 0
        self.alloc_cpu = self.allocatable.cpu
        self.alloc_mem = self.allocatable.memory
        taints = node.spec.taints
        self.hard_taints = tuple(t for t in taints if t.effect in ("NoSchedule", "NoExecute"))
        self.prefer_taints = tuple(t for t in taints if t.effect == "PreferNoSchedule")
        self.image_sizes = {
            name: image.size_bytes for image in node.status.images for name in image.names
        }
        self.generation += 1

    def add_pod(self, info: PodInfo) -> None:
        self.pods[info.key] = info
        self.requested.add(info.requests)
        self.nonzero.add(info.nonzero)
        self._copy_out()
        for port in info.host_ports:
            self.used_ports[port] = self.used_ports.get(port, 0) + 1
        affinity = info.pod.spec.affinity
        if affinity is not None and (affinity.pod_affinity or affinity.pod_anti_affinity):
            self.pods_with_affinity[info.key] = info
            anti = affinity.pod_anti_affinity
            if anti is not None and anti.required_during_scheduling_ignored_during_execution:
                self.pods_with_required_anti_affinity[info.key] = info
        self.generation += 1
        removed, self._removed = self._removed, None
        if removed is not None and removed[0] == info.key and removed[1] == _signature(info):
            self.pods_generation = removed[2]  # the same pod, labelled the same, back again
        else:
            self.pods_generation += 1

    def remove_pod(self, key: str) -> PodInfo | None:
        info = self.pods.pop(key, None)
        if info is None:
            return None
        self.requested.add(info.requests, -1)
        self.nonzero.add(info.nonzero, -1)
        self._copy_out()
        for port in info.host_ports:
            left = self.used_ports[port] - 1
            if left:
                self.used_ports[port] = left
            else:
                del self.used_ports[port]
        self.pods_with_affinity.pop(key, None)
        self.pods_with_required_anti_affinity.pop(key, None)
        self.generation += 1
        self._removed = (key, _signature(info), self.pods_generation)
        self.pods_generation += 1
        return info

    def _copy_out(self) -> None:
        self.req_cpu = self.requested.cpu
        self.req_mem = self.requested.memory
        self.nz_cpu = self.nonzero.cpu
        self.nz_mem = self.nonzero.memory

    def clone(self) -> NodeInfo:
        """A copy whose pods can be removed and re-added (preemption's dry runs)."""
        copy = NodeInfo(self.name)
        copy.node = self.node
        copy.unschedulable = self.unschedulable
        copy.labels = self.labels
        copy.allocatable = self.allocatable
        copy.alloc_pods = self.alloc_pods
        copy.hard_taints = self.hard_taints
        copy.prefer_taints = self.prefer_taints
        copy.image_sizes = self.image_sizes
        copy.requested = self.requested.copy()
        copy.nonzero = self.nonzero.copy()
        copy.pods = dict(self.pods)
        copy.pods_with_affinity = dict(self.pods_with_affinity)
        copy.pods_with_required_anti_affinity = dict(self.pods_with_required_anti_affinity)
        copy.used_ports = dict(self.used_ports)
        copy.alloc_cpu, copy.alloc_mem = self.alloc_cpu, self.alloc_mem
        copy._copy_out()
        return copy


def _signature(info: PodInfo) -> tuple[object, ...]:
    """What a count of the pods matching a selector reads of one pod."""
    return (info.namespace, info.labels, info.terminating)
