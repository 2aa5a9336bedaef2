"""kube-apiserver's storage layer: typed objects in and out of etcd over the bus.

Role: what k8s.io/apiserver/pkg/storage/etcd3 does. Creates are a transaction guarded by
`create_revision == 0`, updates and deletes by `mod_revision == expected` (optimistic concurrency),
and every object read carries its last write's revision as metadata.resourceVersion. The span of
the write travels with it into etcd, so the watch event it causes names its cause.
Neighbours: component `etcd` (the other end), `handlers` (callers), `watchcache` (fed by the watch).
"""

from __future__ import annotations

from typing import Any

from k8s_actors.components.apiserver.errors import internal, service_unavailable
from k8s_actors.components.apiserver.watchcache import for_storage, with_revision
from k8s_actors.kernel import ActorContext, KernelError, TraceContext
from k8s_actors.messages import (
    EtcdCompact,
    EtcdCompare,
    EtcdDeleteOp,
    EtcdLeaseGrant,
    EtcdPutOp,
    EtcdRange,
    EtcdReply,
    EtcdStatus,
    EtcdTxn,
)

ETCD_ADDRESS = "etcd-0"
# kube-apiserver's default --request-timeout is 60 s; etcd calls use its storage timeout.
ETCD_TIMEOUT = 30.0
# Events live --event-ttl (1 h by default). Their leases are shared: a lease granted less than
# --lease-reuse-duration-seconds (60) ago is reused
# (k8s.io/apiserver/pkg/storage/etcd3/lease_manager.go).
EVENT_TTL_SECONDS = 3600
LEASE_REUSE_SECONDS = 60


class Storage:
    def __init__(self, actor: ActorContext, etcd: str = ETCD_ADDRESS) -> None:
        self._actor = actor
        self._etcd = etcd
        self._lease = 0
        self._lease_expiry = 0.0

    async def _ttl_lease(self, obj: Any, span: TraceContext | None) -> int:
        """The etcd lease an object is written under: Events expire, everything else stays."""
        if getattr(obj, "kind", "") != "Event":
            return 0
        now = self._actor.clock.now()
        if self._lease and self._lease_expiry > now + EVENT_TTL_SECONDS:
            return self._lease
        ttl = EVENT_TTL_SECONDS + LEASE_REUSE_SECONDS
        reply = await self._call(EtcdLeaseGrant(ttl=ttl), span)
        self._lease, self._lease_expiry = reply.lease, now + ttl
        return self._lease

    async def _call(self, request: object, span: TraceContext | None) -> EtcdReply:
        try:
            reply = (
                await self._actor.request(self._etcd, request, span, timeout=ETCD_TIMEOUT)
            ).payload
        except KernelError as error:
            raise service_unavailable(f"etcd unavailable: {error}") from error
        if not isinstance(reply, EtcdReply):
            raise internal(f"unexpected etcd reply {type(reply).__name__}")
        if reply.error:
            raise internal(reply.error)
        return reply

    async def get(self, key: str, span: TraceContext | None) -> tuple[Any, int]:
        """The object at `key` with its resourceVersion set, or (None, 0)."""
        reply = await self._call(EtcdRange(key=key), span)
        if not reply.kvs:
            return None, 0
        kv = reply.kvs[0]
        return with_revision(kv.value, kv.mod_revision), kv.mod_revision

    async def revision(self, span: TraceContext | None) -> int:
        return (await self._call(EtcdStatus(), span)).revision

    async def compact(self, revision: int, span: TraceContext | None) -> None:
        await self._call(EtcdCompact(revision=revision), span)

    async def create(
        self, key: str, obj: Any, span: TraceContext | None, lease: int = 0
    ) -> Any | None:
        """Store a new object; None when the key already exists."""
        lease = lease or await self._ttl_lease(obj, span)
        reply = await self._call(
            EtcdTxn(
                compares=(EtcdCompare(key=key, target="create", result="=", value=0),),
                success=(EtcdPutOp(key=key, value=for_storage(obj), lease=lease),),
                meta=span,
            ),
            span,
        )
        return with_revision(obj, reply.revision) if reply.succeeded else None

    async def update(
        self, key: str, obj: Any, expected: int, span: TraceContext | None
    ) -> Any | None:
        """Replace the object if its revision is still `expected`; None on a conflict."""
        lease = await self._ttl_lease(obj, span)
        reply = await self._call(
            EtcdTxn(
                compares=(EtcdCompare(key=key, target="mod", result="=", value=expected),),
                success=(EtcdPutOp(key=key, value=for_storage(obj), lease=lease),),
                meta=span,
            ),
            span,
        )
        return with_revision(obj, reply.revision) if reply.succeeded else None

    async def delete(self, key: str, expected: int, span: TraceContext | None) -> int | None:
        """Delete if the revision is still `expected`; the deletion revision, or None."""
        reply = await self._call(
            EtcdTxn(
                compares=(EtcdCompare(key=key, target="mod", result="=", value=expected),),
                success=(EtcdDeleteOp(key=key),),
                meta=span,
            ),
            span,
        )
        return reply.revision if reply.succeeded else None
