"""Starting a run: pick the loop for the clock mode and run a coroutine on anyio's asyncio backend.

Role: the one place that decides between virtual and wall time. Everything else reads time through
`Clock`. Neighbours: `clock` (the virtual loop), the scenario runner and `Cluster` (callers).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

import anyio

from k8s_actors.kernel.clock import VirtualEventLoop

T = TypeVar("T")
ClockMode = Literal["virtual", "wall"]


def run(main: Callable[[], Awaitable[T]], mode: ClockMode = "virtual") -> T:
    """Run `main` to completion on a fresh event loop of the given clock mode."""
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = (
        VirtualEventLoop if mode == "virtual" else asyncio.new_event_loop
    )
    return anyio.run(main, backend="asyncio", backend_options={"loop_factory": loop_factory})
