"""Normalising a trace so two runs compare on behaviour, not on generated identifiers.

Role: replace what a run generates at random or by counter with stable placeholders numbered in
order of first appearance: uids (`uid-1`), trace and span ids (`trace-1`, `span-1`), the 5
character suffixes that generateName adds (`web-abc12-x2k4p` -> `web-abc12-gen-1`) and
pod-template-hash style suffixes (`web-6b8f9c7d5f` -> `web-hash-1`). Everything else, times and
order included, stays as written. Used by `diff` and by the golden traces of the bundled
scenarios. Neighbours: `diff`, `loading`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec

from k8s_actors.trace.tools.loading import Line

# The alphabet of generated names and of pod-template-hash
# (k8s.io/apimachinery/pkg/util/rand/rand.go, SafeEncodeString): no vowels, no look-alikes.
ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# A ReplicaSet of a Deployment is named `<deployment>-<pod-template-hash>`.
_HASHED_NAME = re.compile(rf"^.+-([{ALPHABET}]{{6,10}})$")
_GENERATE_NAME_KEYS = ("generate_name", "generateName")
_HASH_KEYS = ("pod_template_hash", "pod-template-hash", "podTemplateHash")
_ID_FIELDS = {"trace_id": "trace", "span_id": "span", "parent_span_id": "span"}
_encode = msgspec.json.Encoder()


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in a record, nested ones included."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


class Normaliser:
    """Placeholders for one trace; learn the generated names first, then normalise records."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self._placeholders: dict[str, dict[str, str]] = {}
        prefixes: list[str] = []
        hashes: list[str] = []
        for line in lines:
            self._learn(line.record, prefixes, hashes)
        self._generated = _alternation(prefixes, rf"([{ALPHABET}]{{5}})(?![A-Za-z0-9])")
        self._hashes = _alternation(hashes, "", exact=True)

    def _learn(self, record: dict[str, Any], prefixes: list[str], hashes: list[str]) -> None:
        for key, value in _walk(record):
            if key in _GENERATE_NAME_KEYS and isinstance(value, str) and value:
                _add(prefixes, value)
            if key in _HASH_KEYS and isinstance(value, str) and value:
                _add(hashes, value)
        name = record.get("name")
        if record.get("kind") == "ReplicaSet" and isinstance(name, str):
            _add(prefixes, name + "-")  # its pods are generated from `<replicaset>-`
            hashed = _HASHED_NAME.match(name)
            if hashed:
                _add(hashes, hashed.group(1))

    def placeholder(self, category: str, original: str) -> str:
        """The stable stand-in for `original`: `<category>-<n>` in order of first appearance."""
        seen = self._placeholders.setdefault(category, {})
        return seen.setdefault(original, f"{category}-{len(seen) + 1}")

    def record(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record with every generated identifier replaced."""
        out: dict[str, Any] = {}
        for key, value in record.items():
            if key in _ID_FIELDS and isinstance(value, str):
                out[key] = self.placeholder(_ID_FIELDS[key], value)
            elif key == "uid" and isinstance(value, str) and value:
                out[key] = self.placeholder("uid", value)
            else:
                out[key] = self.value(value)
        return out

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        return value

    def text(self, text: str) -> str:
        text = _UUID.sub(lambda m: self.placeholder("uid", m.group(0)), text)
        if self._generated is not None:
            text = self._generated.sub(self._generated_name, text)
        if self._hashes is not None:
            text = self._hashes.sub(lambda m: self.placeholder("hash", m.group(0)), text)
        return text

    def _generated_name(self, match: re.Match[str]) -> str:
        prefix, suffix = match.group(1), match.group(2)
        return prefix + self.placeholder("gen", prefix + suffix)


def _add(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)


def _alternation(words: list[str], tail: str, *, exact: bool = False) -> re.Pattern[str] | None:
    """One pattern for any of `words` (longest first), then `tail`."""
    if not words:
        return None
    choices = "|".join(re.escape(word) for word in sorted(words, key=lambda w: (-len(w), w)))
    if exact:  # a hash stands between dashes or at an end, never inside another word
        return re.compile(rf"(?<![A-Za-z0-9])(?:{choices})(?![A-Za-z0-9])")
    return re.compile(rf"(?<![A-Za-z0-9-])({choices}){tail}")


def normalise_lines(lines: Sequence[Line]) -> list[bytes]:
    """Each record normalised, as one JSON line (fields in their written order)."""
    normaliser = Normaliser(lines)
    return [_encode.encode(normaliser.record(line.record)) + b"\n" for line in lines]
