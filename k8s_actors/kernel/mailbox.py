"""An actor's mailbox: a queue that is drained in batches.

Role: the receiving end of the bus. `put` never awaits; `take` hands over everything queued at once,
so an actor processes a burst of messages without one await per message. Runs on anyio's asyncio
backend and uses bare asyncio futures for the wake-up, the cheapest primitive available there.
Neighbours: `bus` (puts), `actor` (takes).
"""

from __future__ import annotations

import asyncio

from k8s_actors.kernel.envelope import Envelope


class Mailbox:
    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Envelope] = []
        self._waiter: asyncio.Future[None] | None = None

    def __len__(self) -> int:
        return len(self._items)

    def put(self, envelope: Envelope) -> None:
        self._items.append(envelope)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def take(self) -> list[Envelope]:
        """Wait until something is queued, then return all of it, oldest first."""
        while not self._items:
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                await waiter
            finally:
                if self._waiter is waiter:
                    self._waiter = None
        items = self._items
        self._items = []
        return items

    def clear(self) -> list[Envelope]:
        """Drop everything queued (a crashed actor loses its mailbox) and return it."""
        items = self._items
        self._items = []
        return items
