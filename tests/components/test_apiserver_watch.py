"""kube-apiserver: watches served from the watch cache, with Kubernetes' resourceVersion rules.

Initial ADDED events, replay from an exact version, 410 Expired for a version that left the
window, node-indexed field selectors (ADDED on binding, DELETED when a pod stops matching),
bookmarks, stop, and the trace context of the write carried by each event.
"""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.common import ObjectReference
from k8s_actors.api.objects.machinery import Binding, Status
from k8s_actors.kernel import TraceContext
from k8s_actors.messages import Create, Delete, Patch, StopWatch, Update

from .conftest import PODS, Api, pod, serve

replace = msgspec.structs.replace
MERGE = "application/merge-patch+json"


def _label(name: str, value: str) -> Patch:
    return Patch(**PODS, name=name, patch_type=MERGE, patch={"metadata": {"labels": {"v": value}}})


def test_watch_from_empty_version_lists_then_follows() -> None:
    """resourceVersion "": ADDED for each existing object, then every change."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("b")))
        await api.ok(Create(**PODS, body=pod("a")))
        watcher = await api.recorder()
        answer = await watcher.watch("pods", namespace="default")
        assert answer.code == 200
        await api.ok(Create(**PODS, body=pod("c")))
        await api.ok(_label("a", "1"))
        await api.ok(Delete(**PODS, name="b"))
        await api.settle()
        assert watcher.seen() == [
            ("ADDED", "a"),
            ("ADDED", "b"),
            ("ADDED", "c"),
            ("MODIFIED", "a"),
            ("DELETED", "b"),
        ]

    serve(body)


def test_watch_events_carry_resource_versions() -> None:
    """Each event's object has the resourceVersion of its write; DELETED the deletion's."""

    async def body(api: Api) -> None:
        watcher = await api.recorder()
        await watcher.watch("pods", namespace="default")
        created = await api.ok(Create(**PODS, body=pod("a")))
        await api.ok(Delete(**PODS, name="a"))
        await api.settle()
        added, deleted = watcher.events
        assert added.obj == created
        assert deleted.type == "DELETED"
        deleted_rv = int(deleted.obj.metadata.resource_version)  # type: ignore[attr-defined]
        assert deleted_rv == api.store.revision
        assert deleted_rv > int(created.metadata.resource_version)

    serve(body)


def test_watch_from_exact_version_replays_later_events() -> None:
    """resourceVersion N: every change after N (exclusive), no synthetic ADDED."""

    async def body(api: Api) -> None:
        first = await api.ok(Create(**PODS, body=pod("a")))
        await api.ok(Create(**PODS, body=pod("b")))
        await api.ok(_label("a", "1"))
        watcher = await api.recorder()
        await watcher.watch(
            "pods", namespace="default", resource_version=first.metadata.resource_version
        )
        await api.ok(Create(**PODS, body=pod("c")))
        await api.settle()
        assert watcher.seen() == [("ADDED", "b"), ("MODIFIED", "a"), ("ADDED", "c")]

    serve(body)


def test_watch_from_current_version_sees_only_new_changes() -> None:
    """Watching from the latest version replays nothing."""

    async def body(api: Api) -> None:
        last = await api.ok(Create(**PODS, body=pod("a")))
        watcher = await api.recorder()
        await watcher.watch("pods", resource_version=last.metadata.resource_version)
        await api.settle()
        assert watcher.seen() == []
        await api.ok(_label("a", "1"))
        await api.settle()
        assert watcher.seen() == [("MODIFIED", "a")]

    serve(body)


def test_watch_from_a_version_out_of_the_window_is_expired() -> None:
    """A version older than the cache's window: one ERROR event with a 410 Expired Status."""

    async def body(api: Api) -> None:
        first = await api.ok(Create(**PODS, body=pod("p")))
        for i in range(120):
            await api.ok(_label("p", str(i)))
            if i == 10:
                await api.clock.sleep(80.0)
        watcher = await api.recorder()
        answer = await watcher.watch("pods", resource_version=first.metadata.resource_version)
        assert answer.code == 200  # the stream opens, then ends with the error event
        await api.settle()
        (event,) = watcher.events
        assert event.type == "ERROR"
        status = event.obj
        assert isinstance(status, Status)
        assert (status.code, status.reason) == (410, "Expired")
        wanted = first.metadata.resource_version
        assert status.message.startswith(f"too old resource version: {wanted} (")
        oldest = int(status.message.rsplit("(", 1)[1].rstrip(")"))
        assert int(wanted) < oldest <= api.store.revision
        await api.ok(_label("p", "after"))
        await api.settle()
        assert len(watcher.events) == 1  # the expired watch was never registered

    serve(body)


