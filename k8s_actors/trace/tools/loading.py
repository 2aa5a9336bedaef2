"""Loading a trace file for the trace tools: raw lines kept beside decoded records.

Role: the one place the tools open a trace. Every record keeps its line number and its exact bytes
(so `filter` can pass records through unchanged), and a missing or corrupt file becomes a
`TraceFileError` with a one-line message for the command line. Also holds the small helpers the
verbs share: matching records to an object named `KIND/NAME`, and time formatting. Neighbours:
`k8s_actors.trace.reader` (the schema reader this mirrors), every verb module beside this one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import msgspec

from k8s_actors.api.registry import REGISTRY, UnknownKindError

_decode = msgspec.json.Decoder()


class TraceFileError(Exception):
    """A trace that cannot be read: missing, unreadable, or not JSON Lines of records."""


class Line(msgspec.Struct, frozen=True):
    """One record of a trace: where it was, its exact bytes, and its decoded fields."""

    number: int
    raw: bytes
    record: dict[str, Any]

    @property
    def t(self) -> float:
        return float(self.record["t"])


def load_trace(source: str | os.PathLike[str] | Iterable[bytes | str]) -> list[Line]:
    """Every record of a trace file (or of the given lines), in written order."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            raw_lines = path.read_bytes().splitlines(keepends=True)
        except OSError as error:
            raise TraceFileError(f"{path}: cannot read trace: {error.strerror}") from None
        label = str(path)
    else:
        raw_lines = [line.encode() if isinstance(line, str) else line for line in source]
        label = "<trace>"
    return [_decode_line(label, number, raw) for number, raw in _numbered(raw_lines)]


def _numbered(raw_lines: list[bytes]) -> list[tuple[int, bytes]]:
    return [(n, raw) for n, raw in enumerate(raw_lines, start=1) if raw.strip()]


def _decode_line(label: str, number: int, raw: bytes) -> Line:
    try:
        record = _decode.decode(raw)
    except msgspec.DecodeError as error:
        raise TraceFileError(f"{label}:{number}: not a JSON record: {error}") from None
    if not isinstance(record, dict):
        raise TraceFileError(f"{label}:{number}: not a JSON object")
    for field, kind in (("t", (int, float)), ("actor", str), ("event", str)):
        if not isinstance(record.get(field), kind) or isinstance(record.get(field), bool):
            raise TraceFileError(f"{label}:{number}: record has no valid {field!r} field")
    return Line(number, raw if raw.endswith(b"\n") else raw + b"\n", record)


def resolve_kind(name: str) -> str:
    """The Kind a kubectl-style name means (`po`, `pods`, `Pod`); unknown names as given."""
    try:
        return REGISTRY.for_name(name).kind
    except UnknownKindError:
        return name


def resource_of(kind: str) -> str | None:
    """The plural resource of a Kind, when the object model knows it."""
    try:
        return REGISTRY.for_name(kind).resource
    except UnknownKindError:
        return None


class ObjectRef(msgspec.Struct, frozen=True):
    """An object named on the command line as `KIND/NAME`, with an optional namespace."""

    kind: str
    name: str
    namespace: str | None = None

    @classmethod
    def parse(cls, text: str, namespace: str | None = None) -> ObjectRef:
        kind, slash, name = text.partition("/")
        if not slash or not kind or not name:
            raise ValueError(f"expected KIND/NAME, got {text!r}")
        return cls(resolve_kind(kind), name, namespace)

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether the record is about this object (by kind, or by the resource of a request)."""
        if record.get("name") != self.name:
            return False
        if self.namespace is not None and record.get("namespace", self.namespace) != self.namespace:
            return False
        kind = record.get("kind")
        if isinstance(kind, str):
            return kind.lower() == self.kind.lower()
        resource = record.get("resource")
        return resource is not None and resource == resource_of(self.kind)

    def __str__(self) -> str:
        where = f" in {self.namespace}" if self.namespace else ""
        return f"{self.kind}/{self.name}{where}"


def format_time(seconds: float) -> str:
    """Simulated seconds for a column: `   30.000s`."""
    return f"{seconds:9.3f}s"


def object_label(record: Mapping[str, Any]) -> str:
    """`Kind ns/name` (or `resource ns/name` for a request), `-` when the record names nothing."""
    kind = record.get("kind") or record.get("resource")
    name = record.get("name") or ""
    namespace = record.get("namespace") or ""
    if not kind and not name:
        return "-"
    where = f"{namespace}/{name}" if namespace else name
    return f"{kind or '?'} {where}".rstrip()
