"""Tests of `k8s_actors.store.compare`: transaction guards as etcd evaluates them."""

from __future__ import annotations

from typing import Any

import pytest

from k8s_actors.store import Compare, CompareResult, CompareTarget, KeyValue
from k8s_actors.store.compare import compare_holds

KV = KeyValue("k", "v", create_revision=3, mod_revision=5, version=2, lease=9)


@pytest.mark.parametrize(
    ("target", "result", "value", "expected"),
    [
        (CompareTarget.MOD, CompareResult.EQUAL, 5, True),
        (CompareTarget.MOD, CompareResult.NOT_EQUAL, 5, False),
        (CompareTarget.MOD, CompareResult.LESS, 6, True),
        (CompareTarget.MOD, CompareResult.GREATER, 5, False),
        (CompareTarget.CREATE, CompareResult.EQUAL, 3, True),
        (CompareTarget.VERSION, CompareResult.GREATER, 1, True),
        (CompareTarget.VALUE, CompareResult.EQUAL, "v", True),
        (CompareTarget.VALUE, CompareResult.LESS, "w", True),
        (CompareTarget.LEASE, CompareResult.EQUAL, 9, True),
    ],
)
def test_compare_reads_the_target_of_the_key(
    target: CompareTarget, result: CompareResult, value: Any, expected: bool
) -> None:
    assert compare_holds(Compare("k", target, result, value), KV) is expected


@pytest.mark.parametrize(
    "target", [CompareTarget.MOD, CompareTarget.CREATE, CompareTarget.VERSION, CompareTarget.LEASE]
)
def test_a_missing_key_reads_as_zero(target: CompareTarget) -> None:
    assert compare_holds(Compare("k", target, CompareResult.EQUAL, 0), None)


def test_a_value_compare_on_a_missing_key_always_fails() -> None:
    assert not compare_holds(Compare("k", CompareTarget.VALUE, CompareResult.NOT_EQUAL, 1), None)
