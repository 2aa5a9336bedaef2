"""Watch streams and their routing: the receiving half of a watch.

Role: a watch is one request (`Watch`, answered by an `ApiResponse`) followed by one-way
`WatchEvent` messages that the API server sends to the watcher's address, tagged with the watch id
the watcher chose. The client numbers its watches; `WatchRouter` maps each id to its `WatchStream`,
an async iterator of `StreamEvent(type, obj, ctx)` where `ctx` is the trace span of the write that
caused the event. Events for an unknown id (a watch already stopped) are dropped. The stream is
registered before the request leaves, because events may arrive right behind the reply. The server
numbers each watch's events; a gap means events were lost, which only a broken connection does: the
stream ends there (`broken`), and its watcher watches again. Neighbours: `client` (opens watches,
owns the router), `component` (feeds envelopes to `ApiClient.dispatch`), `informer` (consumes
streams).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any, NamedTuple

from k8s_actors.kernel import Envelope, TraceContext
from k8s_actors.messages import Watch, WatchEvent, WatchEventType

__all__ = ["StreamEvent", "WatchRouter", "WatchStream"]


class StreamEvent(NamedTuple):
    """One event of a stream: its type, its object, and the span of the write behind it."""

    type: WatchEventType
    obj: Any
    ctx: TraceContext | None


class WatchStream:
    """The events of one watch, in arrival order; iterate with `async for`.

    Iteration ends when the client calls `stop()` (queued events are discarded, as when a
    client-go watcher is stopped), after the server ends the watch with an ERROR event (which
    is still delivered), or when an event is missing (`broken`: the events before the gap are
    still delivered, as those a connection received before it broke).
    """

    def __init__(self, request: Watch, on_stop: Callable[[WatchStream], None]) -> None:
        self.request = request
        self.received = 0
        self._on_stop = on_stop
        self._events: deque[StreamEvent] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._stopped = False
        self._ended = False
        self._broken = False

    @property
    def watch_id(self) -> int:
        return self.request.watch_id

    @property
    def closed(self) -> bool:
        """True once no further event will be yielded after the queued ones."""
        return self._stopped or self._ended or self._broken

    @property
    def broken(self) -> bool:
        """True once an event of the watch went missing (the watch must be opened again)."""
        return self._broken

    def push(self, event: StreamEvent, seq: int = 0) -> None:
        """Queue an event (called by the router, never blocks); `seq` is its number in the
        watch (0: not numbered). Any other number than the next one breaks the stream."""
        if self.closed:
            return
        if seq and seq != self.received + 1:
            self._broken = True
            self._wake()
            return
        self.received += 1
        self._events.append(event)
        if event.type == "ERROR":
            self._ended = True  # the server closes a watch after its ERROR event
        self._wake()

    def stop(self) -> None:
        """End the watch: tell the server (through the client) and end the iteration."""
        if self._stopped:
            return
        already_ended = self._ended
        self._stopped = True
        self._events.clear()
        self._wake()
        if not already_ended:
            self._on_stop(self)

    def __aiter__(self) -> WatchStream:
        return self

    async def __anext__(self) -> StreamEvent:
        while not self._events:
            if self.closed:
                raise StopAsyncIteration
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                await waiter
            finally:
                if self._waiter is waiter:
                    self._waiter = None
        return self._events.popleft()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)


class WatchRouter:
    """Hands each incoming `WatchEvent` to the stream of its watch id."""

    def __init__(
        self, first_id: int = 1, on_orphan: Callable[[WatchEvent], None] | None = None
    ) -> None:
        self._streams: dict[int, WatchStream] = {}
        self._last_id = first_id - 1
        self._first_id = first_id
        self._on_orphan = on_orphan
        self._orphans: dict[int, None] = {}

    def next_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def register(self, stream: WatchStream) -> None:
        self._streams[stream.watch_id] = stream

    def unregister(self, stream: WatchStream) -> None:
        if self._streams.get(stream.watch_id) is stream:
            del self._streams[stream.watch_id]

    def active(self) -> list[int]:
        """Ids of the open watches, in order."""
        return sorted(self._streams)

    def dispatch(self, envelope: Envelope) -> bool:
        """Route a watch event; False when the envelope is not a watch event at all."""
        event = envelope.payload
        if not isinstance(event, WatchEvent):
            return False
        stream = self._streams.get(event.watch_id)
        if stream is None:
            # A late event of a stopped watch: drop it. Below the first id, it is a watch of an
            # earlier actor at this address that the server still streams (its StopWatch was
            # lost): `on_orphan` has it stopped, once, as a peer resets a dead connection.
            watch_id = event.watch_id
            if watch_id < self._first_id and watch_id not in self._orphans:
                self._orphans[watch_id] = None
                if self._on_orphan is not None:
                    self._on_orphan(event)
            return True
        stream.push(StreamEvent(event.type, event.obj, envelope.ctx), event.seq)
        if stream.closed:
            self.unregister(stream)
        return True
