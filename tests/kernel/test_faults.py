"""Fault rules: seeded loss, partitions both ways, added latency, and address matching."""

from __future__ import annotations

import random

import pytest

from k8s_actors.kernel import AddressSet, FaultRule, Latency, MessageLoss, Partition, Verdict
from k8s_actors.kernel.faults import StreamDelay, judge_all

GROUPS: dict[str, list[str]] = {"control-plane": ["kube-apiserver", "etcd"], "nodes": []}


def losses(seed: int, rate: float, count: int) -> list[bool]:
    rule = MessageLoss(rate=rate)
    rng = random.Random(seed)
    return [judge_all([rule], "a", "b", GROUPS, rng).dropped for _ in range(count)]


def test_loss_with_a_seeded_generator_replays_exactly() -> None:
    """The same seed drops the same messages; another seed drops others."""
    assert losses(7, 0.3, 500) == losses(7, 0.3, 500)
    assert losses(7, 0.3, 500) != losses(8, 0.3, 500)


def test_loss_drops_roughly_its_rate() -> None:
    """Over many messages the dropped fraction is close to the rate, with reason message_loss."""
    dropped = losses(1, 0.25, 20_000)
    assert sum(dropped) / len(dropped) == pytest.approx(0.25, abs=0.02)
    verdict = judge_all([MessageLoss(rate=1.0)], "a", "b", GROUPS, random.Random(0))
    assert verdict == Verdict(dropped=True, reason="message_loss")
    assert not any(losses(1, 0.0, 1000))


def test_partition_cuts_both_directions_and_nothing_else() -> None:
    """A partition between two sides drops messages each way but not within a side."""
    rule = Partition(source=AddressSet(("control-plane",)), target=AddressSet(("node-2",)))
    rng = random.Random(0)

    def dropped(src: str, dst: str) -> bool:
        return judge_all([rule], src, dst, GROUPS, rng).dropped

    assert dropped("kube-apiserver", "kubelet/node-2")
    assert dropped("kubelet/node-2", "etcd")
    assert not dropped("kube-apiserver", "etcd")
    assert not dropped("kube-apiserver", "kubelet/node-1")
    assert judge_all([rule], "etcd", "kubelet/node-2", GROUPS, rng).reason == "partition"


def test_one_way_rule_applies_in_its_direction_only() -> None:
    """With both_ways=False, a rule from A to B leaves B-to-A traffic alone."""
    rule = Partition(source=AddressSet(("a",)), target=AddressSet(("b",)), both_ways=False)
    assert rule.applies("a", "b", GROUPS)
    assert not rule.applies("b", "a", GROUPS)


def test_rule_without_source_or_target_matches_any_address() -> None:
    """An open side matches every address."""
    assert MessageLoss(rate=1.0).applies("x", "y", GROUPS)
    assert MessageLoss(target=AddressSet(("y",))).applies("anything", "y", GROUPS)


def test_latency_adds_a_fixed_delay_plus_bounded_jitter() -> None:
    """Latency adds `add`, plus a seeded draw in [0, jitter) that varies between messages."""
    fixed = judge_all([Latency(add=0.2)], "a", "b", GROUPS, random.Random(0))
    assert fixed == Verdict(extra_delay=0.2)
    rng = random.Random(3)
    rule = Latency(add=0.1, jitter=0.05)
    delays = [judge_all([rule], "a", "b", GROUPS, rng).extra_delay for _ in range(200)]
    assert all(0.1 <= delay < 0.15 for delay in delays)
    assert len(set(delays)) > 100
    replay = random.Random(3)
    assert delays[:5] == [judge_all([rule], "a", "b", GROUPS, replay).extra_delay for _ in range(5)]


def test_delays_add_up_and_any_drop_wins() -> None:
    """Several latency rules sum; a drop among the rules drops the message."""
    rng = random.Random(0)
    slow = [Latency(add=0.5), Latency(add=0.25)]
    assert judge_all(slow, "a", "b", GROUPS, rng).extra_delay == 0.75
    assert judge_all([*slow, Partition()], "a", "b", GROUPS, rng).dropped
    assert judge_all([], "a", "b", GROUPS, rng) == Verdict()


def test_base_rule_has_no_verdict_of_its_own() -> None:
    """FaultRule is abstract: judging it is an error."""
    with pytest.raises(NotImplementedError):
        FaultRule().judge(random.Random(0))


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("node-2", True),
        ("kubelet/node-2", True),
        ("kube-proxy/node-2", True),
        ("kubelet/node-20", False),
        ("node-22", False),
        ("etcd", True),
        ("kube-scheduler", False),
    ],
)
def test_address_set_matches_names_groups_and_node_suffixes(address: str, expected: bool) -> None:
    """A name matches itself and `<component>/<name>`; a group name matches its members."""
    addresses = AddressSet(("node-2", "control-plane"))
    assert addresses.matches(address, GROUPS) is expected


class _Event:
    """A stream's message, as opposed to any other payload."""


def test_stream_delay_delays_only_its_payloads_and_keeps_their_order() -> None:
    """Events of the stream are late by `add`; other payloads of the link pass at once; once
    lifted, a later event still waits behind the last delayed one, so order holds."""
    clock = [10.0]
    rule = StreamDelay(payloads=(_Event,), add=2.0, now=lambda: clock[0])
    rng = random.Random(0)
    assert judge_all([rule], "a", "b", GROUPS, rng, _Event()).extra_delay == 2.0
    assert judge_all([rule], "a", "b", GROUPS, rng, "reply") == Verdict()
    clock[0] = 11.0
    assert rule.lift() == 12.0
    assert judge_all([rule], "a", "b", GROUPS, rng, _Event()).extra_delay == 1.0
    assert judge_all([rule], "a", "c", GROUPS, rng, _Event()) == Verdict()
    clock[0] = 12.5
    assert judge_all([rule], "a", "b", GROUPS, rng, _Event()) == Verdict()
