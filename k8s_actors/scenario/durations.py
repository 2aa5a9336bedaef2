"""Durations as Kubernetes and Go write them: `500ms`, `10s`, `2m`, `1h30m`.

Role: parse the durations of scenario files and flags (time.ParseDuration's grammar: a sequence of
decimal numbers each with a unit ns, us, µs, ms, s, m, h). Neighbours: `loader`, `runner`.
"""

from __future__ import annotations

import re

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


class DurationError(ValueError):
    """Not a Go duration."""


def parse_duration(text: str | int | float) -> float:
    """Seconds in `text`; bare numbers other than 0 are refused, as Go refuses them."""
    if isinstance(text, bool):
        raise DurationError(f"invalid duration {text!r}")
    if isinstance(text, int | float):
        if text == 0:
            return 0.0
        raise DurationError(f'missing unit in duration "{text}"')
    value = text.strip()
    sign = 1.0
    if value[:1] in "+-" and value:
        sign = -1.0 if value[0] == "-" else 1.0
        value = value[1:]
    if value == "0":
        return 0.0
    if not value:
        raise DurationError(f'invalid duration "{text}"')
    total = 0.0
    position = 0
    for match in _PART.finditer(value):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if position != len(value):
        rest = re.match(r"(\d+(?:\.\d*)?|\.\d+)([^\d.]*)", value[position:])
        if rest is not None and not rest.group(2):
            raise DurationError(f'missing unit in duration "{text}"')
        if rest is not None:
            raise DurationError(f'unknown unit "{rest.group(2)}" in duration "{text}"')
        raise DurationError(f'invalid duration "{text}"')
    return sign * total


def format_duration(seconds: float) -> str:
    """A short Go-style rendering: 90 -> "1m30s", 0.5 -> "500ms"."""
    if seconds < 1 and seconds != 0:
        return f"{seconds * 1000:g}ms"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    fraction = seconds - whole
    text = ""
    if hours:
        text += f"{hours}h"
    if minutes or hours:
        text += f"{minutes}m"
    text += f"{secs + fraction:g}s"
    return text
