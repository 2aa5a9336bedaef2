"""The etcd actor: one etcd member serving the MVCC store over the bus.

Role: wraps `k8s_actors.store.Store` and answers the etcd protocol of `k8s_actors.messages.etcd`
(range, txn, watch, compact, leases). kube-apiserver is its only client, as in Kubernetes. Watch
streams are sent as one `EtcdWatchEvents` per write transaction, in revision order, numbered per
watch (`seq` from 1) so that a lost batch shows as a gap; an `EtcdWatch` sent as a request is
answered once the watch exists, so that a lost one can be retried; `EtcdWatchProgress` sends an
empty numbered batch (or an unnumbered one for a watch not open here), so that a lost last batch
shows too. Leases expire
on the simulated clock: a single timer is kept at the earliest expiry. A crash loses nothing here
but the open watches (a real member keeps its data on disk; the store object outlives the actor).
Neighbours: `k8s_actors.store` (the data), component `apiserver` (the client).
"""

from __future__ import annotations

from k8s_actors.kernel import Actor, Cancellable, Envelope
from k8s_actors.messages import (
    EtcdCancelWatch,
    EtcdCompact,
    EtcdCompare,
    EtcdDeleteOp,
    EtcdEvent,
    EtcdKeyValue,
    EtcdLeaseGrant,
    EtcdLeaseKeepAlive,
    EtcdLeaseRevoke,
    EtcdPutOp,
    EtcdRange,
    EtcdReply,
    EtcdStatus,
    EtcdTxn,
    EtcdWatch,
    EtcdWatchEvents,
    EtcdWatchProgress,
)
from k8s_actors.store import (
    Compare,
    CompareResult,
    CompareTarget,
    Delete,
    Event,
    EventType,
    KeyValue,
    Put,
    Store,
    StoreError,
    Watcher,
)

ETCD_ADDRESS = "etcd-0"

_TARGETS = {
    "mod": CompareTarget.MOD,
    "create": CompareTarget.CREATE,
    "version": CompareTarget.VERSION,
    "value": CompareTarget.VALUE,
}
_RESULTS = {r.value: r for r in CompareResult}


def _kv(kv: KeyValue) -> EtcdKeyValue:
    return EtcdKeyValue(
        key=kv.key,
        value=kv.value,
        create_revision=kv.create_revision,
        mod_revision=kv.mod_revision,
        version=kv.version,
        lease=kv.lease,
    )


def _event(event: Event) -> EtcdEvent:
    return EtcdEvent(
        type="PUT" if event.type is EventType.PUT else "DELETE",
        kv=_kv(event.kv),
        prev_kv=_kv(event.prev_kv) if event.prev_kv is not None else None,
        meta=event.meta,
    )