def test_recent_versions_stay_in_the_window() -> None:
    """Fewer than 75 s old, a version is replayable even after many writes."""

    async def body(api: Api) -> None:
        first = await api.ok(Create(**PODS, body=pod("p")))
        for i in range(150):
            await api.ok(_label("p", str(i)))
        watcher = await api.recorder()
        await watcher.watch("pods", resource_version=first.metadata.resource_version)
        await api.settle()
        assert [t for t, _ in watcher.seen()] == ["MODIFIED"] * 150

    serve(body)


def test_node_watch_sees_only_its_pods() -> None:
    """spec.nodeName=n1 receives n1's pods, ADDED when one is bound there."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("early", node="n1")))
        await api.ok(Create(**PODS, body=pod("elsewhere", node="n2")))
        kubelet = await api.recorder("kubelet-n1")
        await kubelet.watch("pods", field_selector="spec.nodeName=n1")
        await api.ok(Create(**PODS, body=pod("pending")))
        await api.ok(Create(**PODS, body=pod("other", node="n2")))
        binding = Binding(
            metadata=ObjectMeta(name="pending"), target=ObjectReference(kind="Node", name="n1")
        )
        await api.ok(Create(**PODS, name="pending", subresource="binding", body=binding))
        await api.ok(_label("pending", "1"))
        await api.ok(_label("other", "1"))
        await api.settle()
        assert kubelet.seen() == [("ADDED", "early"), ("ADDED", "pending"), ("MODIFIED", "pending")]
        bound = kubelet.events[1].obj
        assert bound.spec.node_name == "n1"  # type: ignore[attr-defined]

    serve(body)


def test_node_watch_gets_deleted_when_a_pod_stops_matching() -> None:
    """A pod that leaves the selection (phase Failed) is DELETED for the watcher; so is a delete."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("a", node="n1")))
        await api.ok(Create(**PODS, body=pod("b", node="n1")))
        kubelet = await api.recorder("kubelet-n1")
        await kubelet.watch("pods", field_selector="spec.nodeName=n1,status.phase!=Failed")
        await api.ok(
            Patch(
                **PODS,
                name="a",
                patch_type=MERGE,
                patch={"status": {"phase": "Failed"}},
                subresource="status",
            )
        )
        await api.ok(Delete(**PODS, name="b", options=None))
        await api.ok(Delete(**PODS, name="a"))
        await api.settle()
        assert kubelet.seen() == [
            ("ADDED", "a"),
            ("ADDED", "b"),
            ("DELETED", "a"),
            ("MODIFIED", "b"),  # graceful deletion: deletionTimestamp set
        ]
        gone = kubelet.events[2].obj
        assert gone.status.phase == "Pending"  # type: ignore[attr-defined]

    serve(body)


def test_unscheduled_pods_watch() -> None:
    """spec.nodeName= (the scheduler's view) sees pending pods and loses them on binding."""

    async def body(api: Api) -> None:
        scheduler = await api.recorder("scheduler")
        await scheduler.watch("pods", field_selector="spec.nodeName=")
        await api.ok(Create(**PODS, body=pod("p")))
        await api.ok(Create(**PODS, body=pod("bound", node="n1")))
        binding = Binding(
            metadata=ObjectMeta(name="p"), target=ObjectReference(kind="Node", name="n1")
        )
        await api.ok(Create(**PODS, name="p", subresource="binding", body=binding))
        await api.settle()
        assert scheduler.seen() == [("ADDED", "p"), ("DELETED", "p")]

    serve(body)


