"""The kube-apiserver actor: the only door to etcd, serving the Kubernetes API over the bus.

Role: receives API requests, runs each through the pipeline in Kubernetes' order (authentication,
authorization, admission, validation, storage; every stage traced) in its own task, and answers
with the object or a Status. At start it lists etcd, keeps a watch on `/registry/` to feed its
watch cache, and creates the initial namespaces. Watches are served from the cache.
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
from k8s_actors.components.apiserver.context import Call, Server, resolve
from k8s_actors.components.apiserver.errors import ApiError, internal, service_unavailable
from k8s_actors.components.apiserver.storage import ETCD_ADDRESS, Storage
from k8s_actors.components.apiserver.watchcache import Watcher
from k8s_actors.kernel import Actor, Envelope, KernelError, TraceContext
from k8s_actors.messages import (
    ApiRequest,
    ApiResponse,
    Create,
    Delete,
    DeleteCollection,
    Discovery,
    EtcdRange,
    EtcdReply,
    EtcdWatch,
    EtcdWatchEvents,
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
ETCD_WATCH_ID = 1
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

    # -- start-up --------------------------------------------------------------------------------

    async def started(self) -> None:
        ctx = self.ctx
        cache = WatchCache(self._emit, ctx.clock.now)
        self.server = Server(actor=ctx, storage=Storage(ctx, self.etcd), cache=cache, log=ctx.log)
        ctx.tasks.start_soon(self._bootstrap)

    async def _bootstrap(self) -> None:
        server = self._server
        span = self.ctx.child_span(None)
        while True:
            try:
                reply = (
                    await self.ctx.request(
                        self.etcd, EtcdRange(key="/registry/", prefix=True), span
                    )
                ).payload
                break
            except KernelError:
                await self.ctx.clock.sleep(1.0)  # etcd not up yet: retry as the real one does
        assert isinstance(reply, EtcdReply)
        server.cache.load([(kv.key, kv.value, kv.mod_revision) for kv in reply.kvs], reply.revision)
        serviceips.rebuild(server)  # Service IP and port allocations, from the cached Services
        self.ctx.send(
            self.etcd,
            EtcdWatch(watch_id=ETCD_WATCH_ID, key="/registry/", start_revision=reply.revision + 1),
            span,
        )
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
        self.ctx.tasks.start_soon(self._bookmarks)
        self.ctx.tasks.start_soon(self._compactor)

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
        if batch.canceled:
            # Our etcd watch fell behind a compaction: start again from a fresh list.
            self.ready = False
            self.ctx.tasks.start_soon(self._bootstrap)
            return
        self._server.cache.apply(batch.events)
        serviceips.observe_events(self._server, batch.events)  # Service IPs and ports held
        self._server.wake_waiters()

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
        status = internal("watch closed by the server").status
        for watcher in closed:
            self._emit(watcher, "ERROR", status, None)
        self.ctx.log.info("watches_closed", watcher=owner, count=len(closed))
        return len(closed)

    async def _bookmarks(self) -> None:
        while True:
            await self.ctx.clock.sleep(BOOKMARK_INTERVAL)
            revision = str(self._server.cache.revision)
            for info, watcher in self._server.cache.bookmark_targets():
                try:
                    marker = info.struct_type(metadata=ObjectMeta(resource_version=revision))
                except TypeError:
                    continue
                self._emit(watcher, "BOOKMARK", marker, None)

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
