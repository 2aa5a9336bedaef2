"""PodTopologySpread's per-node hostname counts: reused between cycles, never stale.

The plugin keeps each node's count of matching pods while the node is unchanged; these tests
check that a long-lived plugin scores exactly as a fresh one after pods are added, removed,
relabelled or start terminating, and across selectors and namespaces.
"""

from __future__ import annotations

import random

import msgspec

from k8s_actors.api.labels import Selector
from k8s_actors.api.objects.pod import Pod
from k8s_actors.components.scheduler import Cache, Handle, PodInfo, Scheduler
from k8s_actors.components.scheduler.plugins import default_framework
from tests.components.scheduler.builders import node, pod, scores_of

SELECTORS = {"web": Selector.from_set({"app": "web"}), "db": Selector.from_set({"app": "db"})}


def _selected(info: PodInfo) -> list[Selector]:
    app = info.labels.get("app", "")
    return [SELECTORS[app]] if app in SELECTORS else []


def _scheduler(cache: Cache) -> Scheduler:
    handle = Handle(cache, rng=random.Random(0), selectors=_selected)
    return Scheduler(cache, default_framework(handle), handle.rng)


def _assert_same_as_fresh(cache: Cache, kept: Scheduler, incoming: Pod) -> None:
    fresh = _scheduler(cache)
    expected = scores_of(fresh, "PodTopologySpread", incoming)
    assert scores_of(kept, "PodTopologySpread", incoming) == expected


def test_kept_plugin_scores_like_a_fresh_one_as_pods_come_and_go() -> None:
    """Adds, removals, relabels, deletion marks, other selectors and namespaces: same scores."""
    cache = Cache()
    for name in ("n1", "n2", "n3"):
        cache.add_node(node(name))
    kept = _scheduler(cache)
    web = pod("incoming", {}, labels={"app": "web"})
    db = pod("incoming-db", {}, labels={"app": "db"})
    other_ns = pod("incoming-other", {}, namespace="other", labels={"app": "web"})
    for index, where in enumerate(("n1", "n1", "n2", "n1", "n3", "n2")):
        cache.add_pod(PodInfo(pod(f"w{index}", {}, node_name=where, labels={"app": "web"})))
        _assert_same_as_fresh(cache, kept, web)
        _assert_same_as_fresh(cache, kept, db)
        _assert_same_as_fresh(cache, kept, other_ns)
    cache.remove_pod(PodInfo(pod("w0", {}, node_name="n1")).key)
    _assert_same_as_fresh(cache, kept, web)
    relabelled = pod("w1", {}, node_name="n1", labels={"app": "db"})
    cache.update_pod(PodInfo(relabelled))
    _assert_same_as_fresh(cache, kept, web)
    _assert_same_as_fresh(cache, kept, db)
    deleted = pod("w2", {}, node_name="n2", labels={"app": "web"})
    marked = msgspec.structs.replace(
        deleted,
        metadata=msgspec.structs.replace(
            deleted.metadata, deletion_timestamp="2026-01-01T00:00:00Z"
        ),
    )
    cache.update_pod(PodInfo(marked))
    _assert_same_as_fresh(cache, kept, web)


def test_a_node_removed_and_added_again_is_counted_afresh() -> None:
    """A re-added node (a new NodeInfo whose generation restarts) never reuses the old count."""
    cache = Cache()
    cache.add_node(node("n1"))
    cache.add_node(node("n2"))
    for index in range(3):
        cache.add_pod(PodInfo(pod(f"w{index}", {}, node_name="n1", labels={"app": "web"})))
    kept = _scheduler(cache)
    web = pod("incoming", {}, labels={"app": "web"})
    _assert_same_as_fresh(cache, kept, web)
    for index in range(3):
        cache.remove_pod(PodInfo(pod(f"w{index}", {}, node_name="n1")).key)
    cache.remove_node("n1")
    cache.add_node(node("n1"))
    _assert_same_as_fresh(cache, kept, web)
