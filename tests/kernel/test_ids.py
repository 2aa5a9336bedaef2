"""Identifiers come from counters and the run's generator, so a seed names things the same way."""

from __future__ import annotations

import random
import re

from k8s_actors.kernel import IdSource

UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_trace_and_span_ids_count_up_in_fixed_width_hex() -> None:
    """Trace ids are 32 hex digits, span ids 16, numbered from 1 independently."""
    ids = IdSource(random.Random(0))
    assert [ids.trace_id(), ids.span_id(), ids.span_id(), ids.trace_id()] == [
        f"{1:032x}",
        f"{1:016x}",
        f"{2:016x}",
        f"{2:032x}",
    ]


def test_uids_are_version_4_uuids_reproducible_from_the_seed() -> None:
    """uid() has the UUID v4 shape; the same seed gives the same sequence, another seed not."""
    ids, replay = IdSource(random.Random(5)), IdSource(random.Random(5))
    uids = [ids.uid() for _ in range(20)]
    assert all(UUID4.fullmatch(uid) for uid in uids)
    assert uids == [replay.uid() for _ in range(20)]
    assert len(set(uids)) == 20
    assert IdSource(random.Random(6)).uid() != uids[0]


def test_name_suffix_uses_the_apimachinery_alphabet() -> None:
    """generateName suffixes are 5 characters from utilrand's vowel-free alphabet, seeded."""
    ids = IdSource(random.Random(1))
    suffixes = [ids.name_suffix() for _ in range(50)]
    assert all(re.fullmatch(r"[bcdfghjklmnpqrstvwxz2456789]{5}", s) for s in suffixes)
    replay = IdSource(random.Random(1))
    assert suffixes == [replay.name_suffix() for _ in range(50)]
    assert len(ids.name_suffix(length=10)) == 10
