"""The typed API client: Kubernetes verbs as awaitable methods over the bus.

Role: what client-go's typed clientsets are to a Go component. Each method builds one request of
the API protocol (`k8s_actors.messages.api`), names the resource and group from the kind registry,
sends it to the API server as a bus request with the caller's trace span as envelope context,
and returns the typed object of the answer, or raises the `errors` class of its Status. Watches
are opened here and routed by `watch.WatchRouter`; `dispatch` is how the owning actor hands watch
events over. Neighbours: `component` (creates the client for each component actor), `informer`
and `leaderelection` (users), `k8s_actors.api.registry` (resources).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, overload

import anyio
import msgspec

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.common import ObjectReference
from k8s_actors.api.objects.machinery import Binding, DeleteOptions, Eviction, List, Scale, Status
from k8s_actors.api.registry import REGISTRY, ResourceInfo
from k8s_actors.client.errors import ServerError, error_from_status, error_from_transport
from k8s_actors.client.watch import WatchRouter, WatchStream
from k8s_actors.kernel import ActorContext, Envelope, KernelError, RequestTimeout, TraceContext
from k8s_actors.messages import (
    ApiRequest,
    ApiResponse,
    Create,
    Delete,
    DeleteCollection,
    Discovery,
    Get,
    ListRequest,
    Patch,
    StopWatch,
    Update,
    UserInfo,
    Watch,
    WatchEvent,
)

__all__ = ["APISERVER", "ApiClient", "Deadline", "KindRef", "resource_info"]

APISERVER = "kube-apiserver"
"""The bus address of the API server."""

T = TypeVar("T", bound=msgspec.Struct)

KindRef = type[msgspec.Struct] | ResourceInfo | str
"""A resource named by its struct type (Pod), its registry entry, or a kubectl-style name."""


def resource_info(kind: KindRef) -> ResourceInfo:
    """The registry entry for a struct type, a ResourceInfo or a name such as "deploy"."""
    if isinstance(kind, ResourceInfo):
        return kind
    if isinstance(kind, str):
        return REGISTRY.for_name(kind)
    for info in REGISTRY.api_resources():
        if info.struct_type is kind:
            return info
    raise LookupError(f"{kind.__name__} is not a registered resource")


class Deadline:
    """What `ApiClient.move_on_after` yields: whether the time ran out."""

    expired = False


class ApiClient:
    """One component's connection to the API server (as one client-go rest.Config would be)."""

    def __init__(
        self,
        ctx: ActorContext,
        *,
        server: str = APISERVER,
        user: UserInfo | None = None,
        user_agent: str = "",
        timeout: float = 60.0,
    ) -> None:
        self.ctx = ctx
        self.server = server
        self.user = user
        self.user_agent = user_agent
        self.timeout = timeout
        # Ids never used by an earlier incarnation of this actor: the API server keeps sending
        # that one's watch events to the address (no connection closes with the actor), and
        # with ids restarting at 1 they would land in this client's streams. Each watch sends
        # a request, so an earlier incarnation's ids all lie at or below the bus's count now.
        self.watches = WatchRouter(first_id=ctx.bus.sent + 1, on_orphan=self._stop_orphan)

    # -- transport -------------------------------------------------------------------------------

    async def call(self, request: ApiRequest | Discovery, span: TraceContext | None = None) -> Any:
        """Send one request and return the object of a successful answer; raise on failure."""
        if isinstance(request, ApiRequest):
            request = msgspec.structs.replace(request, user=self.user, user_agent=self.user_agent)
        try:
            reply = await self.ctx.request(self.server, request, span, timeout=self.timeout)
        except KernelError as error:
            raise error_from_transport(error, self.server) from error
        response = reply.payload
        if not isinstance(response, ApiResponse):
            message = f"unexpected answer {type(response).__name__} from {self.server}"
            raise ServerError(Status(status="Failure", message=message, code=500))
        if not response.ok:
            status = response.status
            if not isinstance(status, Status):
                status = Status(
                    status="Failure", message=f"HTTP {response.code}", code=response.code
                )
            raise error_from_status(status)
        return response.obj

    @contextmanager
    def move_on_after(self, seconds: float) -> Iterator[Deadline]:
        """Cancel the body after `seconds` of the run's clock (like anyio.move_on_after).

        A plain timer of the clock cancels the scope, so the body ends when the clock reaches the
        deadline whatever rounding the clock applies to its readings.
        """
        deadline = Deadline()
        scope = anyio.CancelScope()

        def expire() -> None:
            deadline.expired = True
            scope.cancel()

        timer = self.ctx.clock.call_later(seconds, expire)
        try:
            with scope:
                yield deadline
        finally:
            timer.cancel()

    def dispatch(self, envelope: Envelope) -> bool:
        """Hand a WatchEvent envelope to its stream; False when it is no watch event."""
        return self.watches.dispatch(envelope)

    # -- reads -----------------------------------------------------------------------------------

    @overload
    async def get(
        self, kind: type[T], namespace: str, name: str, *, span: TraceContext | None = None
    ) -> T: ...

    @overload
    async def get(
        self,
        kind: ResourceInfo | str,
        namespace: str,
        name: str,
        *,
        span: TraceContext | None = None,
    ) -> Any: ...

    async def get(
        self, kind: KindRef, namespace: str, name: str, *, span: TraceContext | None = None
    ) -> Any:
        info = resource_info(kind)
        request = Get(**_path(info, namespace), name=name)
        return await self.call(request, span)

    async def list(
        self,
        kind: KindRef,
        namespace: str = "",
        label_selector: str = "",
        field_selector: str = "",
        resource_version: str = "",
        limit: int = 0,
        continue_token: str = "",
        *,
        span: TraceContext | None = None,
    ) -> List:
        info = resource_info(kind)
        request = ListRequest(
            **_path(info, namespace),
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            limit=limit,
            continue_token=continue_token,
        )
        result: List = await self.call(request, span)
        return result

    async def discovery(self, *, span: TraceContext | None = None) -> builtins.list[ResourceInfo]:
        """The resources the server serves (what `kubectl api-resources` lists)."""
        result: builtins.list[ResourceInfo] = await self.call(Discovery(), span)
        return result

    # -- writes ----------------------------------------------------------------------------------

    async def create(
        self,
        obj: T,
        *,
        namespace: str | None = None,
        dry_run: bool = False,
        span: TraceContext | None = None,
    ) -> T:
        """Create `obj` in `namespace`, else its own namespace, else "default" (kubectl's)."""
        info = REGISTRY.for_object(obj)
        meta: ObjectMeta = getattr(obj, "metadata", ObjectMeta())
        chosen = namespace if namespace is not None else meta.namespace
        if info.namespaced and not chosen:
            chosen = "default"
        request = Create(**_path(info, chosen), body=obj, dry_run=dry_run)
        created: T = await self.call(request, span)
        return created

    async def update(self, obj: T, *, span: TraceContext | None = None) -> T:
        """Replace the object (PUT); a stale metadata.resourceVersion raises Conflict."""
        return await self._update(obj, "", span)

    async def update_status(self, obj: T, *, span: TraceContext | None = None) -> T:
        """Replace the status of the object (PUT .../status); its spec is ignored."""
        return await self._update(obj, "status", span)

    async def _update(self, obj: T, subresource: str, span: TraceContext | None) -> T:
        info = REGISTRY.for_object(obj)
        meta: ObjectMeta = getattr(obj, "metadata", ObjectMeta())
        request = Update(
            **_path(info, meta.namespace), name=meta.name, body=obj, subresource=subresource
        )
        updated: T = await self.call(request, span)
        return updated

    async def patch(
        self,
        kind: KindRef,
        namespace: str,
        name: str,
        patch: object,
        patch_type: str = "application/merge-patch+json",
        subresource: str = "",
        *,
        span: TraceContext | None = None,
    ) -> Any:
        info = resource_info(kind)
        request = Patch(
            **_path(info, namespace),
            name=name,
            patch_type=patch_type,
            patch=patch,
            subresource=subresource,
        )
        return await self.call(request, span)

    async def delete(
        self,
        kind: KindRef,
        namespace: str,
        name: str,
        options: DeleteOptions | None = None,
        *,
        span: TraceContext | None = None,
    ) -> Any:
        """Delete; returns the final object, or the object marked for deletion, or a Status."""
        info = resource_info(kind)
        request = Delete(**_path(info, namespace), name=name, options=options)
        return await self.call(request, span)

    async def delete_collection(
        self,
        kind: KindRef,
        namespace: str = "",
        label_selector: str = "",
        field_selector: str = "",
        options: DeleteOptions | None = None,
        *,
        span: TraceContext | None = None,
    ) -> List:
        info = resource_info(kind)
        request = DeleteCollection(
            **_path(info, namespace),
            label_selector=label_selector,
            field_selector=field_selector,
            options=options,
        )
        result: List = await self.call(request, span)
        return result

    # -- subresources ----------------------------------------------------------------------------

    async def bind(self, pod: Any, node_name: str, *, span: TraceContext | None = None) -> Any:
        """POST pods/binding as the scheduler does (with the pod's uid as precondition)."""
        meta: ObjectMeta = pod.metadata
        binding = Binding(
            metadata=ObjectMeta(name=meta.name, namespace=meta.namespace, uid=meta.uid),
            target=ObjectReference(kind="Node", name=node_name),
        )
        request = Create(
            resource="pods",
            namespace=meta.namespace,
            name=meta.name,
            subresource="binding",
            body=binding,
        )
        return await self.call(request, span)

    async def evict(
        self,
        namespace: str,
        name: str,
        delete_options: DeleteOptions | None = None,
        *,
        span: TraceContext | None = None,
    ) -> Any:
        """POST pods/eviction (a delete that disruption budgets may refuse)."""
        eviction = Eviction(
            metadata=ObjectMeta(name=name, namespace=namespace), delete_options=delete_options
        )
        request = Create(
            resource="pods", namespace=namespace, name=name, subresource="eviction", body=eviction
        )
        return await self.call(request, span)

    async def get_scale(
        self, kind: KindRef, namespace: str, name: str, *, span: TraceContext | None = None
    ) -> Scale:
        info = resource_info(kind)
        request = Get(**_path(info, namespace), name=name, subresource="scale")
        result: Scale = await self.call(request, span)
        return result

    async def update_scale(
        self,
        kind: KindRef,
        namespace: str,
        name: str,
        scale: Scale,
        *,
        span: TraceContext | None = None,
    ) -> Scale:
        info = resource_info(kind)
        request = Update(**_path(info, namespace), name=name, subresource="scale", body=scale)
        result: Scale = await self.call(request, span)
        return result

    # -- watch -----------------------------------------------------------------------------------

    async def watch(
        self,
        kind: KindRef,
        namespace: str = "",
        label_selector: str = "",
        field_selector: str = "",
        resource_version: str = "",
        allow_bookmarks: bool = True,
        timeout_seconds: float = 0.0,
        *,
        span: TraceContext | None = None,
    ) -> WatchStream:
        """Open a watch; its events flow into the returned stream once the server accepts it."""
        info = resource_info(kind)
        request = Watch(
            **_path(info, namespace),
            watch_id=self.watches.next_id(),
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            allow_bookmarks=allow_bookmarks,
            timeout_seconds=timeout_seconds,
        )
        stream = WatchStream(request, self._stop_watch)
        # Register first: the server sends the first events right behind its reply.
        self.watches.register(stream)
        try:
            await self.call(request, span)
        except BaseException as error:
            self.watches.unregister(stream)
            if isinstance(error.__cause__, RequestTimeout):
                # The request or its answer was lost, and the server may have opened the watch:
                # end it there, as closing the connection of an abandoned request would.
                self._stop_watch(stream)
            raise
        return stream

    def _stop_orphan(self, event: WatchEvent) -> None:
        """Stop a watch of an earlier actor at this address that the server still streams."""
        try:
            info = REGISTRY.for_object(event.obj)  # type: ignore[arg-type]
        except LookupError:
            return  # an ERROR's Status: the server has ended that watch itself
        self._send_stop(info.resource, info.group, "", event.watch_id)

    def _stop_watch(self, stream: WatchStream) -> None:
        self.watches.unregister(stream)
        request = stream.request
        self._send_stop(request.resource, request.group, request.namespace, request.watch_id)

    def _send_stop(self, resource: str, group: str, namespace: str, watch_id: int) -> None:
        stop = StopWatch(
            resource=resource,
            group=group,
            namespace=namespace,
            watch_id=watch_id,
            user=self.user,
            user_agent=self.user_agent,
        )
        self.ctx.send(self.server, stop)


def _path(info: ResourceInfo, namespace: str) -> dict[str, Any]:
    """The resource, group and namespace fields of a request (no namespace when cluster-scoped)."""
    return {
        "resource": info.resource,
        "group": info.group,
        "namespace": namespace if info.namespaced else "",
    }