class Etcd(Actor):
    def __init__(self, name: str = ETCD_ADDRESS, store: Store | None = None) -> None:
        super().__init__(name)
        # The store is the member's disk: handed in by the cluster so that it survives restarts.
        self.store = store if store is not None else Store()
        self._watchers: dict[tuple[str, int], Watcher] = {}
        self._sent: dict[tuple[str, int], int] = {}  # batches sent on each watch
        self._lease_timer: Cancellable | None = None

    def receive(self, envelope: Envelope) -> None:
        payload = envelope.payload
        try:
            match payload:
                case EtcdRange():
                    self._range(envelope, payload)
                case EtcdTxn():
                    self._txn(envelope, payload)
                case EtcdStatus():
                    self.ctx.reply(envelope, EtcdReply(revision=self.store.revision))
                case EtcdWatch():
                    self._watch(envelope, payload)
                case EtcdCancelWatch():
                    watcher = self._watchers.pop((envelope.src, payload.watch_id), None)
                    self._sent.pop((envelope.src, payload.watch_id), None)
                    if watcher is not None:
                        watcher.cancel()
                case EtcdWatchProgress():
                    self._progress(envelope.src, payload.watch_id)
                case EtcdCompact():
                    self.store.compact(payload.revision)
                    self.ctx.log.info("etcd_compacted", revision=payload.revision)
                    self.ctx.reply(envelope, EtcdReply(revision=self.store.revision))
                case EtcdLeaseGrant() | EtcdLeaseKeepAlive() | EtcdLeaseRevoke():
                    self._lease(envelope, payload)
        except StoreError as error:
            if envelope.correlation:
                self.ctx.reply(envelope, EtcdReply(revision=self.store.revision, error=str(error)))

    def _range(self, envelope: Envelope, request: EtcdRange) -> None:
        result = self.store.range(
            request.key,
            prefix=request.prefix,
            revision=request.revision or None,
            limit=request.limit,
            count_only=request.count_only,
        )
        kvs = tuple(_kv(kv) for kv in result.kvs)
        self.ctx.reply(envelope, EtcdReply(revision=result.revision, kvs=kvs, count=result.count))

    def _txn(self, envelope: Envelope, request: EtcdTxn) -> None:
        compares = [
            Compare(c.key, _TARGETS[c.target], _RESULTS[c.result], c.value)
            for c in request.compares
        ]
        result = self.store.txn(
            compares,
            [_op(op) for op in request.success],
            [_op(op) for op in request.failure],
            meta=request.meta,
        )
        prev: list[EtcdKeyValue] = []
        for response in result.responses:
            prev_kv = getattr(response, "prev_kv", None)
            if prev_kv is not None:
                prev.append(_kv(prev_kv))
            prev.extend(_kv(kv) for kv in getattr(response, "deleted", ()))
        self.ctx.log.debug("etcd_txn", revision=result.revision, succeeded=result.succeeded)
        self.ctx.reply(
            envelope,
            EtcdReply(revision=result.revision, succeeded=result.succeeded, prev_kvs=tuple(prev)),
        )

    def _watch(self, envelope: Envelope, request: EtcdWatch) -> None:
        owner, watch_id = envelope.src, request.watch_id
        previous = self._watchers.pop((owner, watch_id), None)
        if previous is not None:
            # The id is opened again: its owner restarted (or restarts its watch). Its old
            # stream is dead, as a real etcd's ends with the client's connection; left running,
            # it would hand the owner every event twice.
            previous.cancel()

        key = (owner, watch_id)
        self._sent[key] = 0

        def forward(events: list[Event]) -> None:
            seq = self._sent[key] = self._sent.get(key, 0) + 1
            batch = tuple(_event(e) for e in events)
            span = events[-1].meta if events else None
            self.ctx.send(owner, EtcdWatchEvents(watch_id=watch_id, events=batch, seq=seq), span)

        try:
            watcher = self.store.watch(
                request.key,
                prefix=request.prefix,
                start_revision=request.start_revision,
                callback=forward,
            )
        except StoreError as error:
            self._sent.pop(key, None)
            compacted = self.store.compact_revision
            if envelope.correlation:
                reply = EtcdReply(
                    revision=self.store.revision, error=str(error), compact_revision=compacted
                )
                self.ctx.reply(envelope, reply)
                return
            cancel = EtcdWatchEvents(
                watch_id=watch_id, canceled=True, compact_revision=compacted, seq=1
            )
            self.ctx.send(owner, cancel)
            return
        self._watchers[(owner, watch_id)] = watcher
        if envelope.correlation:
            self.ctx.reply(envelope, EtcdReply(revision=self.store.revision))

    def _progress(self, owner: str, watch_id: int) -> None:
        key = (owner, watch_id)
        if key not in self._watchers:
            # Not open here (its EtcdWatch lost, or cancelled): say so unnumbered, a gap for the
            # owner, which opens it again.
            self.ctx.send(owner, EtcdWatchEvents(watch_id=watch_id))
            return
        seq = self._sent[key] = self._sent.get(key, 0) + 1
        self.ctx.send(owner, EtcdWatchEvents(watch_id=watch_id, seq=seq))

    def _lease(
        self, envelope: Envelope, request: EtcdLeaseGrant | EtcdLeaseKeepAlive | EtcdLeaseRevoke
    ) -> None:
        now = self.ctx.clock.now()
        store = self.store
        match request:
            case EtcdLeaseGrant():
                lease = store.lease_grant(request.ttl, now)
                reply = EtcdReply(revision=store.revision, lease=lease, ttl=request.ttl)
            case EtcdLeaseKeepAlive():
                store.lease_keepalive(request.lease, now)
                ttl = int(store.lease_ttl(request.lease, now))
                reply = EtcdReply(revision=store.revision, lease=request.lease, ttl=ttl)
            case EtcdLeaseRevoke():
                store.lease_revoke(request.lease)
                reply = EtcdReply(revision=store.revision, lease=request.lease)
        self.ctx.reply(envelope, reply)
        self._arm_lease_timer()

    def _arm_lease_timer(self) -> None:
        if self._lease_timer is not None:
            self._lease_timer.cancel()
            self._lease_timer = None
        deadline = self.store.next_lease_expiry()
        if deadline is not None:
            self._lease_timer = self.ctx.clock.call_at(deadline, self._expire_leases)

    def _expire_leases(self) -> None:
        self._lease_timer = None
        expired = self.store.expire(self.ctx.clock.now())
        if expired:
            self.ctx.log.info("etcd_leases_expired", leases=expired)
        self._arm_lease_timer()


def _op(op: EtcdPutOp | EtcdDeleteOp) -> Put | Delete:
    if isinstance(op, EtcdPutOp):
        return Put(op.key, op.value, op.lease)
    return Delete(op.key)


__all__ = ["ETCD_ADDRESS", "Etcd", "EtcdCompare"]
