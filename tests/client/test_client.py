"""Tests for the typed client: errors, CRUD and subresources through a real apiserver, watches."""

from __future__ import annotations

import msgspec
import pytest

from k8s_actors.api.objects.config import ConfigMap
from k8s_actors.api.objects.machinery import Status
from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.objects.workloads import Deployment
from k8s_actors.api.registry import REGISTRY
from k8s_actors.client import (
    AlreadyExists,
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    ServerError,
    Unavailable,
    error_from_status,
    resource_info,
)
from k8s_actors.client.watch import StreamEvent, WatchRouter, WatchStream
from k8s_actors.kernel import (
    ActorSpec,
    AddressSet,
    Bus,
    Clock,
    Envelope,
    Partition,
    Supervisor,
    TraceContext,
)
from k8s_actors.messages import ApiResponse, Get, Watch, WatchEvent
from tests.client.conftest import (
    Cluster,
    FakeServer,
    Probe,
    config_map,
    names,
    pod,
    serve,
    with_fake,
)
from tests.components.conftest import deployment

replace = msgspec.structs.replace


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "reason", "expected"),
    [
        (400, "BadRequest", BadRequest),
        (403, "Forbidden", Forbidden),
        (404, "NotFound", NotFound),
        (409, "AlreadyExists", AlreadyExists),
        (409, "Conflict", Conflict),
        (410, "Expired", Gone),
        (410, "Gone", Gone),
        (422, "Invalid", Invalid),
        (500, "InternalError", ServerError),
        (503, "ServiceUnavailable", Unavailable),
        (504, "Timeout", ServerError),
        (405, "MethodNotAllowed", ApiError),
        (404, "", NotFound),
        (409, "", Conflict),
    ],
)
def test_a_status_becomes_the_exception_of_its_reason_then_code(
    code: int, reason: str, expected: type[ApiError]
) -> None:
    error = error_from_status(Status(status="Failure", reason=reason, code=code))
    assert type(error) is expected


def test_an_error_prints_the_kubernetes_message_and_exposes_code_and_reason() -> None:
    status = Status(status="Failure", message='pods "web" not found', reason="NotFound", code=404)
    error = error_from_status(status)
    assert str(error) == 'pods "web" not found'
    assert (error.code, error.reason, error.status) == (404, "NotFound", status)


def test_unavailable_is_a_server_error() -> None:
    """`except ServerError` also catches a server that could not be reached."""
    assert issubclass(Unavailable, ServerError)


def test_a_kind_is_resolved_from_its_type_its_info_or_its_name() -> None:
    info = REGISTRY.for_name("deployments")
    assert resource_info(Deployment) is info
    assert resource_info(info) is info
    assert resource_info("deploy") is info


# -- CRUD through the apiserver ------------------------------------------------------------------


def test_create_returns_the_stored_object_and_get_reads_it_back() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        created = await api.create(pod("web"))
        assert isinstance(created, Pod)
        assert created.metadata.uid and created.metadata.resource_version
        assert await api.get(Pod, "default", "web") == created

    serve(body)


def test_create_without_a_namespace_uses_default() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        created = await api.create(pod("web", namespace=""))
        assert created.metadata.namespace == "default"

    serve(body)


def test_creating_a_taken_name_raises_already_exists_with_kubectls_message() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        await api.create(pod("web"))
        with pytest.raises(AlreadyExists) as raised:
            await api.create(pod("web"))
        assert str(raised.value) == 'pods "web" already exists'

    serve(body)


def test_getting_a_missing_object_raises_not_found() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        with pytest.raises(NotFound) as raised:
            await api.get(Deployment, "default", "nope")
        assert str(raised.value) == 'deployments.apps "nope" not found'

    serve(body)


def test_an_invalid_object_raises_invalid_with_its_causes() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        bad = Pod(metadata=pod("bad").metadata)
        with pytest.raises(Invalid) as raised:
            await api.create(bad)
        assert str(raised.value) == 'Pod "bad" is invalid: spec.containers: Required value'
        assert raised.value.status.details is not None
        assert [c.field for c in raised.value.status.details.causes] == ["spec.containers"]

    serve(body)


