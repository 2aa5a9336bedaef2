"""Key ranges as etcd spells them: one key, [start, end), a prefix, or every key from start on.

Role: turns the (key, end, prefix) triple that range, delete and watch accept into half-open bounds
on the sorted key space. Neighbours: `mvcc` (range and delete), `watch` (watcher filters).

etcd conventions kept here: `end` None reads the single key; `end == "\\0"` means every key >=
key; a prefix is the range [key, prefix_end(key)) where prefix_end increments the last character
that can be incremented (clientv3.GetPrefixRangeEnd), and the empty prefix covers all keys.
"""

from __future__ import annotations

import msgspec

# etcd's marker for "no upper bound" when given as a range end.
ALL_FROM_START = "\0"

_MAX_CHAR = 0x10FFFF


def prefix_end(prefix: str) -> str | None:
    """The smallest string above every string starting with `prefix`; None when there is none."""
    chars = prefix
    while chars:
        last = ord(chars[-1])
        if last < _MAX_CHAR:
            return chars[:-1] + chr(last + 1)
        chars = chars[:-1]
    return None


class KeyRange(msgspec.Struct, frozen=True):
    """A set of keys: `start` alone when `single`, else [start, stop), stop None for unbounded."""

    start: str
    stop: str | None
    single: bool

    @classmethod
    def of(cls, key: str, end: str | None = None, *, prefix: bool = False) -> KeyRange:
        if prefix:
            return cls(key, prefix_end(key), single=False)
        if end is None:
            return cls(key, None, single=True)
        if end == ALL_FROM_START:
            return cls(key, None, single=False)
        return cls(key, end, single=False)

    def contains(self, key: str) -> bool:
        if self.single:
            return key == self.start
        return self.start <= key and (self.stop is None or key < self.stop)
