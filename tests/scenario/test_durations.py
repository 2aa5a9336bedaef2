"""Tests for `k8s_actors.scenario.durations`: Go's time.ParseDuration grammar and its errors."""

from __future__ import annotations

import pytest

from k8s_actors.scenario.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500ms", 0.5),
        ("10s", 10.0),
        ("2m", 120.0),
        ("1h30m", 5400.0),
        ("1.5h", 5400.0),
        ("0", 0.0),
        (".5s", 0.5),
        ("1m30s", 90.0),
        ("250us", 0.00025),
        ("-1s", -1.0),
        (0, 0.0),
    ],
)
def test_go_duration_forms_parse_to_seconds(text: str | int, seconds: float) -> None:
    """Every form Go's ParseDuration accepts gives the same number of seconds."""
    assert parse_duration(text) == pytest.approx(seconds)


def test_bare_number_is_missing_its_unit() -> None:
    """`10` is refused as Go refuses it: the unit is missing."""
    with pytest.raises(DurationError, match=r'missing unit in duration "10"'):
        parse_duration("10")


def test_bare_nonzero_integer_from_yaml_is_missing_its_unit() -> None:
    """A YAML integer such as 10 is not silently taken as seconds."""
    with pytest.raises(DurationError, match="missing unit"):
        parse_duration(10)


def test_unknown_unit_is_named() -> None:
    """`10x` names the unknown unit "x"."""
    with pytest.raises(DurationError, match=r'unknown unit "x" in duration "10x"'):
        parse_duration("10x")


def test_unknown_unit_after_a_valid_part_is_named() -> None:
    """`1h2x` fails on its second part, naming "x"."""
    with pytest.raises(DurationError, match=r'unknown unit "x"'):
        parse_duration("1h2x")


@pytest.mark.parametrize("text", ["", "abc", "s"])
def test_text_without_a_number_is_an_invalid_duration(text: str) -> None:
    """Empty or non-numeric text is an invalid duration, quoted as written."""
    with pytest.raises(DurationError, match=f'invalid duration "{text}"'):
        parse_duration(text)


def test_boolean_is_not_a_duration() -> None:
    """YAML `true` does not pass for 1 second."""
    with pytest.raises(DurationError):
        parse_duration(True)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(90, "1m30s"), (0.5, "500ms"), (3600, "1h0m0s"), (0, "0s"), (12.5, "12.5s")],
)
def test_format_duration_writes_go_style(seconds: float, text: str) -> None:
    """Rendering follows Go's Duration.String for whole and sub-second values."""
    assert format_duration(seconds) == text
