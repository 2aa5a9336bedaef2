"""Tests of the public surface of `k8s_actors.store`."""

from __future__ import annotations

import k8s_actors.store as store


def test_all_names_exist_and_are_sorted() -> None:
    assert store.__all__ == sorted(store.__all__)
    for name in store.__all__:
        assert hasattr(store, name), name


def test_the_store_is_public() -> None:
    assert "Store" in store.__all__
    assert "Watcher" in store.__all__
