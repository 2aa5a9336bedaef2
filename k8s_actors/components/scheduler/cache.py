"""The scheduler cache: every node's `NodeInfo`, the pods on them, and the pods assumed bound.

Role: pkg/scheduler/backend/cache. Assigned pods seen by the informer are added to their node; a
pod the scheduler has chosen a node for is *assumed* there at once (it counts against the node
before the binding is written, so the next pod does not take the same room), then confirmed when
the informer reports it bound, or forgotten when the binding fails. Nodes are listed in the
order of Kubernetes' nodeTree: zones interleaved, nodes in the order they were added, so that
the rotating start of each filtering pass spreads over zones. Also counts on how many nodes each
image is (ImageLocality's spread factor). Neighbours: `nodeinfo`, `podinfo`, `core` (reads
`node_list`), `agent` (feeds it from informers).
"""

from __future__ import annotations

from k8s_actors.api.objects.cluster import Node
from k8s_actors.components.scheduler.nodeinfo import NodeInfo
from k8s_actors.components.scheduler.podinfo import PodInfo

__all__ = ["Cache", "zone_of"]

ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"


def zone_of(node: Node) -> str:
    """utilnode.GetZoneKey: region and zone labels joined, "" when both are missing."""
    labels = node.metadata.labels
    region = labels.get(REGION_LABEL, "")
    zone = labels.get(ZONE_LABEL, "")
    return f"{region}:\x00:{zone}" if region or zone else ""


class Cache:
    def __init__(self) -> None:
        self.nodes: dict[str, NodeInfo] = {}
        self.pod_nodes: dict[str, str] = {}
        self.assumed: dict[str, None] = {}
        self.image_nodes: dict[str, int] = {}
        # Pods with (anti-)affinity terms anywhere: InterPodAffinity skips in O(1) when none.
        self.pods_with_affinity = 0
        self.pods_with_required_anti_affinity = 0
        self._zones: dict[str, list[str]] = {}
        self._listed: list[NodeInfo] | None = None

    # -- nodes -----------------------------------------------------------------------------------

    def add_node(self, node: Node) -> NodeInfo:
        name = node.metadata.name
        info = self.nodes.get(name)
        if info is None:
            info = self.nodes[name] = NodeInfo(name)
        if info.node is not None and zone_of(info.node) == zone_of(node):
            # nodeTree.updateNode: a node that stays in its zone keeps its place in the list
            # (node_tree.go), and the list need not be rebuilt: only the image counts change.
            self._count_images(info, -1)
            info.set_node(node)
            self._count_images(info, 1)
            return info
        if info.node is not None:
            self._untrack(info)
        info.set_node(node)
        self._track(info)
        return info

    update_node = add_node

    def remove_node(self, name: str) -> None:
        info = self.nodes.get(name)
        if info is None or info.node is None:
            return
        self._untrack(info)
        if info.pods:
            # Pods still bound there keep a node-less entry until they are deleted (as upstream).
            info.node = None
            info.unschedulable = True
            info.generation += 1
        else:
            del self.nodes[name]

    def _track(self, info: NodeInfo) -> None:
        assert info.node is not None
        self._zones.setdefault(zone_of(info.node), []).append(info.name)
        self._count_images(info, 1)
        self._listed = None

    def _untrack(self, info: NodeInfo) -> None:
        assert info.node is not None
        zone = zone_of(info.node)
        names = self._zones.get(zone, [])
        if info.name in names:
            names.remove(info.name)
            if not names:
                del self._zones[zone]
        self._count_images(info, -1)
        self._listed = None

    def _count_images(self, info: NodeInfo, sign: int) -> None:
        for image in info.image_sizes:
            left = self.image_nodes.get(image, 0) + sign
            if left > 0:
                self.image_nodes[image] = left
            else:
                self.image_nodes.pop(image, None)

    def node_list(self) -> list[NodeInfo]:
        """Nodes with a Node object, zones interleaved (nodeTree.list)."""
        if self._listed is None:
            zones = list(self._zones.values())
            listed: list[NodeInfo] = []
            for index in range(max((len(names) for names in zones), default=0)):
                for names in zones:
                    if index < len(names):
                        listed.append(self.nodes[names[index]])
            self._listed = listed
        return self._listed

    # -- pods ------------------------------------------------------------------------------------

    def add_pod(self, info: PodInfo) -> None:
        """An assigned pod from the informer: confirms an assumed pod, or adds a new one."""
        self.assumed.pop(info.key, None)
        self.remove_pod(info.key)
        self._place(info, info.node_name)

    update_pod = add_pod

    def remove_pod(self, key: str) -> PodInfo | None:
        node_name = self.pod_nodes.pop(key, None)
        if node_name is None:
            return None
        self.assumed.pop(key, None)
        node = self.nodes.get(node_name)
        if node is None:
            return None
        removed = node.remove_pod(key)
        if removed is not None:
            self._count_affinity(removed, -1)
        if node.node is None and not node.pods:
            del self.nodes[node_name]
        return removed

    def assume(self, info: PodInfo, node_name: str) -> None:
        """Count the pod on `node_name` now; the binding is written afterwards."""
        self.remove_pod(info.key)
        self._place(info, node_name)
        self.assumed[info.key] = None

    def forget(self, key: str) -> None:
        """The binding failed: the assumed pod no longer counts anywhere."""
        if key in self.assumed:
            self.remove_pod(key)

    def is_assumed(self, key: str) -> bool:
        return key in self.assumed

    def _place(self, info: PodInfo, node_name: str) -> None:
        node = self.nodes.get(node_name)
        if node is None:
            node = self.nodes[node_name] = NodeInfo(node_name)
        node.add_pod(info)
        self.pod_nodes[info.key] = node_name
        self._count_affinity(info, 1)

    def _count_affinity(self, info: PodInfo, sign: int) -> None:
        affinity = info.pod.spec.affinity
        if affinity is None or not (affinity.pod_affinity or affinity.pod_anti_affinity):
            return
        self.pods_with_affinity += sign
        anti = affinity.pod_anti_affinity
        if anti is not None and anti.required_during_scheduling_ignored_during_execution:
            self.pods_with_required_anti_affinity += sign
