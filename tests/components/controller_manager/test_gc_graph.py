"""The garbage collector's dependency graph, driven by informer events directly."""

from __future__ import annotations

from typing import Any

from k8s_actors.api.meta import ObjectMeta, OwnerReference
from k8s_actors.api.objects.config import ConfigMap
from k8s_actors.components.controller_manager.gc_graph import (
    AbsentOwnerCache,
    GraphBuilder,
    Identity,
)


def ref(uid: str, name: str = "", *, block: bool | None = None) -> OwnerReference:
    return OwnerReference(
        api_version="v1",
        kind="ConfigMap",
        name=name or uid,
        uid=uid,
        block_owner_deletion=block,
    )


def cm(
    uid: str,
    *owners: OwnerReference,
    namespace: str = "default",
    deleting: bool = False,
    finalizers: tuple[str, ...] = (),
) -> ConfigMap:
    meta = ObjectMeta(
        name=uid,
        namespace=namespace,
        uid=uid,
        owner_references=owners,
        finalizers=finalizers,
        deletion_timestamp="2025-01-01T00:00:10Z" if deleting else None,
    )
    return ConfigMap(metadata=meta)


def uids(nodes: list[Any]) -> list[str]:
    return [node.uid for node in nodes]


def test_an_unseen_owner_gets_a_virtual_node_queued_for_verification() -> None:
    graph = GraphBuilder()
    changes = graph.observe("add", "v1", "ConfigMap", cm("child", ref("owner")))
    owner = graph.nodes["owner"]
    assert owner.virtual and uids(changes.to_delete) == ["owner"]
    assert list(owner.dependents) == ["child"]
    graph.observe("add", "v1", "ConfigMap", cm("owner"))
    assert not graph.nodes["owner"].virtual  # observed: a real node now


def test_deleting_an_owner_queues_its_dependents_and_remembers_it_absent() -> None:
    graph = GraphBuilder()
    graph.observe("add", "v1", "ConfigMap", cm("owner"))
    graph.observe("add", "v1", "ConfigMap", cm("a", ref("owner")))
    graph.observe("add", "v1", "ConfigMap", cm("b", ref("owner")))
    changes = graph.observe("delete", "v1", "ConfigMap", cm("owner"))
    assert uids(changes.to_delete) == ["a", "b"]
    assert "owner" not in graph.nodes
    assert Identity("v1", "ConfigMap", "default", "owner", "owner") in graph.absent


def test_foreground_deletion_marks_the_owner_and_queues_it_with_its_dependents() -> None:
    graph = GraphBuilder()
    before = cm("owner")
    graph.observe("add", "v1", "ConfigMap", before)
    graph.observe("add", "v1", "ConfigMap", cm("a", ref("owner", block=True)))
    after = cm("owner", deleting=True, finalizers=("foregroundDeletion",))
    changes = graph.observe("update", "v1", "ConfigMap", after, before)
    assert graph.nodes["owner"].deleting_dependents
    assert uids(changes.to_delete) == ["a", "owner"]
    assert uids(graph.nodes["owner"].blocking_dependents()) == ["a"]
    # The same state seen again is no new transition.
    assert graph.observe("update", "v1", "ConfigMap", after, after).to_delete == []


def test_orphan_deletion_queues_the_owner_for_orphaning() -> None:
    graph = GraphBuilder()
    before = cm("owner")
    graph.observe("add", "v1", "ConfigMap", before)
    after = cm("owner", deleting=True, finalizers=("orphan",))
    changes = graph.observe("update", "v1", "ConfigMap", after, before)
    assert uids(changes.to_orphan) == ["owner"] and changes.to_delete == []


def test_a_dependent_that_stops_blocking_wakes_its_owner() -> None:
    graph = GraphBuilder()
    graph.observe("add", "v1", "ConfigMap", cm("owner"))
    graph.observe("add", "v1", "ConfigMap", cm("a", ref("owner", block=True)))
    changes = graph.observe("update", "v1", "ConfigMap", cm("a", ref("owner", block=False)))
    assert uids(changes.to_delete) == ["owner"]
    assert graph.nodes["owner"].blocking_dependents() == []
    graph.observe("update", "v1", "ConfigMap", cm("a"))
    assert graph.nodes["owner"].dependents == {}


def test_an_owner_observed_in_another_namespace_is_reported_for_its_dependent() -> None:
    graph = GraphBuilder()
    graph.observe("add", "v1", "ConfigMap", cm("owner", namespace="other"))
    changes = graph.observe("add", "v1", "ConfigMap", cm("child", ref("owner")))
    assert [(dep.uid, r.uid) for dep, r in changes.invalid_namespace] == [("child", "owner")]
    assert uids(changes.to_delete) == ["child"]


def test_a_virtual_delete_drops_the_virtual_owner_and_queues_its_dependents() -> None:
    graph = GraphBuilder()
    graph.observe("add", "v1", "ConfigMap", cm("child", ref("ghost")))
    changes = graph.virtual_delete(graph.nodes["ghost"].identity)
    assert "ghost" not in graph.nodes and uids(changes.to_delete) == ["child"]


def test_the_absent_owner_cache_keeps_the_most_recently_used() -> None:
    cache = AbsentOwnerCache(size=2)
    a, b, c = (Identity("v1", "ConfigMap", "default", n, n) for n in "abc")
    cache.add(a)
    cache.add(b)
    assert a in cache  # a hit refreshes a
    cache.add(c)
    assert (a in cache, b in cache, c in cache) == (True, False, True)
    assert len(cache) == 2
