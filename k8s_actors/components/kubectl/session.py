"""One command's run: the API calls it makes (each traced), its output, its resource names.

Role: what every verb module receives. A `Session` wraps the actor's `ApiClient` so that each
request is logged as `kubectl_request_sent` and carries the command's span; it resolves resource
names ("deploy", "po") against the discovery list as kubectl's RESTMapper does; and it collects
standard output and error. Neighbours: `actor` (creates one per command), the verb modules,
`k8s_actors.client` (the typed client), `printer` (names).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from k8s_actors.api.objects.machinery import DeleteOptions, List
from k8s_actors.api.registry import ResourceInfo
from k8s_actors.client import ApiClient, StreamEvent
from k8s_actors.components.kubectl.command import Command
from k8s_actors.components.kubectl.errors import KubectlError
from k8s_actors.kernel import ActorContext, TraceContext

__all__ = ["Session", "kind_name", "object_name"]


def kind_name(info: ResourceInfo) -> str:
    """`deployment.apps` or `pod`: how kubectl names a kind in its output."""
    return f"{info.singular}.{info.group}" if info.group else info.singular


def object_name(info: ResourceInfo, name: str) -> str:
    """`deployment.apps/nginx`: the `-o name` form kubectl prints after most verbs."""
    return f"{kind_name(info)}/{name}"


class Session:
    """The context of one kubectl command: API access, resources, output buffers."""

    def __init__(
        self,
        ctx: ActorContext,
        api: ApiClient,
        span: TraceContext,
        command: Command,
        namespace: str,
        resources: list[ResourceInfo],
    ) -> None:
        self.ctx = ctx
        self.api = api
        self.span = span
        self.command = command
        self.namespace = namespace
        self.out = io.StringIO()
        self.err = io.StringIO()
        self._names: dict[str, ResourceInfo] = {}
        for info in resources:
            for alias in (info.resource, info.singular, *info.short_names, info.kind.lower()):
                self._names.setdefault(alias, info)
            if info.group:
                self._names.setdefault(f"{info.resource}.{info.group}", info)
                self._names.setdefault(f"{info.singular}.{info.group}", info)

    # -- output ----------------------------------------------------------------------------------

    def print(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def warn(self, text: str) -> None:
        self.err.write(text + "\n")

    @property
    def now(self) -> float:
        return self.ctx.clock.now()

    # -- resources -------------------------------------------------------------------------------

    def resource(self, name: str) -> ResourceInfo:
        """The resource a kubectl type word names; kubectl's error when the server has none."""
        info = self._names.get(name.lower())
        if info is None:
            raise KubectlError(f'error: the server doesn\'t have a resource type "{name}"')
        return info

    def namespace_for(self, info: ResourceInfo) -> str:
        return self.namespace if info.namespaced else ""

    # -- traced requests -------------------------------------------------------------------------

    def _sent(self, verb: str, info: ResourceInfo, name: str = "", **fields: Any) -> None:
        self.ctx.log.info(
            "kubectl_request_sent",
            ctx=self.span,
            verb=verb,
            resource=info.resource,
            group=info.group,
            namespace=self.namespace_for(info),
            name=name,
            **fields,
        )

    async def get(self, info: ResourceInfo, name: str, namespace: str | None = None) -> Any:
        ns = self.namespace_for(info) if namespace is None else namespace
        self._sent("get", info, name)
        return await self.api.get(info, ns, name, span=self.span)

    async def list(
        self,
        info: ResourceInfo,
        label_selector: str = "",
        field_selector: str = "",
        namespace: str | None = None,
    ) -> List:
        ns = self.namespace_for(info) if namespace is None else namespace
        self._sent("list", info, label_selector=label_selector, field_selector=field_selector)
        return await self.api.list(info, ns, label_selector, field_selector, span=self.span)

    async def create(self, info: ResourceInfo, obj: Any, dry_run: bool = False) -> Any:
        self._sent("create", info, obj.metadata.name, dry_run=dry_run)
        return await self.api.create(
            obj, namespace=self.namespace_for(info), dry_run=dry_run, span=self.span
        )

    async def patch(
        self,
        info: ResourceInfo,
        name: str,
        patch: object,
        patch_type: str = "application/strategic-merge-patch+json",
        subresource: str = "",
    ) -> Any:
        self._sent("patch", info, name, patch_type=patch_type, subresource=subresource)
        return await self.api.patch(
            info, self.namespace_for(info), name, patch, patch_type, subresource, span=self.span
        )

    async def delete(
        self, info: ResourceInfo, name: str, options: DeleteOptions, namespace: str | None = None
    ) -> Any:
        ns = self.namespace_for(info) if namespace is None else namespace
        self._sent("delete", info, name, propagation_policy=options.propagation_policy)
        return await self.api.delete(info, ns, name, options, span=self.span)

    async def get_scale(self, info: ResourceInfo, name: str) -> Any:
        self._sent("get", info, name, subresource="scale")
        return await self.api.get_scale(info, self.namespace_for(info), name, span=self.span)

    async def update_scale(self, info: ResourceInfo, name: str, scale: Any) -> Any:
        self._sent("update", info, name, subresource="scale")
        return await self.api.update_scale(
            info, self.namespace_for(info), name, scale, span=self.span
        )

    async def evict(self, info: ResourceInfo, namespace: str, name: str, grace: int | None) -> Any:
        self._sent("create", info, name, subresource="eviction")
        options = None if grace is None else DeleteOptions(grace_period_seconds=grace)
        return await self.api.evict(namespace, name, options, span=self.span)

    async def watch_until(
        self,
        info: ResourceInfo,
        name: str,
        done: Callable[[StreamEvent], bool],
        resource_version: str,
        namespace: str | None = None,
    ) -> StreamEvent:
        """Watch one object from `resource_version` until `done(event)`; the last event."""
        ns = self.namespace_for(info) if namespace is None else namespace
        self._sent("watch", info, name, resource_version=resource_version)
        stream = await self.api.watch(
            info,
            ns,
            field_selector=f"metadata.name={name}",
            resource_version=resource_version,
            span=self.span,
        )
        try:
            async for event in stream:
                if event.type == "ERROR":
                    raise KubectlError(f"error: watch ended: {getattr(event.obj, 'message', '')}")
                if event.type != "BOOKMARK" and done(event):
                    return event
        finally:
            stream.stop()
        raise KubectlError("error: watch closed before the condition was met")
