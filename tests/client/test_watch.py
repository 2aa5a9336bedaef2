"""A watch stream that lost an event ends like a broken connection, and its watcher catches up."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

from k8s_actors.api.objects.config import ConfigMap
from k8s_actors.client import resource_info
from k8s_actors.client.informer import Informer
from k8s_actors.client.watch import WatchRouter, WatchStream
from k8s_actors.components.apiserver.server import ApiServer
from k8s_actors.kernel import AddressSet, Envelope, FaultRule, Verdict
from k8s_actors.messages import ApiResponse, Watch, WatchEvent
from tests.client.conftest import Cluster, config_map, serve


def numbered(router: WatchRouter, watch_id: int, *numbers: int) -> None:
    for number in numbers:
        event = WatchEvent(watch_id=watch_id, type="ADDED", obj=str(number), seq=number)
        router.dispatch(Envelope(seq=0, src="kube-apiserver", dst="me", payload=event))


def opened(router: WatchRouter, stopped: list[int]) -> WatchStream:
    request = Watch(resource="configmaps", watch_id=router.next_id())
    stream = WatchStream(request, lambda stream: stopped.append(stream.watch_id))
    router.register(stream)
    return stream


def drained(stream: WatchStream) -> list[object]:
    """Every event an ended stream still yields."""

    async def drain() -> list[object]:
        return [event.obj async for event in stream]

    return asyncio.run(drain())


def test_a_gap_in_the_numbers_ends_the_stream_after_the_events_before_it() -> None:
    """Events 1 and 2 arrive, 3 was lost: 1 and 2 are yielded, then the stream ends, broken."""
    router, stopped = WatchRouter(), list[int]()
    stream = opened(router, stopped)
    numbered(router, stream.watch_id, 1, 2, 4, 5)
    assert stream.broken and stream.closed
    assert drained(stream) == ["1", "2"]
    assert router.active() == []  # later events of that watch are not routed anywhere


def test_stopping_a_broken_stream_tells_the_server() -> None:
    """A broken connection ends the watch at the server too: the client sends StopWatch."""
    router, stopped = WatchRouter(), list[int]()
    stream = opened(router, stopped)
    numbered(router, stream.watch_id, 1, 3)
    stream.stop()
    assert stopped == [stream.watch_id]


def test_events_in_sequence_and_unnumbered_events_keep_the_stream_open() -> None:
    router, stopped = WatchRouter(), list[int]()
    stream = opened(router, stopped)
    numbered(router, stream.watch_id, 1, 2, 3)
    numbered(router, stream.watch_id, 0)  # not numbered: nothing to check
    assert not stream.closed and stream.received == 4


@dataclass(eq=False)
class LoseOne(FaultRule):
    """Drops the `count`-th message of type `payload` (1-based), nothing else."""

    payload: type = WatchEvent
    count: int = 1
    seen: int = 0
    dropped: list[object] = field(default_factory=list)

    def judge(self, rng: random.Random) -> Verdict:
        return Verdict()

    def judge_message(self, rng: random.Random, src: str, dst: str, payload: object) -> Verdict:
        if not isinstance(payload, self.payload):
            return Verdict()
        self.seen += 1
        if self.seen != self.count:
            return Verdict()
        self.dropped.append(payload)
        return Verdict(dropped=True, reason="message_loss")


def watchers_of(cluster: Cluster, owner: str) -> list[int]:
    server = cluster.supervisor.actor("kube-apiserver")
    assert isinstance(server, ApiServer) and server.server is not None
    cache = server.server.cache.resource(resource_info(ConfigMap))
    return sorted(watcher.watch_id for watcher in cache.all_watchers() if watcher.owner == owner)


def test_an_informer_that_lost_a_watch_event_watches_again_and_catches_up() -> None:
    """The lost event is noticed at the next one (or the next bookmark, within a minute); the
    informer watches again from its last resourceVersion, without a relist, and holds what the
    server holds long before its watch would have timed out."""

    async def body(cluster: Cluster) -> None:
        probe = await cluster.component()
        informer = Informer(probe.api, ConfigMap, namespace="default")
        probe.ctx.tasks.start_soon(informer.run)
        await informer.wait_synced()
        await cluster.settle()
        first = informer.stream
        assert first is not None
        rule = LoseOne(target=AddressSet(("probe",)))
        cluster.add_fault(rule)
        await probe.api.create(config_map("a"))
        await probe.api.create(config_map("b"))
        await cluster.settle()
        assert len(rule.dropped) == 1
        assert informer.stream is not first and informer.lists == 1 and informer.watches == 2
        assert [obj.metadata.name for obj in informer.indexer.list()] == ["a", "b"]
        now = informer.stream
        assert now is not None and watchers_of(cluster, "probe") == [now.watch_id]

    serve(body)


def test_a_lost_watch_event_is_noticed_by_the_next_bookmark() -> None:
    async def body(cluster: Cluster) -> None:
        probe = await cluster.component()
        informer = Informer(probe.api, ConfigMap, namespace="default")
        probe.ctx.tasks.start_soon(informer.run)
        await informer.wait_synced()
        await cluster.settle()
        cluster.add_fault(LoseOne(target=AddressSet(("probe",))))
        await probe.api.create(config_map("a"))
        await cluster.settle()
        assert informer.indexer.list() == []
        await cluster.settle(61.0)  # the apiserver sends bookmarks every minute
        assert [obj.metadata.name for obj in informer.indexer.list()] == ["a"]

    serve(body)


def test_a_watch_whose_answer_was_lost_is_stopped_at_the_server() -> None:
    """The Watch request times out on the client; the server, which did open the watch, is
    told to end it (as a closed connection would), so no stream is left behind."""

    async def body(cluster: Cluster) -> None:
        probe = await cluster.component()
        rule = LoseOne(payload=ApiResponse, target=AddressSet(("probe",)))
        cluster.add_fault(rule)
        try:
            await probe.api.watch(ConfigMap, "default")
        except Exception as error:  # the client's timeout
            assert "unable to return a response in time" in str(error)
        else:
            raise AssertionError("the watch should have timed out")
        await cluster.settle()
        assert rule.dropped and watchers_of(cluster, "probe") == []

    serve(body)


def test_a_predecessors_watch_still_streamed_to_the_address_is_stopped_at_its_first_event() -> None:
    """An actor that went away without stopping its watch (its StopWatch lost) leaves it
    streaming to the address; the next actor there stops it at the first event it gets, and
    keeps its own watches."""

    async def body(cluster: Cluster) -> None:
        before = (await cluster.component()).api
        await before.watch(ConfigMap, "default")
        await cluster.supervisor.stop("probe")
        api = (await cluster.component()).api
        mine = await api.watch(ConfigMap, "default")
        assert len(watchers_of(cluster, "probe")) == 2
        await api.create(config_map("a"))
        await api.create(config_map("b"))
        await cluster.settle()
        assert watchers_of(cluster, "probe") == [mine.watch_id]
        assert [(await anext(mine)).obj.metadata.name for _ in range(2)] == ["a", "b"]

    serve(body)
