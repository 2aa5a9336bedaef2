"""Fault rules the bus applies to each message: loss, delay, partitions and late streams.

Role: the network of a run misbehaves only through these rules, and any chance involved is drawn
from the run's seeded generator, so a faulty run replays exactly. The scenario layer adds and
removes rules (for a window of simulated time); the kernel only applies them. Pausing and crashing
actors live in `supervisor`. Neighbours: `bus` (calls `judge` for every message sent).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AddressSet:
    """Addresses named directly, by group, or by node: `node-2` matches `kubelet/node-2`."""

    names: tuple[str, ...]

    def matches(self, address: str, groups: Mapping[str, Sequence[str]]) -> bool:
        for name in self.names:
            if address == name or address.endswith("/" + name):
                return True
            members = groups.get(name)
            if members is not None and address in members:
                return True
        return False


@dataclass(frozen=True)
class Verdict:
    """What the rules decided for one message."""

    dropped: bool = False
    extra_delay: float = 0.0
    reason: str = ""


DELIVER = Verdict()


@dataclass(eq=False)
class FaultRule:
    """Base of the rules: applies to messages from `source` to `target` (None: any address)."""

    source: AddressSet | None = None
    target: AddressSet | None = None
    both_ways: bool = True
    label: str = field(default="")

    def applies(self, src: str, dst: str, groups: Mapping[str, Sequence[str]]) -> bool:
        if self._one_way(src, dst, groups):
            return True
        return self.both_ways and self._one_way(dst, src, groups)

    def _one_way(self, src: str, dst: str, groups: Mapping[str, Sequence[str]]) -> bool:
        if self.source is not None and not self.source.matches(src, groups):
            return False
        return self.target is None or self.target.matches(dst, groups)

    def judge(self, rng: random.Random) -> Verdict:
        raise NotImplementedError

    def judge_message(self, rng: random.Random, src: str, dst: str, payload: object) -> Verdict:
        """The verdict on one message; rules that look at the message itself override this."""
        return self.judge(rng)


@dataclass(eq=False)
class MessageLoss(FaultRule):
    """Drops each matching message with probability `rate`."""

    rate: float = 0.0

    def judge(self, rng: random.Random) -> Verdict:
        if rng.random() < self.rate:
            return Verdict(dropped=True, reason="message_loss")
        return DELIVER


@dataclass(eq=False)
class Partition(FaultRule):
    """Drops every message between the two sides, both ways."""

    def judge(self, rng: random.Random) -> Verdict:
        return Verdict(dropped=True, reason="partition")


@dataclass(eq=False)
class Latency(FaultRule):
    """Adds `add` seconds (plus up to `jitter` more, drawn from the run's generator)."""

    add: float = 0.0
    jitter: float = 0.0

    def judge(self, rng: random.Random) -> Verdict:
        extra = self.add + (rng.random() * self.jitter if self.jitter else 0.0)
        return Verdict(extra_delay=extra)


@dataclass(eq=False)
class StreamDelay(FaultRule):
    """Delays the messages of one kind (`payloads`: a stream's events, such as watch events) by
    `add` seconds, in order: each link's delayed messages arrive in the order they were sent,
    also after `lift` (later ones wait behind the last delayed one). Other messages of the same
    links pass undelayed, as a connection's other streams do (a late watch does not slow the
    replies to requests). `now` reads the run's clock. Two such rules on one link would each keep
    their own order but not the order of the sum: raise `add` of the one rule instead."""

    payloads: tuple[type, ...] = ()
    add: float = 0.0
    now: Callable[[], float] = field(default=lambda: 0.0)
    _due: dict[tuple[str, str], float] = field(default_factory=dict)

    def judge(self, rng: random.Random) -> Verdict:
        return Verdict(extra_delay=self.add)

    def judge_message(self, rng: random.Random, src: str, dst: str, payload: object) -> Verdict:
        if not isinstance(payload, self.payloads):
            return DELIVER
        now = self.now()
        due = max(now + self.add, self._due.get((src, dst), 0.0))
        self._due[(src, dst)] = due
        return Verdict(extra_delay=due - now) if due > now else DELIVER

    def lift(self, amount: float | None = None) -> float:
        """Take `amount` seconds off the delay (None: all of it); returns when the last delayed
        message is due: once the delay is 0 the rule has no effect left after that instant and
        may be removed."""
        self.add = 0.0 if amount is None else max(0.0, self.add - amount)
        return max(self._due.values(), default=0.0)


def judge_all(
    rules: Sequence[FaultRule],
    src: str,
    dst: str,
    groups: Mapping[str, Sequence[str]],
    rng: random.Random,
    payload: object = None,
) -> Verdict:
    """Combine every applicable rule: any drop wins, delays add up."""
    delay = 0.0
    for rule in rules:
        if not rule.applies(src, dst, groups):
            continue
        verdict = rule.judge_message(rng, src, dst, payload)
        if verdict.dropped:
            return verdict
        delay += verdict.extra_delay
    return Verdict(extra_delay=delay) if delay else DELIVER
