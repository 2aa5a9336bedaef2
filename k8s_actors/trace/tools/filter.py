"""`k8s-actors trace filter`: the records that match, passed through unchanged for jq.

Role: select records by actor, kind, name, namespace, event and a window of simulated time; the
output is the matching lines, byte for byte as the tracer wrote them. Times are seconds (`90`,
`1.5`) or Go durations (`2m`, `1h30m`, `250ms`), the syntax of Kubernetes flags. Neighbours:
`loading` (records keep their raw bytes), `follow` (a filter for one object, told as a story).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec

from k8s_actors.api.registry import REGISTRY, UnknownKindError
from k8s_actors.trace.tools.loading import Line

# Go's time.ParseDuration units, in seconds.
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_time(text: str) -> float:
    """Seconds from `90`, `1.5` or a Go duration such as `2m`, `1h30m`, `250ms`."""
    try:
        return float(text)
    except ValueError:
        pass
    sign, body = (-1.0, text[1:]) if text.startswith("-") else (1.0, text.lstrip("+"))
    position, total = 0, 0.0
    while position < len(body):
        part = _PART.match(body, position)
        if part is None:
            raise ValueError(f"invalid duration {text!r}: use seconds or a Go duration like 2m")
        total += float(part.group(1)) * _UNITS[part.group(2)]
        position = part.end()
    if not body:
        raise ValueError(f"invalid duration {text!r}")
    return sign * total


class Criteria(msgspec.Struct, frozen=True, kw_only=True):
    """What a record must match; a field left as None matches anything."""

    actor: str | None = None
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    event: str | None = None
    since: float | None = None
    until: float | None = None

    def accepts(self, line: Line) -> bool:
        record = line.record
        for field in ("actor", "name", "namespace", "event"):
            wanted = getattr(self, field)
            if wanted is not None and record.get(field) != wanted:
                return False
        if self.kind is not None and not _same_kind(record.get("kind"), self.kind):
            return False
        if self.since is not None and line.t < self.since:
            return False
        return self.until is None or line.t <= self.until


def _same_kind(recorded: object, wanted: str) -> bool:
    """Kinds compare as kubectl names do: `po`, `pods`, `pod` and `Pod` are the same kind."""
    if not isinstance(recorded, str):
        return False
    try:
        return REGISTRY.for_name(wanted).kind == recorded
    except UnknownKindError:
        return recorded.lower() == wanted.lower()


def filter_lines(lines: Sequence[Line], criteria: Criteria) -> list[Line]:
    """The records that match, in written order."""
    return [line for line in lines if criteria.accepts(line)]


def render_filter(lines: Sequence[Line], criteria: Criteria) -> bytes:
    """The matching records as JSON Lines, each exactly as written."""
    return b"".join(line.raw for line in filter_lines(lines, criteria))
