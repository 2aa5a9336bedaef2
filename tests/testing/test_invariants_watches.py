"""Watches deliver each change once and in order; informer caches converge on etcd."""

from __future__ import annotations

from typing import Any

from k8s_actors.api.manifest import load_manifests
from k8s_actors.kernel import Envelope
from k8s_actors.messages import Watch, WatchEvent, WatchEventType
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing import invariants
from k8s_actors.testing.fixtures import open_cluster
from k8s_actors.testing.invariants.watches import WatchLog, informers_of, install

WATCHER = "kubelet/node-1"
SERVER = "kube-apiserver"


def _pod(resource_version: int) -> Any:
    text = f"""
apiVersion: v1
kind: Pod
metadata: {{name: web, namespace: default, uid: p-1, resourceVersion: "{resource_version}"}}
spec: {{containers: [{{name: app, image: nginx:1.24}}]}}
"""
    return load_manifests(text)[0]


def _open(log: WatchLog, watch_id: int, start: str) -> None:
    request = Watch(resource="pods", namespace="default", watch_id=watch_id, resource_version=start)
    log.tap(Envelope(seq=0, src=WATCHER, dst=SERVER, payload=request), "delivered", "")


def _events(log: WatchLog, watch_id: int, *events: tuple[WatchEventType, int]) -> None:
    for kind, version in events:
        event = WatchEvent(watch_id=watch_id, type=kind, obj=_pod(version))
        log.tap(Envelope(seq=0, src=SERVER, dst=WATCHER, payload=event), "delivered", "")


def test_events_above_the_start_in_increasing_order_violate_nothing() -> None:
    log = WatchLog()
    _open(log, 3, "10")
    _events(log, 3, ("ADDED", 11), ("MODIFIED", 12), ("BOOKMARK", 12), ("DELETED", 14))
    assert invariants.watch_events_in_order(log) == []
    assert log.events == 4


def test_an_event_delivered_twice_or_from_before_the_start_is_reported() -> None:
    log = WatchLog()
    _open(log, 3, "10")
    _events(log, 3, ("MODIFIED", 9), ("MODIFIED", 12), ("MODIFIED", 12), ("BOOKMARK", 11))
    assert invariants.watch_events_in_order(log) == [
        f"watch_events_in_order: {WATCHER} watch 3 on pods got MODIFIED default/web at "
        "resourceVersion 9 after 10",
        f"watch_events_in_order: {WATCHER} watch 3 on pods got MODIFIED default/web at "
        "resourceVersion 12 after 12",
        f"watch_events_in_order: {WATCHER} watch 3 on pods got BOOKMARK default/web at "
        "resourceVersion 11 after 12",
    ]


def test_a_watch_from_now_and_a_reopened_watch_id_start_afresh() -> None:
    log = WatchLog()
    _open(log, 1, "0")  # begins with the current objects, in key order: not judged
    _events(log, 1, ("ADDED", 20), ("ADDED", 5))
    _open(log, 2, "30")
    _events(log, 2, ("MODIFIED", 31))
    _open(log, 2, "25")  # the same id opened again (a new incarnation of the watcher)
    _events(log, 2, ("MODIFIED", 26))
    _events(log, 7, ("MODIFIED", 1))  # a watch opened before the log began
    assert invariants.watch_events_in_order(log) == []


def test_a_cluster_delivers_its_watch_events_in_order() -> None:
    async def scenario(cluster: Cluster) -> tuple[list[str], int]:
        log = install(cluster)
        await cluster.kubectl("create deployment web --image=nginx:1.24 --replicas=2")
        await cluster.advance(30)
        await cluster.kubectl("scale deployment web --replicas=1")
        await cluster.advance(30)
        return invariants.watch_events_in_order(log), log.events

    with open_cluster() as driver:
        violations, events = driver.call(scenario)
    assert violations == [] and events > 0


def test_informer_caches_converge_and_a_stale_cache_is_reported() -> None:
    async def scenario(cluster: Cluster) -> tuple[list[str], list[str]]:
        await cluster.kubectl("create deployment web --image=nginx:1.24 --replicas=2")
        await cluster.advance(30)
        converged = invariants.informer_caches_converge(cluster)
        kubelet = cluster.supervisor.actor("kubelet/node-1")
        pods, nodes = sorted(informers_of(kubelet), key=lambda i: i.info.resource, reverse=True)
        (node,) = nodes.indexer.list()
        pods.indexer.add(node)  # a cache holding what etcd does not hold under that selector
        return converged, invariants.informer_caches_converge(cluster)

    with open_cluster() as driver:
        converged, stale = driver.call(scenario)
    assert converged == []
    (only,) = stale
    assert only.startswith(
        "informer_caches_converge: kubelet/node-1 informer of pods (spec.nodeName=node-1) "
        "holds node-1 as ("
    )
    assert only.endswith(", etcd as None")
