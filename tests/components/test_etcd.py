"""The etcd actor: the MVCC store served over the bus, as kube-apiserver uses it.

Range and status reads, compare-and-swap transactions, watch streams from a revision (one batch
per transaction, carrying the writer's span), cancellation, compaction (reads and watches of
older revisions fail), and leases that expire on the virtual clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from k8s_actors.kernel import TraceContext
from k8s_actors.messages import (
    EtcdCancelWatch,
    EtcdCompact,
    EtcdCompare,
    EtcdDeleteOp,
    EtcdLeaseGrant,
    EtcdLeaseKeepAlive,
    EtcdLeaseRevoke,
    EtcdPutOp,
    EtcdRange,
    EtcdReply,
    EtcdStatus,
    EtcdTxn,
    EtcdWatch,
    EtcdWatchProgress,
)

from .conftest import Api, serve

ETCD = "etcd-0"


async def _ask(api: Api, request: object, ctx: TraceContext | None = None) -> EtcdReply:
    reply = (await api.bus.request("kube-apiserver", ETCD, request, ctx)).payload
    assert isinstance(reply, EtcdReply)
    return reply


async def _put(api: Api, key: str, value: object, lease: int = 0) -> EtcdReply:
    return await _ask(api, EtcdTxn(success=(EtcdPutOp(key=key, value=value, lease=lease),)))


def _serve_etcd(body: Callable[[Api], Awaitable[None]]) -> None:
    serve(body, apiserver=False)


def test_status_and_range_report_revisions() -> None:
    """Each write bumps the revision; a range returns key, value and create/mod revisions."""

    async def body(api: Api) -> None:
        assert (await _ask(api, EtcdStatus())).revision == 1
        await _put(api, "/registry/pods/default/a", "A1")
        await _put(api, "/registry/pods/default/b", "B1")
        await _put(api, "/registry/pods/default/a", "A2")
        reply = await _ask(api, EtcdRange(key="/registry/pods/", prefix=True))
        assert reply.revision == 4
        assert [
            (kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.version) for kv in reply.kvs
        ] == [
            ("/registry/pods/default/a", "A2", 2, 4, 2),
            ("/registry/pods/default/b", "B1", 3, 3, 1),
        ]
        counted = await _ask(api, EtcdRange(key="/registry/pods/", prefix=True, count_only=True))
        assert (counted.count, counted.kvs) == (2, ())
        old = await _ask(api, EtcdRange(key="/registry/pods/default/a", revision=2))
        assert [kv.value for kv in old.kvs] == ["A1"]

    _serve_etcd(body)


def test_txn_compare_and_swap() -> None:
    """A txn guarded by mod_revision succeeds once; the stale one fails and writes nothing."""

    async def body(api: Api) -> None:
        key = "/registry/pods/default/a"
        created = await _put(api, key, "v1")
        guard = (EtcdCompare(key=key, target="mod", result="=", value=created.revision),)
        first = await _ask(api, EtcdTxn(compares=guard, success=(EtcdPutOp(key=key, value="v2"),)))
        assert first.succeeded
        assert [kv.value for kv in first.prev_kvs] == ["v1"]
        stale = await _ask(api, EtcdTxn(compares=guard, success=(EtcdPutOp(key=key, value="v3"),)))
        assert not stale.succeeded
        assert stale.revision == first.revision
        (kv,) = (await _ask(api, EtcdRange(key=key))).kvs
        assert kv.value == "v2"

    _serve_etcd(body)


def test_txn_create_guard_and_failure_branch() -> None:
    """create_revision == 0 guards a create; on failure the failure ops run instead."""

    async def body(api: Api) -> None:
        key = "/registry/pods/default/a"
        absent = (EtcdCompare(key=key, target="create", result="=", value=0),)
        create = EtcdTxn(
            compares=absent,
            success=(EtcdPutOp(key=key, value="new"),),
            failure=(EtcdPutOp(key="/flag", value="existed"),),
        )
        assert (await _ask(api, create)).succeeded
        again = await _ask(api, create)
        assert not again.succeeded
        (flag,) = (await _ask(api, EtcdRange(key="/flag"))).kvs
        assert flag.value == "existed"
        (kv,) = (await _ask(api, EtcdRange(key=key))).kvs
        assert kv.value == "new"

    _serve_etcd(body)


def test_delete_returns_the_deleted_value() -> None:
    """A delete op answers the deleted key-value in prev_kvs; the key is gone."""

    async def body(api: Api) -> None:
        await _put(api, "/k", "v")
        reply = await _ask(api, EtcdTxn(success=(EtcdDeleteOp(key="/k"),)))
        assert [(kv.key, kv.value) for kv in reply.prev_kvs] == [("/k", "v")]
        assert (await _ask(api, EtcdRange(key="/k"))).kvs == ()

    _serve_etcd(body)


def test_watch_from_a_revision_replays_then_follows() -> None:
    """A watch from revision N gets the events from N on, then one batch per later write."""

    async def body(api: Api) -> None:
        await _put(api, "/registry/pods/a", 1)  # rev 2
        await _put(api, "/registry/pods/b", 2)  # rev 3
        await _put(api, "/registry/nodes/n", 0)  # rev 4: outside the prefix
        client = await api.recorder("client")
        client.ctx.send(ETCD, EtcdWatch(watch_id=7, key="/registry/pods/", start_revision=3))
        await api.settle()
        await _ask(
            api,
            EtcdTxn(
                success=(
                    EtcdPutOp(key="/registry/pods/c", value=3),
                    EtcdDeleteOp(key="/registry/pods/a"),
                )
            ),
        )
        await api.settle()
        replay, live = client.etcd_batches
        assert replay.watch_id == live.watch_id == 7
        assert [(e.type, e.kv.key, e.kv.mod_revision) for e in replay.events] == [
            ("PUT", "/registry/pods/b", 3)
        ]
        assert [(e.type, e.kv.key) for e in live.events] == [
            ("PUT", "/registry/pods/c"),
            ("DELETE", "/registry/pods/a"),
        ]
        deleted = live.events[1]
        assert deleted.prev_kv is not None
        assert deleted.prev_kv.value == 1

    _serve_etcd(body)


def test_watch_events_carry_the_writers_span() -> None:
    """The txn's meta (the writer's span) is the watch event's envelope context."""

    async def body(api: Api) -> None:
        client = await api.recorder("client")
        client.ctx.send(ETCD, EtcdWatch(watch_id=1, key="/"))
        await api.settle()
        span = TraceContext(trace_id="12" * 16, span_id="34" * 8)
        await _ask(api, EtcdTxn(success=(EtcdPutOp(key="/k", value=1),), meta=span))
        await api.settle()
        (envelope,) = client.envelopes
        assert envelope.ctx == span
        assert client.etcd_batches[0].events[0].meta == span

    _serve_etcd(body)


