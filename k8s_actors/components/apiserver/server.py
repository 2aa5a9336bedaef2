"""The kube-apiserver actor: the only door to etcd, serving the Kubernetes API over the bus.

Role: receives API requests, runs each through the pipeline in Kubernetes' order (authentication,
authorization, admission, validation, storage; every stage traced) in its own task, and answers
with the object or a Status. At start it lists etcd, keeps a watch on `/registry/` to feed its
watch cache, and creates the initial namespaces. Watches are served from the cache. A broken etcd
watch (a lost batch, seen at the next one or at the progress notification asked for at each
bookmark tick, or an `EtcdWatch` unanswered) is opened again from the cache's revision, and a
compacted one relists, ending every client watch (`cacher_stream` judges each batch).
Neighbours: `handlers`, `deletion`, `subresources` (the verbs), `cacher` (watch cache), `storage`
(etcd); on the bus, `etcd-0` behind it and every client in front.
"""

from __future__ import annotations

from typing import Any

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Namespace, NamespaceSpec, NamespaceStatus
from k8s_actors.api.objects.machinery import List
from k8s_actors.api.registry import REGISTRY
from k8s_actors.components.apiserver import deletion, handlers, serviceips, subresources
from k8s_actors.components.apiserver.cacher import WatchCache
from k8s_actors.components.apiserver.cacher_stream import EtcdStream, Verdict
from k8s_actors.components.apiserver.context import Call, Server, resolve
from k8s_actors.components.apiserver.errors import ApiError, internal, service_unavailable
from k8s_actors.components.apiserver.storage import ETCD_ADDRESS, Storage
from k8s_actors.components.apiserver.watchcache import Watcher
from k8s_actors.kernel import Actor, Envelope, KernelError, RequestTimeout, TraceContext
from k8s_actors.messages import (
    ApiRequest,
    ApiResponse,
    Create,
    Delete,
    DeleteCollection,
    Discovery,
    EtcdCancelWatch,
    EtcdRange,
    EtcdReply,
    EtcdWatch,
    EtcdWatchEvents,
    EtcdWatchProgress,
    Get,
    ListRequest,
    Patch,
    StopWatch,
    Update,
    UserInfo,
    Watch,
    WatchEvent,
)

APISERVER_ADDRESS = "kube-apiserver"
INITIAL_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
# How long an EtcdWatch may go unanswered before it is taken as lost and sent again.
ETCD_WATCH_TIMEOUT = 10.0
BOOKMARK_INTERVAL = 60.0
# --etcd-compaction-interval: every 5 minutes the apiserver compacts etcd up to the revision it
# saw at the previous tick (k8s.io/apiserver/pkg/storage/storagebackend/factory/etcd3.go compactor).
COMPACTION_INTERVAL = 300.0