def test_an_update_from_a_stale_version_raises_conflict() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        first = await api.create(config_map("cm", {"a": "1"}))
        second = await api.update(replace(first, data={"a": "2"}))
        assert second.data == {"a": "2"}
        assert second.metadata.resource_version != first.metadata.resource_version
        with pytest.raises(Conflict, match="the object has been modified"):
            await api.update(replace(first, data={"a": "3"}))

    serve(body)


def test_update_status_changes_the_status_only() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        created = await api.create(pod("web"))
        running = replace(created, status=replace(created.status, phase="Running"))
        relabelled = replace(running, metadata=replace(running.metadata, labels={"x": "y"}))
        stored = await api.update_status(relabelled)
        assert stored.status.phase == "Running"
        assert stored.metadata.labels == {}

    serve(body)


def test_a_merge_patch_changes_the_named_fields() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        await api.create(config_map("cm", {"a": "1", "b": "2"}))
        patched = await api.patch(ConfigMap, "default", "cm", {"data": {"a": None, "c": "3"}})
        assert patched.data == {"b": "2", "c": "3"}

    serve(body)


def test_delete_removes_the_object() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        await api.create(config_map("cm"))
        await api.delete(ConfigMap, "default", "cm")
        with pytest.raises(NotFound):
            await api.get(ConfigMap, "default", "cm")
        with pytest.raises(NotFound):
            await api.delete(ConfigMap, "default", "cm")

    serve(body)


def test_list_filters_by_label_selector_and_reports_a_resource_version() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        for name, tier in [("a", "web"), ("b", "db"), ("c", "web")]:
            await api.create(config_map(name, tier=tier))
        listed = await api.list(ConfigMap, "default", label_selector="tier=web")
        assert names(list(listed.items)) == ["a", "c"]
        assert listed.kind == "ConfigMapList"
        assert int(listed.metadata.resource_version) > 0

    serve(body)


def test_a_malformed_selector_raises_bad_request() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        with pytest.raises(BadRequest):
            await api.list(ConfigMap, "default", label_selector="a in (")

    serve(body)


def test_delete_collection_removes_the_selected_objects() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        for name, tier in [("a", "web"), ("b", "db"), ("c", "web")]:
            await api.create(config_map(name, tier=tier))
        await api.delete_collection(ConfigMap, "default", label_selector="tier=web")
        assert names(list((await api.list(ConfigMap, "default")).items)) == ["b"]

    serve(body)


# -- subresources and discovery ------------------------------------------------------------------


def test_bind_assigns_the_pod_to_the_node() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        created = await api.create(pod("web"))
        await api.bind(created, "node-1")
        bound = await api.get(Pod, "default", "web")
        assert bound.spec.node_name == "node-1"
        with pytest.raises(Conflict, match='already assigned to node "node-1"'):
            await api.bind(created, "node-2")

    serve(body)


def test_evicting_an_unscheduled_pod_deletes_it() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        await api.create(pod("web"))
        await api.evict("default", "web")
        with pytest.raises(NotFound):
            await api.get(Pod, "default", "web")

    serve(body)


def test_scale_reads_and_writes_the_replica_count() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        await api.create(deployment("web"))
        scale = await api.get_scale(Deployment, "default", "web")
        assert (scale.spec.replicas, scale.status.selector) == (3, "app=web")
        scaled = await api.update_scale(
            Deployment, "default", "web", replace(scale, spec=replace(scale.spec, replicas=5))
        )
        assert scaled.spec.replicas == 5
        assert (await api.get(Deployment, "default", "web")).spec.replicas == 5

    serve(body)


def test_discovery_lists_the_served_resources() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        served = await api.discovery()
        assert "pods" in [info.resource for info in served]
        assert "deployments" in [info.resource for info in served]

    serve(body)


# -- transport failures --------------------------------------------------------------------------