def test_label_watch_sees_objects_entering_and_leaving() -> None:
    """A label-selected watch: ADDED when a label starts matching, DELETED when it stops."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("a")))
        watcher = await api.recorder()
        await watcher.watch("pods", namespace="default", label_selector="v=1")
        await api.ok(_label("a", "1"))
        await api.ok(_label("a", "2"))
        await api.settle()
        assert watcher.seen() == [("ADDED", "a"), ("DELETED", "a")]

    serve(body)


def test_namespace_scoped_watch_ignores_other_namespaces() -> None:
    """A watch of one namespace receives nothing from another."""

    async def body(api: Api) -> None:
        watcher = await api.recorder()
        await watcher.watch("pods", namespace="kube-system")
        await api.ok(Create(**PODS, body=pod("a")))
        await api.ok(Create(resource="pods", namespace="kube-system", body=pod("s")))
        await api.settle()
        assert watcher.seen() == [("ADDED", "s")]

    serve(body)


def test_stop_watch_ends_delivery() -> None:
    """After StopWatch no more events arrive for that watch id."""

    async def body(api: Api) -> None:
        watcher = await api.recorder()
        await watcher.watch("pods", namespace="default")
        await api.ok(Create(**PODS, body=pod("a")))
        await api.settle()
        watcher.ctx.send(
            "kube-apiserver", StopWatch(resource="pods", namespace="default", watch_id=1)
        )
        await api.settle()
        await api.ok(Create(**PODS, body=pod("b")))
        await api.settle()
        assert watcher.seen() == [("ADDED", "a")]

    serve(body)


def test_two_watches_of_one_client_are_told_apart() -> None:
    """Events carry the watch_id of the watch they belong to."""

    async def body(api: Api) -> None:
        watcher = await api.recorder()
        await watcher.watch("pods", namespace="default", watch_id=1)
        await watcher.watch("deployments", group="apps", namespace="default", watch_id=2)
        await api.ok(Create(**PODS, body=pod("a")))
        await api.settle()
        assert watcher.seen(1) == [("ADDED", "a")]
        assert watcher.seen(2) == []

    serve(body)


def test_bookmarks_every_minute_when_allowed() -> None:
    """allowWatchBookmarks: a BOOKMARK with only the current resourceVersion after 60 s."""

    async def body(api: Api) -> None:
        marked = await api.recorder("marked")
        plain = await api.recorder("plain")
        await marked.watch("pods", namespace="default", allow_bookmarks=True)
        await plain.watch("pods", namespace="default")
        last = await api.ok(Create(**PODS, body=pod("a")))
        await api.clock.sleep(61.0)
        types = [e.type for e in marked.events]
        assert types == ["ADDED", "BOOKMARK"]
        bookmark = marked.events[1].obj
        assert bookmark.kind == "Pod"  # type: ignore[attr-defined]
        assert bookmark.metadata.resource_version == last.metadata.resource_version  # type: ignore[attr-defined]
        assert bookmark.metadata.name == ""  # type: ignore[attr-defined]
        assert [e.type for e in plain.events] == ["ADDED"]

    serve(body)


def test_event_carries_the_span_of_the_write() -> None:
    """The envelope of a watch event carries the trace id of the request that caused it."""

    async def body(api: Api) -> None:
        watcher = await api.recorder()
        await watcher.watch("pods", namespace="default")
        cause = TraceContext(trace_id="ab" * 16, span_id="cd" * 8)
        response = await api.call(Create(**PODS, body=pod("a")), ctx=cause)
        assert response.ok
        await api.settle()
        (envelope,) = watcher.envelopes
        assert envelope.ctx is not None
        assert envelope.ctx.trace_id == cause.trace_id
        other = TraceContext(trace_id="ef" * 16, span_id="01" * 8)
        created: Any = response.obj
        relabelled = replace(created, metadata=replace(created.metadata, labels={"x": "y"}))
        assert (await api.call(Update(**PODS, name="a", body=relabelled), ctx=other)).ok
        await api.settle()
        assert watcher.envelopes[1].ctx is not None
        assert watcher.envelopes[1].ctx.trace_id == other.trace_id

    serve(body)
