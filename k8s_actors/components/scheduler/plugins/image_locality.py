"""ImageLocality: prefer nodes that already have the pod's images, weighted by their spread.

Role: plugins/imagelocality. For each container image present on the node, add its size times
the share of nodes having it; clamp the sum to [23 MiB, 1000 MiB x containers] and scale to
0..100. Neighbours: `cache` (on how many nodes each image is), `podinfo` (normalised names).
"""

from __future__ import annotations

from k8s_actors.components.scheduler.framework import MAX_NODE_SCORE, CycleState, Plugin
from k8s_actors.components.scheduler.nodeinfo import NodeInfo
from k8s_actors.components.scheduler.podinfo import PodInfo

__all__ = ["ImageLocality", "image_score"]

MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB


def image_score(total: int, containers: int) -> int:
    """calculatePriority: the clamped sum scaled between the two thresholds."""
    max_threshold = MAX_CONTAINER_THRESHOLD * containers
    total = min(max(total, MIN_THRESHOLD), max_threshold)
    return MAX_NODE_SCORE * (total - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


class ImageLocality(Plugin):
    name = "ImageLocality"

    def score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        images = pod.images
        containers = len(pod.pod.spec.containers) + len(pod.pod.spec.init_containers)
        if not images or not containers:
            return [0] * len(nodes)
        spread = self.handle.cache.image_nodes
        all_nodes = len(self.handle.cache.node_list()) or 1
        scores: list[int] = []
        for node in nodes:
            sizes = node.image_sizes
            if not sizes:
                scores.append(0)
                continue
            total = 0
            for image in images:
                size = sizes.get(image)
                if size is not None:
                    total += int(size * (spread.get(image, 0) / all_nodes))
            scores.append(image_score(total, containers))
        return scores