def test_a_request_to_nobody_raises_unavailable() -> None:
    async def body(cluster: Cluster) -> None:
        await cluster.supervisor.stop("kube-apiserver")
        api = (await cluster.component()).api
        with pytest.raises(Unavailable, match="refused"):
            await api.get(Pod, "default", "web")

    serve(body)


def test_a_request_without_answer_raises_unavailable_after_the_timeout() -> None:
    async def body(cluster: Cluster) -> None:
        probe = await cluster.component()
        probe.api.timeout = 5.0
        cluster.add_fault(Partition(source=AddressSet(("probe",))))
        started = cluster.clock.now()
        with pytest.raises(Unavailable) as raised:
            await probe.api.get(Pod, "default", "web")
        assert raised.value.reason == "Timeout"
        assert cluster.clock.now() - started == pytest.approx(5.0)

    serve(body)


# -- watches -------------------------------------------------------------------------------------


def test_a_watch_streams_changes_with_the_span_of_the_write() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        listed = await api.list(ConfigMap, "default")
        stream = await api.watch(
            ConfigMap, "default", resource_version=listed.metadata.resource_version
        )
        writer = TraceContext(trace_id="ab" * 16, span_id="cd" * 8)
        created = await api.create(config_map("cm"), span=writer)
        await api.update(replace(created, data={"a": "1"}))
        await api.delete(ConfigMap, "default", "cm")
        seen = [await anext(stream) for _ in range(3)]
        assert [(e.type, e.obj.metadata.name) for e in seen] == [
            ("ADDED", "cm"),
            ("MODIFIED", "cm"),
            ("DELETED", "cm"),
        ]
        assert seen[0].ctx is not None and seen[0].ctx.trace_id == writer.trace_id

    serve(body)


def test_a_stopped_watch_ends_and_receives_nothing_more() -> None:
    async def body(cluster: Cluster) -> None:
        probe = await cluster.component()
        api = probe.api
        stream = await api.watch(ConfigMap, "default")
        stream.stop()
        assert api.watches.active() == []
        await api.create(config_map("cm"))
        await cluster.settle()
        assert [event async for event in stream] == []
        assert stream.received == 0
        assert probe.received == []  # a late event would have been dropped, not received

    serve(body)


def test_a_restarted_component_gets_none_of_its_predecessors_watch_events() -> None:
    """The API server still streams a stopped actor's watches to its address; the next actor
    at that address numbers its own watches apart, so those events never reach its streams."""

    async def body(cluster: Cluster) -> None:
        before = (await cluster.component()).api
        await before.watch(ConfigMap, "default")
        await cluster.supervisor.stop("probe")
        api = (await cluster.component()).api
        pods = await api.watch(Pod, "default")
        await api.create(config_map("cm"))
        await api.create(pod("web"))
        assert (await anext(pods)).obj.metadata.name == "web"

    serve(body)


def test_each_watch_of_a_client_gets_its_own_id_and_events() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        maps = await api.watch(ConfigMap, "default")
        pods = await api.watch(Pod, "default")
        assert pods.watch_id == maps.watch_id + 1
        await api.create(pod("web"))
        await api.create(config_map("cm"))
        assert (await anext(pods)).obj.metadata.name == "web"
        assert (await anext(maps)).obj.metadata.name == "cm"
        assert maps.received == 1 and pods.received == 1

    serve(body)


def test_an_error_event_ends_the_stream_after_it_is_delivered() -> None:
    expired = Status(status="Failure", reason="Expired", code=410, message="too old")

    def script(envelope: Envelope) -> object:
        request = envelope.payload
        if not isinstance(request, Watch):
            return None
        event = WatchEvent(watch_id=request.watch_id, type="ERROR", obj=expired)
        fake_bus[0].send(envelope.dst, envelope.src, event)
        fake_bus[0].send(envelope.dst, envelope.src, replace(event, type="ADDED"))
        return ApiResponse(code=200)

    fake_bus: list[Bus] = []

    async def body(supervisor: Supervisor, clock: Clock) -> list[StreamEvent]:
        fake_bus.append(supervisor.bus)
        probe = await start_probe(supervisor)
        stream = await probe.api.watch(Pod, "default", resource_version="1")
        events = [event async for event in stream]
        assert probe.api.watches.active() == []
        return events

    events = with_fake(body, script)
    assert [(event.type, event.obj) for event in events] == [("ERROR", expired)]