class ApiServer(Actor):
    def __init__(self, name: str = APISERVER_ADDRESS, etcd: str = ETCD_ADDRESS) -> None:
        super().__init__(name)
        self.etcd = etcd
        self.ready = False
        self._held: list[Envelope] = []
        self.server: Server | None = None
        self._etcd_stream = EtcdStream()

    # -- start-up --------------------------------------------------------------------------------

    async def started(self) -> None:
        ctx = self.ctx
        cache = WatchCache(self._emit, ctx.clock.now)
        self.server = Server(actor=ctx, storage=Storage(ctx, self.etcd), cache=cache, log=ctx.log)
        ctx.tasks.start_soon(self._bootstrap)

    async def _bootstrap(self) -> None:
        server = self._server
        span = self.ctx.child_span(None)
        relist = server.cache.revision > 0
        while True:
            reply = await self._list_etcd(span)
            items = [(kv.key, kv.value, kv.mod_revision) for kv in reply.kvs]
            server.cache.load(items, reply.revision)
            serviceips.rebuild(server)  # Service IP and port allocations, from the cached Services
            if await self._watch_etcd(span):
                break
        if relist:
            # The cacher ends every watch when its reflector relists (cacher.go startCaching's
            # terminateAllWatchers): what they missed is only in the new list.
            self._close_all_watches()
        await self._ensure_namespaces(span)
        await server.wait_for_revision(await server.storage.revision(span))
        await serviceips.ensure_kubernetes_service(server, self._handle, self.ctx.child_span(span))
        await server.wait_for_revision(await server.storage.revision(span))
        self.ready = True
        self.ctx.log.info(
            "apiserver_ready", revision=server.cache.revision, objects=len(reply.kvs), ctx=span
        )
        held, self._held = self._held, []
        for envelope in held:
            self.receive(envelope)
        if not relist:
            self.ctx.tasks.start_soon(self._bookmarks)
            self.ctx.tasks.start_soon(self._compactor)

    async def _list_etcd(self, span: TraceContext) -> EtcdReply:
        while True:
            try:
                request = EtcdRange(key="/registry/", prefix=True)
                reply = (await self.ctx.request(self.etcd, request, span)).payload
            except KernelError:
                await self.ctx.clock.sleep(1.0)  # etcd not up yet: retry as the real one does
                continue
            assert isinstance(reply, EtcdReply)
            return reply

    async def _watch_etcd(self, span: TraceContext | None) -> bool:
        """Open a new etcd watch from the cache's next revision, again until etcd answers;
        False when that revision is compacted (the cache must relist). A watch opened meanwhile
        by a later call supersedes this one, which then gives up."""
        stream = self._etcd_stream
        while True:
            watch_id, previous = stream.open()
            if previous:
                self.ctx.send(self.etcd, EtcdCancelWatch(watch_id=previous), span)
            start = self._server.cache.revision + 1
            request = EtcdWatch(watch_id=watch_id, key="/registry/", start_revision=start)
            try:
                envelope = await self.ctx.request(
                    self.etcd, request, span, timeout=ETCD_WATCH_TIMEOUT
                )
            except KernelError as error:
                if stream.watch_id != watch_id:
                    return True
                self.ctx.log.info("etcd_watch_retried", watch_id=watch_id, revision=start)
                if not isinstance(error, RequestTimeout):
                    await self.ctx.clock.sleep(1.0)  # etcd down: retry as the real one does
                    if stream.watch_id != watch_id:
                        return True
                continue
            reply = envelope.payload
            assert isinstance(reply, EtcdReply)
            if stream.watch_id != watch_id:
                return True
            if reply.error:
                stream.close()
                return False
            return True

    async def _ensure_namespaces(self, span: TraceContext) -> None:
        info = REGISTRY.for_name("namespaces")
        for name in INITIAL_NAMESPACES:
            if self._server.cache.get(info, "", name) is not None:
                continue
            namespace = Namespace(
                metadata=ObjectMeta(name=name, labels={"kubernetes.io/metadata.name": name}),
                spec=NamespaceSpec(finalizers=("kubernetes",)),
                status=NamespaceStatus(phase="Active"),
            )
            request = Create(
                resource="namespaces", body=namespace, user=UserInfo(username="system:apiserver")
            )
            await self._handle(
                Call(request=request, info=info, span=self.ctx.child_span(span), verb="create")
            )

    @property
    def _server(self) -> Server:
        assert self.server is not None
        return self.server

    # -- the mailbox -----------------------------------------------------------------------------

    def receive(self, envelope: Envelope) -> None:
        payload = envelope.payload
        if isinstance(payload, EtcdWatchEvents):
            self._on_etcd_events(payload)
        elif not self.ready:
            self._held.append(envelope)  # requests wait for the cache to be initialised
        elif isinstance(payload, Watch):
            self._open_watch(envelope, payload)
        elif isinstance(payload, StopWatch):
            self._stop_watch(envelope, payload)
        elif isinstance(payload, Discovery):
            self.ctx.reply(envelope, ApiResponse(code=200, obj=REGISTRY.api_resources()))
        elif isinstance(payload, ApiRequest):
            self.ctx.spawn(self._serve(envelope))

    def _on_etcd_events(self, batch: EtcdWatchEvents) -> None:
        match self._etcd_stream.judge(batch):
            case Verdict.STALE:
                # A watch this server no longer follows (an earlier one, or one of its previous
                # incarnation) still streams: end it.
                self.ctx.send(self.etcd, EtcdCancelWatch(watch_id=batch.watch_id))
                return
            case Verdict.GAP:
                # A batch was lost: the stream is broken. Watch again from the cache's revision;
                # the broken stream's batches still in flight are stale from now on.
                self.ctx.log.info(
                    "etcd_watch_broken",
                    watch_id=batch.watch_id,
                    revision=self._server.cache.revision,
                )
                self.ctx.send(self.etcd, EtcdCancelWatch(watch_id=self._etcd_stream.close()))
                self.ctx.tasks.start_soon(self._rewatch_etcd)
                return
            case Verdict.CANCELED:
                self._relist()
                return
        self._server.cache.apply(batch.events)
        serviceips.observe_events(self._server, batch.events)  # Service IPs and ports held
        self._server.wake_waiters()

    async def _rewatch_etcd(self) -> None:
        if not await self._watch_etcd(None):
            self._relist()

    def _relist(self) -> None:
        """The etcd watch fell behind a compaction (410 Gone): start again from a fresh list."""
        self._etcd_stream.close()
        self.ready = False
        self.ctx.tasks.start_soon(self._bootstrap)

    def _emit(self, watcher: Watcher, kind: str, obj: Any, span: TraceContext | None) -> None:
        watcher.sent += 1
        event = WatchEvent(watch_id=watcher.watch_id, type=kind, obj=obj, seq=watcher.sent)  # type: ignore[arg-type]
        self.ctx.send(watcher.owner, event, span)

    # -- watches ---------------------------------------------------------------------------------

    def _open_watch(self, envelope: Envelope, request: Watch) -> None:
        span = self.ctx.child_span(envelope.ctx)
        try:
            info = resolve(request)
            call = Call(request=request, info=info, span=span, verb="watch")
            labels, fields = handlers.parse_selectors(
                call, request.label_selector, request.field_selector
            )
        except ApiError as error:
            self.ctx.reply(envelope, ApiResponse(code=error.status.code, status=error.status), span)
            return
        self.ctx.reply(envelope, ApiResponse(code=200), span)
        watcher = Watcher(
            owner=envelope.src,
            watch_id=request.watch_id,
            namespace=request.namespace if info.namespaced else "",
            labels=labels,
            fields=fields,
            after=0,
            allow_bookmarks=request.allow_bookmarks,
        )
        try:
            self._server.cache.watch(info, watcher, request.resource_version)
        except ApiError as error:
            self._emit(watcher, "ERROR", error.status, span)
            return
        self.ctx.log.info(
            "watch_opened",
            ctx=span,
            resource=info.resource,
            namespace=watcher.namespace,
            label_selector=request.label_selector,
            field_selector=request.field_selector,
            resource_version=request.resource_version,
            watcher=envelope.src,
        )

    def _stop_watch(self, envelope: Envelope, request: StopWatch) -> None:
        try:
            info = resolve(request)
        except ApiError:
            return
        self._server.cache.stop(info, envelope.src, request.watch_id)

    def close_watches(self, owner: str) -> int:
        """End every watch `owner` has open, as kube-apiserver ends watches when it stops
        serving them (a restart, its watch cache re-initialised): each gets a final ERROR, after
        which its informer lists and watches again. Returns how many were ended."""
        closed = self._server.cache.stop_all(owner)
        self._end_watches(closed)
        self.ctx.log.info("watches_closed", watcher=owner, count=len(closed))
        return len(closed)

    def _close_all_watches(self) -> None:
        closed = self._server.cache.stop_all(None)
        self._end_watches(closed)
        self.ctx.log.info("watches_closed", watcher="*", count=len(closed))

    def _end_watches(self, closed: list[Watcher]) -> None:
        status = internal("watch closed by the server").status
        for watcher in closed:
            self._emit(watcher, "ERROR", status, None)

    async def _bookmarks(self) -> None:
        while True:
            await self.ctx.clock.sleep(BOOKMARK_INTERVAL)
            self._request_etcd_progress()
            revision = str(self._server.cache.revision)
            for info, watcher in self._server.cache.bookmark_targets():
                try:
                    marker = info.struct_type(metadata=ObjectMeta(resource_version=revision))
                except TypeError:
                    continue
                self._emit(watcher, "BOOKMARK", marker, None)

    def _request_etcd_progress(self) -> None:
        """Ask etcd for a progress notification on the cache's watch, numbered after its last
        batch: a lost last batch (no write since to show the gap) or a watch that etcd does not
        have open is found at this tick, as kube-apiserver's progress requests find it."""
        watch_id = self._etcd_stream.watch_id
        if watch_id:
            self.ctx.send(self.etcd, EtcdWatchProgress(watch_id=watch_id))

    async def _compactor(self) -> None:
        previous = 0
        while True:
            await self.ctx.clock.sleep(COMPACTION_INTERVAL)
            span = self.ctx.child_span(None)
            try:
                current = await self._server.storage.revision(span)
                if previous:
                    await self._server.storage.compact(previous, span)
                    self.ctx.log.info("etcd_compaction_requested", revision=previous, ctx=span)
                previous = current
            except ApiError:
                continue  # etcd unreachable this time; try again at the next tick

    # -- requests --------------------------------------------------------------------------------

    async def _serve(self, envelope: Envelope) -> None:
        request = envelope.payload
        assert isinstance(request, ApiRequest)
        span = self.ctx.child_span(envelope.ctx)
        log = self.ctx.log
        verb = _verb(request)
        log.info(
            "request_received",
            ctx=span,
            verb=verb,
            resource=request.resource,
            namespace=request.namespace,
            name=getattr(request, "name", ""),
            subresource=getattr(request, "subresource", ""),
            client=envelope.src,
        )
        try:
            info = resolve(request)
            user = request.user or UserInfo()
            log.info(
                "request_authenticated", ctx=span, user=user.username, groups=list(user.groups)
            )
            log.info(
                "request_authorized",
                ctx=span,
                user=user.username,
                verb=verb,
                decision="allow",
                authorizer="AlwaysAllow",
            )
            result = await self._handle(Call(request=request, info=info, span=span, verb=verb))
            response = ApiResponse(code=201 if verb == "create" else 200, obj=result)
        except ApiError as error:
            response = ApiResponse(code=error.status.code, status=error.status)
        except Exception as error:  # a bug must not kill the server: answer 500 like Kubernetes
            status = internal(repr(error)).status
            log.error("request_failed", ctx=span, error=repr(error))
            response = ApiResponse(code=500, status=status)
        log.info(
            "response_sent",
            ctx=span,
            verb=verb,
            code=response.code,
            reason=getattr(response.status, "reason", ""),
        )
        self.ctx.reply(envelope, response, span)

    async def _handle(self, call: Call) -> Any:
        request = call.request
        server = self._server
        sub = getattr(request, "subresource", "")
        match request:
            case Create(subresource="binding"):
                return await subresources.bind(server, call)
            case Create(subresource="eviction"):
                return await subresources.evict(server, call)
            case Create():
                return await handlers.create(server, call)
            case Get(subresource="scale"):
                return await subresources.get_scale(server, call, request.name)
            case Get():
                return await handlers.get(server, call, request.name)
            case ListRequest():
                return await handlers.list_objects(server, call)
            case Update(subresource="scale"):
                return await subresources.update_scale(server, call)
            case Update(subresource="finalize"):
                return await subresources.finalize(server, call)
            case Update():
                return await handlers.update(server, call)
            case Patch():
                return await handlers.patch(server, call)
            case Delete():
                return await deletion.delete(server, call)
            case DeleteCollection():
                items = await deletion.delete_collection(server, call)
                return List(
                    kind=f"{call.info.kind}List",
                    api_version=call.info.api_version,
                    items=tuple(items),
                )
        raise service_unavailable(f"unsupported request {type(request).__name__} {sub}")


def _verb(request: ApiRequest) -> str:
    match request:
        case Create():
            return "create"
        case Get():
            return "get"
        case ListRequest():
            return "list"
        case Update():
            return "update"
        case Patch():
            return "patch"
        case Delete():
            return "delete"
        case DeleteCollection():
            return "deletecollection"
        case Watch():
            return "watch"
    return type(request).__name__.lower()
