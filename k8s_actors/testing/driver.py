"""`ClusterDriver`: one cluster in one long-lived task on a virtual-time loop, driven step by step.

Role: Hypothesis rules are synchronous; the driver keeps a `Cluster` open in a task and runs
the loop only until each command handed to it is done, so simulated time passes exactly as the
rules say. Background work (a crashed component's restart) runs as tasks of the same loop.
Neighbours: `machine`, `fixtures`, `k8s_actors.kernel.clock`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from k8s_actors.kernel.clock import VirtualEventLoop
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import ClusterSpec

Command = Callable[[Cluster], Awaitable[Any]]


class ClusterDriver:
    """Runs a cluster in one task; `call` runs the loop until a command on it is done."""

    def __init__(self, seed: int, spec: ClusterSpec) -> None:
        self.loop = VirtualEventLoop()
        self._queue: asyncio.Queue[tuple[Command, asyncio.Future[Any]] | None] = asyncio.Queue()
        self._background: list[asyncio.Task[None]] = []
        self._main = self.loop.create_task(self._serve(seed, spec))

    async def _serve(self, seed: int, spec: ClusterSpec) -> None:
        async with Cluster(seed=seed, spec=spec) as cluster:
            while (item := await self._queue.get()) is not None:
                command, future = item
                try:
                    future.set_result(await command(cluster))
                except Exception as error:  # handed to the caller of `call`
                    future.set_exception(error)
            for task in self._background:
                task.cancel()

    def spawn(self, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run `work` beside the commands (e.g. a restart after a crash's downtime)."""
        self._background.append(self.loop.create_task(work()))

    def call(self, command: Command) -> Any:
        future: asyncio.Future[Any] = self.loop.create_future()
        self._queue.put_nowait((command, future))
        return self.loop.run_until_complete(future)

    def close(self) -> None:
        self._queue.put_nowait(None)
        self.loop.run_until_complete(self._main)
        self.loop.close()