def test_events_sent_right_behind_the_reply_reach_the_stream() -> None:
    """The stream exists before the Watch leaves, so events sent with the reply are kept."""

    def script(envelope: Envelope) -> object:
        request = envelope.payload
        if not isinstance(request, Watch):
            return None
        server = envelope.dst
        bus_send = fake_bus[0].send
        bus_send(server, envelope.src, WatchEvent(watch_id=request.watch_id, type="ADDED", obj=1))
        bus_send(server, envelope.src, WatchEvent(watch_id=request.watch_id, type="ADDED", obj=2))
        return ApiResponse(code=200)

    fake_bus: list[Bus] = []

    async def body(supervisor: Supervisor, clock: Clock) -> list[object]:
        fake_bus.append(supervisor.bus)
        probe = await start_probe(supervisor)
        stream = await probe.api.watch(Pod, "default")
        return [(await anext(stream)).obj, (await anext(stream)).obj]

    assert with_fake(body, script) == [1, 2]


def test_the_router_drops_events_of_unknown_watches_and_ignores_other_messages() -> None:
    router = WatchRouter()
    unknown = WatchEvent(watch_id=7, type="ADDED", obj=None)
    assert router.dispatch(Envelope(seq=1, src="a", dst="b", payload=unknown)) is True
    request = Get(resource="pods", name="web")
    assert router.dispatch(Envelope(seq=2, src="a", dst="b", payload=request)) is False


def test_stopping_a_stream_tells_the_server_once() -> None:
    stopped: list[int] = []
    stream = WatchStream(Watch(resource="pods", watch_id=3), lambda s: stopped.append(s.watch_id))
    stream.push(StreamEvent("ADDED", None, None))
    stream.stop()
    stream.stop()
    assert stopped == [3]
    assert stream.closed


def test_a_component_routes_watch_events_to_streams_and_the_rest_to_receive() -> None:
    def script(envelope: Envelope) -> object:
        return ApiResponse(code=200) if isinstance(envelope.payload, Watch) else None

    async def body(supervisor: Supervisor, clock: Clock) -> list[object]:
        probe = await start_probe(supervisor)
        stream = await probe.api.watch(Pod, "default")
        send = supervisor.bus.send
        send("kube-apiserver", "probe", WatchEvent(watch_id=stream.watch_id, type="ADDED", obj=1))
        send("kube-apiserver", "probe", WatchEvent(watch_id=99, type="ADDED", obj=2))
        send("kube-apiserver", "probe", Get(resource="pods", name="x"))
        await clock.sleep(0.01)
        first = (await anext(stream)).obj
        stream.stop()
        await clock.sleep(0.01)
        server = supervisor.actor("kube-apiserver")
        assert isinstance(server, FakeServer)
        return [
            first,
            [type(request).__name__ for request in server.requests],
            [type(envelope.payload).__name__ for envelope in probe.received],
        ]

    assert with_fake(body, script) == [1, ["Watch", "StopWatch"], ["Get"]]


async def start_probe(supervisor: Supervisor) -> Probe:
    probe = await supervisor.start(ActorSpec("probe", lambda: Probe("probe")))
    assert isinstance(probe, Probe)
    return probe


def test_move_on_after_ends_the_body_on_time_and_lets_errors_through() -> None:
    async def body(cluster: Cluster) -> None:
        api = (await cluster.component()).api
        started = cluster.clock.now()
        with api.move_on_after(7.5) as deadline:
            await cluster.clock.sleep(100.0)
        assert deadline.expired
        assert cluster.clock.now() - started == pytest.approx(7.5)
        with api.move_on_after(7.5) as deadline:
            await cluster.clock.sleep(1.0)
        assert not deadline.expired
        with pytest.raises(NotFound), api.move_on_after(7.5):
            await api.get(Pod, "default", "missing")

    serve(body)
