"""Tests for the scheduler cache's node list (Kubernetes' nodeTree) under node updates."""

from __future__ import annotations

import msgspec

from k8s_actors.api.objects.pod import PodStatus
from k8s_actors.components.scheduler import Cache, PodInfo
from k8s_actors.components.scheduler.cache import ZONE_LABEL
from tests.components.scheduler.builders import node, pod


def names(cache: Cache) -> list[str]:
    return [info.name for info in cache.node_list()]


def test_a_node_updated_within_its_zone_keeps_its_place_in_the_list() -> None:
    """nodeTree.updateNode does nothing when the zone is unchanged (node_tree.go)."""
    cache = Cache()
    for name in ("a", "b", "c"):
        cache.add_node(node(name))
    listed = cache.node_list()
    cache.update_node(node("a", images=((("pause:3.10",), 700),)))
    assert names(cache) == ["a", "b", "c"]
    assert cache.node_list() is listed  # not rebuilt
    assert cache.image_nodes == {"pause:3.10": 1}
    assert cache.nodes["a"].image_sizes == {"pause:3.10": 700}


def test_image_counts_follow_updates_that_add_and_drop_images() -> None:
    cache = Cache()
    cache.add_node(node("a", images=((("x",), 1),)))
    cache.add_node(node("b", images=((("x",), 1),)))
    cache.update_node(node("a", images=((("y",), 1),)))
    assert cache.image_nodes == {"x": 1, "y": 1}


def test_a_node_that_changes_zone_moves_to_its_new_zone() -> None:
    cache = Cache()
    cache.add_node(node("a", labels={ZONE_LABEL: "z1"}))
    cache.add_node(node("b", labels={ZONE_LABEL: "z1"}))
    cache.add_node(node("c", labels={ZONE_LABEL: "z2"}))
    assert names(cache) == ["a", "c", "b"]  # zones interleaved
    cache.update_node(node("a", labels={ZONE_LABEL: "z2"}))
    assert names(cache) == ["b", "c", "a"]


def test_a_status_update_keeps_the_pods_generation_a_relabel_does_not() -> None:
    """Counts over the pods' labels (PodTopologySpread's) stay valid across status updates."""
    cache = Cache()
    info = cache.add_node(node("node-1"))
    web = pod("web", {"cpu": "100m"}, node_name="node-1", labels={"app": "web"})
    cache.add_pod(PodInfo(web))
    generation, pods_generation = info.generation, info.pods_generation
    running = msgspec.structs.replace(web, status=PodStatus(phase="Running"))
    cache.update_pod(PodInfo(running))
    assert info.generation > generation
    assert info.pods_generation == pods_generation
    relabelled = msgspec.structs.replace(
        running, metadata=msgspec.structs.replace(running.metadata, labels={"app": "api"})
    )
    cache.update_pod(PodInfo(relabelled))
    assert info.pods_generation > pods_generation
