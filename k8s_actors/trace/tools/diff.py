"""`k8s-actors trace diff A B`: where two runs first diverge, once generated ids are normalised.

Role: normalise both traces (`normalise`), walk them side by side and report the first pair of
records that differ, with their line numbers and the fields that differ, or that one trace ends
early, or "identical after normalisation". The golden-trace tests use `first_difference` on the
normalised lines of a fresh run and of the golden file. Neighbours: `normalise`, `loading`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from k8s_actors.trace.tools.loading import Line
from k8s_actors.trace.tools.normalise import normalise_lines

_decode = msgspec.json.Decoder()


class Difference(msgspec.Struct, frozen=True, kw_only=True):
    """The first place two normalised traces differ; a side is None where its trace ended."""

    index: int
    line_a: int | None
    line_b: int | None
    text_a: bytes | None
    text_b: bytes | None


def first_difference(
    a: Sequence[bytes], b: Sequence[bytes], numbers_a: Sequence[int], numbers_b: Sequence[int]
) -> Difference | None:
    """The first position where the lines differ (line numbers from `numbers_*`), or None."""
    for index in range(max(len(a), len(b))):
        text_a = a[index] if index < len(a) else None
        text_b = b[index] if index < len(b) else None
        if text_a != text_b:
            return Difference(
                index=index,
                line_a=numbers_a[index] if text_a is not None else None,
                line_b=numbers_b[index] if text_b is not None else None,
                text_a=text_a,
                text_b=text_b,
            )
    return None


def diff_traces(a: Sequence[Line], b: Sequence[Line]) -> Difference | None:
    """The first difference between two traces after normalisation, or None."""
    return first_difference(
        normalise_lines(a),
        normalise_lines(b),
        [line.number for line in a],
        [line.number for line in b],
    )


def differing_fields(text_a: bytes, text_b: bytes) -> list[str]:
    """The fields whose values differ between two JSON records, in A's order then B's."""
    record_a: dict[str, Any] = _decode.decode(text_a)
    record_b: dict[str, Any] = _decode.decode(text_b)
    keys = list(record_a) + [key for key in record_b if key not in record_a]
    return [key for key in keys if record_a.get(key, _ABSENT) != record_b.get(key, _ABSENT)]


_ABSENT = object()


def render_difference(
    difference: Difference | None, name_a: str = "A", name_b: str = "B", records: int = 0
) -> str:
    """The report of `diff`: identical, or the first differing pair of records."""
    if difference is None:
        return f"identical after normalisation ({records} records)\n"
    out = [f"first difference at record {difference.index + 1}:\n"]
    for name, number, text in (
        (name_a, difference.line_a, difference.text_a),
        (name_b, difference.line_b, difference.text_b),
    ):
        if text is None:
            out.append(f"  {name}: ends after {difference.index} records\n")
        else:
            out.append(f"  {name}:{number}: {text.decode().rstrip()}\n")
    if difference.text_a is not None and difference.text_b is not None:
        fields = differing_fields(difference.text_a, difference.text_b)
        out.append(f"  fields that differ: {', '.join(fields)}\n")
    return "".join(out)
