"""What every request handler shares: the server's storage, cache, clock and trace logger.

Role: the state one apiserver instance passes to its verb handlers, plus the helpers that several
of them need (resolving a resource, reading the current object, defaulting and validating, the
traced stages). Neighbours: `handlers`, `deletion`, `subresources` (users), `server` (owner).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from k8s_actors.api.defaults import default_object
from k8s_actors.api.registry import REGISTRY, ResourceInfo, UnknownKindError
from k8s_actors.api.validation import validate_object
from k8s_actors.api.validation.errors import invalid_status
from k8s_actors.components.apiserver.cacher import WatchCache
from k8s_actors.components.apiserver.errors import ApiError, not_found, resource_not_found
from k8s_actors.components.apiserver.storage import Storage
from k8s_actors.kernel import ActorContext, Logger, TraceContext
from k8s_actors.messages import ApiRequest


@dataclass
class Server:
    actor: ActorContext
    storage: Storage
    cache: WatchCache
    log: Logger
    waiters: list[tuple[int, asyncio.Future[None]]] = field(default_factory=list)

    def now_timestamp(self) -> str:
        return self.actor.clock.timestamp()

    async def wait_for_revision(self, revision: int) -> None:
        """Return once the watch cache has applied etcd's events up to `revision`."""
        if self.cache.revision >= revision:
            return
        future: asyncio.Future[None] = self.actor.clock.loop.create_future()
        self.waiters.append((revision, future))
        await future

    def wake_waiters(self) -> None:
        if not self.waiters:
            return
        reached = self.cache.revision
        keep = []
        for revision, future in self.waiters:
            if revision <= reached:
                if not future.done():
                    future.set_result(None)
            else:
                keep.append((revision, future))
        self.waiters = keep


@dataclass
class Call:
    """One request in flight: what was asked, of which resource, under which span."""

    request: ApiRequest
    info: ResourceInfo
    span: TraceContext
    verb: str

    @property
    def namespace(self) -> str:
        return self.request.namespace if self.info.namespaced else ""

    def key(self, name: str) -> str:
        return self.info.storage_key(self.namespace, name)


def resolve(request: ApiRequest) -> ResourceInfo:
    name = f"{request.resource}.{request.group}" if request.group else request.resource
    try:
        info = REGISTRY.for_name(name)
    except UnknownKindError:
        raise resource_not_found() from None
    if info.resource != request.resource or info.group != request.group:
        raise resource_not_found()
    return info


async def current(server: Server, call: Call, name: str) -> tuple[Any, int]:
    """The stored object (resourceVersion set) and its revision; 404 when absent."""
    obj, revision = await server.storage.get(call.key(name), call.span)
    if obj is None:
        raise not_found(call.info.resource, call.info.group, name)
    return obj, revision


def default_and_validate(info: ResourceInfo, obj: Any, name: str) -> Any:
    """Apply the kind's defaults, then its validation; 422 Invalid lists every problem."""
    obj = default_object(obj)
    errors = validate_object(obj)
    if errors:
        raise ApiError(invalid_status(info.qualified_kind, name, errors, group=info.group))
    return obj


__all__ = ["ApiError", "Call", "Server", "current", "default_and_validate", "resolve"]
