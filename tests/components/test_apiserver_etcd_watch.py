"""kube-apiserver's etcd watch: a lost batch or a lost EtcdWatch is recovered, as the cacher's
reflector re-establishes a broken stream from its revision, or relists when that is compacted.

The numbering itself (`cacher_stream.EtcdStream`) is tested directly first.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

from k8s_actors.components.apiserver import ApiServer
from k8s_actors.components.apiserver.cacher_stream import EtcdStream, Verdict
from k8s_actors.components.apiserver.server import BOOKMARK_INTERVAL
from k8s_actors.kernel import ActorSpec, FaultRule
from k8s_actors.kernel import Verdict as FaultVerdict
from k8s_actors.messages import (
    Create,
    Delete,
    EtcdCompact,
    EtcdReply,
    EtcdStatus,
    EtcdWatch,
    EtcdWatchEvents,
    ListRequest,
)

from .conftest import APISERVER, PODS, Api, pod, serve


@dataclass(eq=False)
class Lose(FaultRule):
    """Drops the messages of type `payload` whose rank (from 1) is in `counts`, nothing else."""

    payload: type = EtcdWatchEvents
    counts: tuple[int, ...] = (1,)
    seen: int = 0
    dropped: list[object] = field(default_factory=list)

    def judge(self, rng: random.Random) -> FaultVerdict:
        return FaultVerdict()

    def judge_message(
        self, rng: random.Random, src: str, dst: str, payload: object
    ) -> FaultVerdict:
        if not isinstance(payload, self.payload):
            return FaultVerdict()
        self.seen += 1
        if self.seen not in self.counts:
            return FaultVerdict()
        self.dropped.append(payload)
        return FaultVerdict(dropped=True, reason="message_loss")


def _batch(watch_id: int, seq: int, canceled: bool = False) -> EtcdWatchEvents:
    return EtcdWatchEvents(watch_id=watch_id, seq=seq, canceled=canceled)


def test_stream_applies_batches_in_turn_and_breaks_at_a_gap() -> None:
    stream = EtcdStream()
    assert stream.open() == (1, 0)
    assert stream.judge(_batch(1, 1)) is Verdict.APPLY
    assert stream.judge(_batch(1, 3)) is Verdict.GAP
    assert stream.judge(_batch(1, 0)) is Verdict.GAP  # etcd has no such watch open
    assert stream.open() == (2, 1)
    assert stream.judge(_batch(1, 4)) is Verdict.STALE
    assert stream.judge(_batch(2, 1, canceled=True)) is Verdict.CANCELED


def test_stream_never_reopens_an_id_it_saw_stale() -> None:
    """A batch of a watch of a previous incarnation (id 5) is stale, and 5 is skipped later, so
    the cancel sent for it cannot end a watch this incarnation opens."""
    stream = EtcdStream()
    assert stream.judge(_batch(5, 9)) is Verdict.STALE
    assert stream.open() == (6, 0)


async def _pod_names(api: Api) -> list[str]:
    listed = await api.ok(ListRequest(**PODS))
    return [item.metadata.name for item in listed.items]


def test_a_lost_etcd_batch_is_recovered_at_the_next_one() -> None:
    """The batch of pod a's creation is lost: at pod b's batch kube-apiserver sees the gap,
    watches etcd again from its cache's revision and gets a's creation replayed."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("first")))
        loss = Lose()
        api.bus.faults.append(loss)
        await api.ok(Create(**PODS, body=pod("a")))
        await api.ok(Create(**PODS, body=pod("b")))
        await api.settle()
        assert len(loss.dropped) == 1
        assert await _pod_names(api) == ["a", "b", "first"]
        watcher = await api.recorder()
        await watcher.watch("pods", namespace="default")
        await api.settle()
        assert sorted(watcher.seen()) == [("ADDED", "a"), ("ADDED", "b"), ("ADDED", "first")]

    serve(body)


def test_a_lost_last_etcd_batch_is_found_by_the_next_progress_request() -> None:
    """No write follows the lost batch to show the gap: kube-apiserver's progress request at
    its next bookmark tick (60 s) gets a batch numbered after it, and the cache catches up."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("first")))
        api.bus.faults.append(Lose())
        await api.ok(Create(**PODS, body=pod("a")))
        await api.clock.sleep(BOOKMARK_INTERVAL + 1.0)
        assert await _pod_names(api) == ["a", "first"]

    serve(body)


def test_a_lost_etcd_watch_during_start_is_retried() -> None:
    """kube-apiserver's first EtcdWatch is lost: unanswered, it is sent again, and kube-apiserver
    becomes ready and serves instead of waiting for its cache forever."""

    async def body(api: Api) -> None:
        loss = Lose(payload=EtcdWatch)
        api.bus.faults.append(loss)
        await api.supervisor.start(ActorSpec(APISERVER, ApiServer))
        created = await api.ok(Create(**PODS, body=pod("a")))
        assert created.metadata.name == "a"
        assert len(loss.dropped) == 1
        assert api.clock.now() >= 10.0  # the retry came after the watch's timeout

    serve(body, apiserver=False)


def test_a_gap_past_a_compaction_relists_and_ends_the_client_watches() -> None:
    """The batches of pod a's deletion and b's creation are lost and etcd compacted past them:
    at c's batch, watching again from the cache's revision is refused, so kube-apiserver relists
    (a gone, b and c there) and ends every client watch with an ERROR, as the cacher does."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("a")))
        watcher = await api.recorder()
        await watcher.watch("pods", namespace="default")
        api.bus.faults.append(Lose(counts=(1, 2)))
        await api.ok(Delete(**PODS, name="a"))
        await api.ok(Create(**PODS, body=pod("b")))
        status = (await api.bus.request(APISERVER, "etcd-0", EtcdStatus())).payload
        assert isinstance(status, EtcdReply)
        await api.bus.request(APISERVER, "etcd-0", EtcdCompact(revision=status.revision))
        await api.ok(Create(**PODS, body=pod("c")))
        await api.settle()
        assert await _pod_names(api) == ["b", "c"]
        assert [event.type for event in watcher.events] == ["ADDED", "ERROR"]

    serve(body)


def test_batches_in_flight_behind_a_gap_open_one_new_watch() -> None:
    """Four writes at once, the first one's batch lost: the next batch breaks the stream and the
    two after it, arriving with it, are stale, so kube-apiserver opens one new watch, not one
    per batch."""

    async def body(api: Api) -> None:
        await api.ok(Create(**PODS, body=pod("first")))
        watches = Lose(payload=EtcdWatch, counts=())
        api.bus.faults.extend([Lose(), watches])
        names = ("a", "b", "c", "d")
        await asyncio.gather(*(api.ok(Create(**PODS, body=pod(name))) for name in names))
        await api.settle()
        assert watches.seen == 1
        assert await _pod_names(api) == ["a", "b", "c", "d", "first"]

    serve(body)