def test_cancelled_watch_receives_nothing() -> None:
    """After EtcdCancelWatch no further batches arrive."""

    async def body(api: Api) -> None:
        client = await api.recorder("client")
        client.ctx.send(ETCD, EtcdWatch(watch_id=1, key="/"))
        await api.settle()
        await _put(api, "/a", 1)
        await api.settle()
        client.ctx.send(ETCD, EtcdCancelWatch(watch_id=1))
        await api.settle()
        await _put(api, "/b", 2)
        await api.settle()
        assert len(client.etcd_batches) == 1

    _serve_etcd(body)


def test_a_watch_id_opened_again_replaces_the_old_stream() -> None:
    """A restarted owner opening its watch id again gets each event once: its predecessor's
    stream ended with it, as a real etcd's ends with the client's connection."""

    async def body(api: Api) -> None:
        client = await api.recorder("client")
        client.ctx.send(ETCD, EtcdWatch(watch_id=1, key="/"))
        await api.settle()
        client.ctx.send(ETCD, EtcdWatch(watch_id=1, key="/"))
        await api.settle()
        await _put(api, "/a", 1)
        await api.settle()
        assert len(client.etcd_batches) == 1

    _serve_etcd(body)


def test_compaction_cancels_watches_and_reads_of_older_revisions() -> None:
    """After compacting at R: a watch from before R is cancelled with compact_revision R, and a
    read at an older revision fails; the current state is untouched."""

    async def body(api: Api) -> None:
        for i in range(5):
            await _put(api, "/k", i)  # revisions 2..6
        compacted = await _ask(api, EtcdCompact(revision=5))
        assert compacted.revision == 6
        client = await api.recorder("client")
        client.ctx.send(ETCD, EtcdWatch(watch_id=3, key="/", start_revision=2))
        await api.settle()
        (cancelled,) = client.etcd_batches
        assert cancelled.canceled
        assert (cancelled.watch_id, cancelled.compact_revision, cancelled.events) == (3, 5, ())
        old = await _ask(api, EtcdRange(key="/k", revision=3))
        assert old.error == "mvcc: required revision has been compacted"
        (kv,) = (await _ask(api, EtcdRange(key="/k"))).kvs
        assert kv.value == 4
        again = await _ask(api, EtcdCompact(revision=4))
        assert again.error == "mvcc: required revision has been compacted"

    _serve_etcd(body)


