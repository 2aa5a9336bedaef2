"""Tests of `k8s_actors.store.keyrange`: etcd's ways of naming a set of keys."""

from __future__ import annotations

from k8s_actors.store import ALL_FROM_START, prefix_end
from k8s_actors.store.keyrange import KeyRange


def test_prefix_end_increments_the_last_character() -> None:
    assert prefix_end("/registry/pods/") == "/registry/pods0"


def test_prefix_end_skips_characters_that_cannot_grow() -> None:
    assert prefix_end("a\U0010ffff") == "b"


def test_the_empty_prefix_has_no_end() -> None:
    assert prefix_end("") is None
    assert prefix_end("\U0010ffff") is None


def test_a_prefix_range_contains_exactly_the_keys_with_the_prefix() -> None:
    keys = KeyRange.of("/a/", prefix=True)
    assert keys.contains("/a/") and keys.contains("/a/x")
    assert not keys.contains("/a") and not keys.contains("/b/")


def test_a_single_key_range_contains_only_that_key() -> None:
    keys = KeyRange.of("a")
    assert keys.contains("a") and not keys.contains("ab")


def test_an_explicit_end_is_excluded() -> None:
    keys = KeyRange.of("a", "c")
    assert keys.contains("b") and not keys.contains("c")


def test_end_nul_is_unbounded() -> None:
    keys = KeyRange.of("b", ALL_FROM_START)
    assert keys.contains("zzz") and not keys.contains("a")
