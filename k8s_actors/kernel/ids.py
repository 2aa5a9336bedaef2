"""Deterministic identifiers for a run: trace ids, span ids and object uids.

Role: everything that real Kubernetes would draw at random (uids, generated name suffixes) or from a
clock comes from here, seeded by the run, so the same scenario and seed name things the same way.
Neighbours: `bus` (span ids of messages), the apiserver (uids, generateName suffixes).
"""

from __future__ import annotations

import random

# Alphabet of utilrand.String in k8s.io/apimachinery/pkg/util/rand (no vowels, no confusable
# digits).
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class IdSource:
    """Counters and a seeded generator that hand out identifiers in a reproducible order."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._spans = 0
        self._traces = 0

    def trace_id(self) -> str:
        self._traces += 1
        return f"{self._traces:032x}"

    def span_id(self) -> str:
        self._spans += 1
        return f"{self._spans:016x}"

    def uid(self) -> str:
        """A version-4 style UUID drawn from the run's generator."""
        bits = self._rng.getrandbits(128)
        bits = (bits & ~(0xF << 76)) | (0x4 << 76)
        bits = (bits & ~(0x3 << 62)) | (0x2 << 62)
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def name_suffix(self, length: int = 5) -> str:
        """The random suffix the apiserver appends to generateName."""
        return "".join(self._rng.choice(_NAME_ALPHABET) for _ in range(length))
