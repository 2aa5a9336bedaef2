"""Pure formatting: kubectl's ages, tabwriter alignment and JSONPath templates."""

from __future__ import annotations

import pytest

from k8s_actors.components.kubectl.jsonpath import render
from k8s_actors.components.kubectl.printer import align, human_duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-0.5, "0s"),
        (5, "5s"),
        (119, "119s"),
        (182, "3m2s"),
        (300, "5m"),
        (600, "10m"),
        (3 * 3600 + 5 * 60, "3h5m"),
        (10 * 3600, "10h"),
        (2 * 86400 + 4 * 3600, "2d4h"),
        (30 * 86400, "30d"),
        (800 * 86400, "2y70d"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_human_duration_matches_kubectl(seconds: float, text: str) -> None:
    """Each range of ages prints in kubectl's HumanDuration form."""
    assert human_duration(seconds) == text


def test_align_pads_all_but_the_last_column() -> None:
    """Columns are as wide as their widest cell plus 3, at least 6; the last is not padded."""
    assert align([["NAME", "AGE"], ["a", "5s"]]) == "NAME   AGE\na      5s\n"


def test_jsonpath_filters_indices_and_literals() -> None:
    """Filters, indices and literal text around expressions."""
    data = {"status": {"conditions": [{"type": "Ready", "status": "True"}]}, "items": [1, 2]}
    assert render('{.status.conditions[?(@.type=="Ready")].status}', data) == "True"
    assert render("n={.items[1]} all={.items[*]}", data) == "n=2 all=1 2"
    assert render("{.missing}", data) == ""
