"""Fault rules the bus applies to each message: loss, delay and partitions.

Role: the network of a run misbehaves only through these rules, and any chance involved is drawn
from the run's seeded generator, so a faulty run replays exactly. The scenario layer adds and
removes rules (for a window of simulated time); the kernel only applies them. Pausing and crashing
actors live in `supervisor`. Neighbours: `bus` (calls `judge` for every message sent).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
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


def judge_all(
    rules: Sequence[FaultRule],
    src: str,
    dst: str,
    groups: Mapping[str, Sequence[str]],
    rng: random.Random,
) -> Verdict:
    """Combine every applicable rule: any drop wins, delays add up."""
    delay = 0.0
    for rule in rules:
        if not rule.applies(src, dst, groups):
            continue
        verdict = rule.judge(rng)
        if verdict.dropped:
            return verdict
        delay += verdict.extra_delay
    return Verdict(extra_delay=delay) if delay else DELIVER
