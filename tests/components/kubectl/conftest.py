"""kubectl test harness: etcd, kube-apiserver and the kubectl actor on a virtual loop, traced.

`shell(body)` runs `body(sh)`; `await sh("get pods")` sends `RunKubectl` as the user does and
returns the `KubectlResult`; `sh.api` sends raw API requests to set the scene (objects, status);
`sh.records()` reads the trace written so far.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.registry import REGISTRY
from k8s_actors.client.errors import error_from_status
from k8s_actors.components.apiserver import ApiServer
from k8s_actors.components.etcd import Etcd
from k8s_actors.components.kubectl import Kubectl
from k8s_actors.kernel import ActorSpec, Bus, Clock, IdSource, Supervisor, run
from k8s_actors.messages import (
    ApiResponse,
    Create,
    Get,
    KubectlResult,
    Patch,
    RunKubectl,
    Update,
)
from k8s_actors.store import Store
from k8s_actors.trace import Tracer, read_trace

T = TypeVar("T")
APISERVER = "kube-apiserver"


@dataclass
class Shell:
    bus: Bus
    clock: Clock
    lines: list[bytes]

    async def __call__(self, command: str, namespace: str = "default") -> KubectlResult:
        reply = await self.bus.request(
            "user", "kubectl", RunKubectl(command=command, namespace=namespace), timeout=1e9
        )
        assert isinstance(reply.payload, KubectlResult)
        return reply.payload

    async def ok(self, command: str) -> str:
        """Stdout of a command that must succeed."""
        result = await self(command)
        assert result.exit_code == 0, result
        return result.stdout

    async def api(self, request: Any) -> Any:
        reply = await self.bus.request("user", APISERVER, request)
        response = reply.payload
        assert isinstance(response, ApiResponse)
        if not response.ok:
            raise error_from_status(response.status)  # type: ignore[arg-type]
        return response.obj

    async def create(self, obj: Any) -> Any:
        info = REGISTRY.for_object(obj)
        namespace = (obj.metadata.namespace or "default") if info.namespaced else ""
        return await self.api(
            Create(resource=info.resource, group=info.group, namespace=namespace, body=obj)
        )

    async def apply_yaml(self, text: str) -> list[Any]:
        return [await self.create(obj) for obj in load_manifests(text)]

    async def get(self, kind: str, name: str, namespace: str = "default") -> Any:
        info = REGISTRY.for_name(kind)
        ns = namespace if info.namespaced else ""
        return await self.api(
            Get(resource=info.resource, group=info.group, namespace=ns, name=name)
        )

    async def patch(self, kind: str, name: str, patch: Any, subresource: str = "") -> Any:
        info = REGISTRY.for_name(kind)
        ns = "default" if info.namespaced else ""
        return await self.api(
            Patch(
                resource=info.resource,
                group=info.group,
                namespace=ns,
                name=name,
                patch=patch,
                patch_type="application/merge-patch+json",
                subresource=subresource,
            )
        )

    async def update_status(self, obj: Any) -> Any:
        info = REGISTRY.for_object(obj)
        return await self.api(
            Update(
                resource=info.resource,
                group=info.group,
                namespace=obj.metadata.namespace,
                name=obj.metadata.name,
                body=obj,
                subresource="status",
            )
        )

    async def during(
        self, command: str, *steps: tuple[float, Callable[[], Awaitable[Any]]]
    ) -> KubectlResult:
        """Run `command` while each (delay, action) happens at its simulated second."""

        async def at(delay: float, action: Callable[[], Awaitable[Any]]) -> None:
            await self.clock.sleep(delay)
            await action()

        async with anyio.create_task_group() as group:
            for delay, action in steps:
                group.start_soon(at, delay, action)
            result = await self(command)
        return result

    def records(self) -> list[dict[str, Any]]:
        return list(read_trace(self.lines))


def shell(body: Callable[[Shell], Awaitable[T]], *, workdir: Path | None = None) -> T:
    """Run `body` against etcd + kube-apiserver + kubectl on a fresh virtual-time loop."""

    async def main() -> T:
        clock = Clock()
        clock.bind(asyncio.get_running_loop())
        rng = random.Random(7)
        bus = Bus(clock, rng)
        lines: list[bytes] = []
        tracer = Tracer(lines, clock)
        failure: BaseException | None = None
        async with Supervisor(bus, clock, IdSource(rng), rng, tracer.logger) as supervisor:
            await supervisor.start(ActorSpec("etcd-0", lambda: Etcd(store=Store())))
            await supervisor.start(ActorSpec(APISERVER, ApiServer))
            await supervisor.start(ActorSpec("kubectl", lambda: Kubectl(workdir=workdir)))
            try:
                result = await body(Shell(bus, clock, lines))
            except Exception as error:
                failure = error
        if failure is not None:
            raise failure
        return result

    return run(main)
