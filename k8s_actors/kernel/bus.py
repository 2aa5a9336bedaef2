"""The message bus: named addresses, one-way sends, request/reply, ordered delayed delivery.

Role: everything between actors crosses here, as everything between Kubernetes components crosses
the network. Delivery order is (delivery time, sequence number): every message goes through one
heap that a single pump drains in batches, so two runs with the same inputs deliver in the same
order; no message overtakes an earlier one of its link and kind (TCP keeps a connection in
order). Latency and loss come from `faults` and the run's seeded generator, except on links marked
local (no network between them: a user's terminal and kubectl). Taps observe every
delivery (the trace uses them). Neighbours: `mailbox` (receivers), `faults` (rules), `supervisor`
(registers actors, pauses them).
"""

from __future__ import annotations

import asyncio
import heapq
import random
from collections.abc import Callable
from typing import Literal

from k8s_actors.kernel.clock import Cancellable, Clock
from k8s_actors.kernel.envelope import Envelope, TraceContext
from k8s_actors.kernel.faults import FaultRule, judge_all
from k8s_actors.kernel.mailbox import Mailbox

Outcome = Literal["delivered", "dropped", "unreachable", "late_reply"]
Tap = Callable[[Envelope, Outcome, str], None]


class KernelError(Exception):
    """Base of the errors the kernel raises at the edge of a request."""


class RequestTimeout(KernelError):
    """No reply arrived in time (lost message, partition, or a paused or slow peer)."""


class Unreachable(KernelError):
    """Nothing listens at the destination address (the actor is down): connection refused."""