def test_lease_expiry_on_the_virtual_clock_deletes_keys() -> None:
    """A key on a 10 s lease survives while kept alive and is deleted 10 s after the last
    keep-alive; watchers see the DELETE."""

    async def body(api: Api) -> None:
        granted = await _ask(api, EtcdLeaseGrant(ttl=10))
        assert (granted.lease, granted.ttl) == (1, 10)
        await _put(api, "/registry/leases/kube-node-lease/n1", "renew", lease=granted.lease)
        client = await api.recorder("client")
        client.ctx.send(ETCD, EtcdWatch(watch_id=1, key="/registry/leases/"))
        await api.clock.sleep(8.0)
        kept = await _ask(api, EtcdLeaseKeepAlive(lease=granted.lease))
        assert kept.ttl == 10
        await api.clock.sleep(8.0)  # t=16: 8 s after the keep-alive, still alive
        assert len((await _ask(api, EtcdRange(key="/registry/leases/", prefix=True))).kvs) == 1
        await api.clock.sleep(2.5)  # t=18.5: the lease ran out at t=18
        assert (await _ask(api, EtcdRange(key="/registry/leases/", prefix=True))).kvs == ()
        (batch,) = client.etcd_batches
        assert [(e.type, e.kv.key) for e in batch.events] == [
            ("DELETE", "/registry/leases/kube-node-lease/n1")
        ]
        gone = await _ask(api, EtcdLeaseKeepAlive(lease=granted.lease))
        assert gone.error == "etcdserver: requested lease not found"

    _serve_etcd(body)


def test_revoked_lease_deletes_its_keys_at_once() -> None:
    """Revoking a lease deletes its keys without waiting for the TTL."""

    async def body(api: Api) -> None:
        granted = await _ask(api, EtcdLeaseGrant(ttl=60))
        await _put(api, "/a", 1, lease=granted.lease)
        await _put(api, "/b", 2)
        await _ask(api, EtcdLeaseRevoke(lease=granted.lease))
        reply = await _ask(api, EtcdRange(key="/", prefix=True))
        assert [kv.key for kv in reply.kvs] == ["/b"]

    _serve_etcd(body)


def test_put_with_unknown_lease_is_an_error() -> None:
    """A put attached to a lease that was never granted fails and writes nothing."""

    async def body(api: Api) -> None:
        reply = await _put(api, "/a", 1, lease=42)
        assert reply.error == "etcdserver: requested lease not found"
        assert reply.revision == 1

    _serve_etcd(body)


def test_watch_batches_are_numbered_from_one_per_watch() -> None:
    """Each watch numbers its own batches 1, 2, ...: a gap shows its owner that one was lost."""

    async def body(api: Api) -> None:
        client = await api.recorder("client")
        client.ctx.send(ETCD, EtcdWatch(watch_id=1, key="/"))
        await _put(api, "/a", 1)
        client.ctx.send(ETCD, EtcdWatch(watch_id=2, key="/"))
        await _put(api, "/b", 2)
        await _put(api, "/c", 3)
        await api.settle()
        numbered = [(batch.watch_id, batch.seq) for batch in client.etcd_batches]
        assert numbered == [(1, 1), (1, 2), (2, 1), (1, 3), (2, 2)]

    _serve_etcd(body)


def test_a_watch_sent_as_a_request_is_answered_once_created() -> None:
    """An EtcdWatch request is answered when the watch exists (its replay already sent), or
    with the compaction error and revision when its start revision is compacted."""

    async def body(api: Api) -> None:
        for i in range(3):
            await _put(api, "/k", i)  # revisions 2..4
        client = await api.recorder("client")
        created = (await client.ctx.request(ETCD, EtcdWatch(watch_id=1, key="/"))).payload
        assert isinstance(created, EtcdReply)
        assert (created.revision, created.error) == (4, "")
        await _ask(api, EtcdCompact(revision=3))
        old = EtcdWatch(watch_id=2, key="/", start_revision=2)
        refused = (await client.ctx.request(ETCD, old)).payload
        assert isinstance(refused, EtcdReply)
        assert refused.error == "mvcc: required revision has been compacted"
        assert refused.compact_revision == 3
        await api.settle()
        assert client.etcd_batches == []  # answered, not cancelled on the stream

    _serve_etcd(body)


def test_a_progress_request_is_answered_on_the_stream_numbered_after_its_batches() -> None:
    """EtcdWatchProgress: an empty batch numbered after those sent; for a watch not open here,
    an unnumbered one (seq 0), which its owner takes as a broken stream."""

    async def body(api: Api) -> None:
        client = await api.recorder("client")
        client.ctx.send(ETCD, EtcdWatch(watch_id=1, key="/"))
        await _put(api, "/a", 1)
        client.ctx.send(ETCD, EtcdWatchProgress(watch_id=1))
        client.ctx.send(ETCD, EtcdWatchProgress(watch_id=2))
        await api.settle()
        answers = [(b.watch_id, b.seq, len(b.events)) for b in client.etcd_batches]
        assert answers == [(1, 1, 1), (1, 2, 0), (2, 0, 0)]

    _serve_etcd(body)