class Bus:
    def __init__(self, clock: Clock, rng: random.Random, default_latency: float = 0.0) -> None:
        self.clock = clock
        self.rng = rng
        self.default_latency = default_latency
        self.groups: dict[str, list[str]] = {}
        self.faults: list[FaultRule] = []
        self.taps: list[Tap] = []
        self.link_latency: dict[tuple[str, str], float] = {}
        self._local_links: dict[tuple[str, str], None] = {}
        self.sent = 0
        self._mailboxes: dict[str, Mailbox] = {}
        self._paused: dict[str, list[Envelope]] = {}
        self._pending: dict[int, asyncio.Future[Envelope]] = {}
        self._heap: list[tuple[float, int, Envelope]] = []
        self._due_now: list[Envelope] = []
        self._stream_due: dict[tuple[str, str, type], float] = {}
        self._seq = 0
        self._pump_soon = False
        self._timer: Cancellable | None = None
        self._timer_when = 0.0

    # -- addresses -----------------------------------------------------------------------------

    def register(self, address: str, mailbox: Mailbox) -> None:
        if address in self._mailboxes:
            raise ValueError(f"address {address!r} is already registered")
        self._mailboxes[address] = mailbox

    def unregister(self, address: str) -> None:
        self._mailboxes.pop(address, None)

    def is_registered(self, address: str) -> bool:
        return address in self._mailboxes

    def addresses(self) -> list[str]:
        return sorted(self._mailboxes)

    def mark_local(self, one: str, other: str) -> None:
        """No fault rule applies between `one` and `other`, either way: they share a machine,
        so no network hop lies between them."""
        self._local_links[(one, other)] = None
        self._local_links[(other, one)] = None

    def pause(self, address: str) -> None:
        """Hold every message to or from `address` until `resume` (a frozen process)."""
        self._paused.setdefault(address, [])

    def resume(self, address: str) -> None:
        held = self._paused.pop(address, [])
        for envelope in held:
            self._route(envelope)

    # -- sending -------------------------------------------------------------------------------

    def send(
        self,
        src: str,
        dst: str,
        payload: object,
        ctx: TraceContext | None = None,
        *,
        correlation: int = 0,
        reply_to: int = 0,
    ) -> Envelope:
        """Send one message; never blocks. Returns the envelope (its seq identifies it)."""
        self._seq += 1
        envelope = Envelope(
            seq=self._seq,
            src=src,
            dst=dst,
            payload=payload,
            ctx=ctx,
            correlation=correlation,
            reply_to=reply_to,
            sent_at=self.clock.now(),
        )
        self.sent += 1
        self._route(envelope)
        return envelope

    async def request(
        self,
        src: str,
        dst: str,
        payload: object,
        ctx: TraceContext | None = None,
        *,
        timeout: float = 60.0,
    ) -> Envelope:
        """Send and wait for the reply envelope; raises RequestTimeout or Unreachable."""
        loop = self.clock.loop
        future: asyncio.Future[Envelope] = loop.create_future()
        correlation = self._seq + 1
        pending = self._pending
        pending[correlation] = future
        # One loop timer per request, armed straight on the loop (what Clock.call_later does,
        # without its two extra calls and a closure). The timers stay one per request, as they
        # always were: the loop orders timers due at the same instant by its heap, so the same
        # timers keep same-time events in the same order.
        timer = loop.call_at(
            loop.time() + max(0.0, timeout), self._expire, correlation, dst, timeout
        )
        try:
            self.send(src, dst, payload, ctx, correlation=correlation)
            return await future
        finally:
            timer.cancel()
            pending.pop(correlation, None)

    def reply(self, request: Envelope, payload: object, ctx: TraceContext | None = None) -> None:
        """Answer a request; the reply travels back with the same latency and fault rules."""
        self.send(request.dst, request.src, payload, ctx, reply_to=request.correlation)

    def _expire(self, correlation: int, dst: str, timeout: float) -> None:
        future = self._pending.pop(correlation, None)
        if future is not None and not future.done():
            future.set_exception(RequestTimeout(f"no reply from {dst} within {timeout:g}s"))

    # -- delivery ------------------------------------------------------------------------------

    def _route(self, envelope: Envelope) -> None:
        if self._paused and (envelope.src in self._paused or envelope.dst in self._paused):
            held = self._paused.get(envelope.src)
            if held is None:
                held = self._paused[envelope.dst]
            held.append(envelope)
            return
        delay = self.default_latency
        if self.link_latency:
            delay = self.link_latency.get((envelope.src, envelope.dst), delay)
        if self.faults and (envelope.src, envelope.dst) not in self._local_links:
            verdict = judge_all(
                self.faults, envelope.src, envelope.dst, self.groups, self.rng, envelope.payload
            )
            if verdict.dropped:
                self._tap(envelope, "dropped", verdict.reason)
                return
            delay += verdict.extra_delay
        if delay <= 0.0 and not (self._stream_due and self._overtakes(envelope)):
            # Sent now, delivered now: a plain list keeps send order, which is sequence order.
            self._due_now.append(envelope)
            if not self._pump_soon:
                self._pump_soon = True
                self.clock.loop.call_soon(self._pump)
            return
        when = self._in_order(envelope, self.clock.now() + delay)
        heapq.heappush(self._heap, (when, envelope.seq, envelope))
        if self._timer is None or when < self._timer_when:
            self._arm_timer(when)

    # Within one connection nothing overtakes (TCP): a message drawn a shorter delay than the
    # one sent before it on its stream (link and kind of message, as an HTTP/2 stream of the
    # connection) waits for that one. Streams of a link stay independent, so a fault that delays
    # one kind of message does not hold the replies back.

    def _in_order(self, envelope: Envelope, when: float) -> float:
        """`when`, or later: when the last message sent before it on its stream is due."""
        key = (envelope.src, envelope.dst, type(envelope.payload))
        last = self._stream_due.get(key)
        if last is not None and last > when:
            when = last
        self._stream_due[key] = when
        return when

    def _overtakes(self, envelope: Envelope) -> bool:
        """True when an instant message would arrive before one still travelling its stream."""
        last = self._stream_due.get((envelope.src, envelope.dst, type(envelope.payload)))
        return last is not None and last > self.clock.now()

    def _arm_timer(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_when = when
        self._timer = self.clock.call_at(when, self._on_timer)

    def _pump(self, due: float = 0.0) -> None:
        """Deliver everything due by now (or by `due`), in (delivery time, sequence) order."""
        self._pump_soon = False
        heap = self._heap
        due_now = self._due_now
        self._due_now = []
        # The timer fires at `due` in loop time, but reading it back through the clock's origin
        # can round just below `due`; trusting `due` keeps that message from being re-armed forever.
        now = max(self.clock.now(), due)
        deliver = self._deliver
        index = 0
        while heap and heap[0][0] <= now:
            # A delayed message due exactly now goes before the instant ones sent after it.
            if index < len(due_now) and heap[0][0] == now and due_now[index].seq < heap[0][1]:
                deliver(due_now[index])
                index += 1
                continue
            deliver(heapq.heappop(heap)[2])
        for envelope in due_now[index:] if index else due_now:
            deliver(envelope)
        if heap and (self._timer is None or heap[0][0] < self._timer_when):
            self._arm_timer(heap[0][0])
        elif not heap and self._stream_due:
            self._stream_due.clear()  # nothing travels: no message has to wait for another

    def _on_timer(self) -> None:
        self._timer = None
        self._pump(self._timer_when)

    def _deliver(self, envelope: Envelope) -> None:
        if envelope.reply_to:
            future = self._pending.get(envelope.reply_to)
            if future is None or future.done():
                self._tap(envelope, "late_reply", "")
                return
            self._tap(envelope, "delivered", "")
            future.set_result(envelope)
            return
        mailbox = self._mailboxes.get(envelope.dst)
        if mailbox is None:
            self._tap(envelope, "unreachable", "no actor at address")
            pending = self._pending.get(envelope.correlation) if envelope.correlation else None
            if pending is not None and not pending.done():
                pending.set_exception(Unreachable(f"{envelope.dst}: connection refused"))
            return
        if self.taps:
            self._tap(envelope, "delivered", "")
        mailbox.put(envelope)

    def _tap(self, envelope: Envelope, outcome: Outcome, reason: str) -> None:
        for tap in self.taps:
            tap(envelope, outcome, reason)
