"""The data the store hands out: key-values, events, and the requests and results of a transaction.

Role: frozen msgspec Structs mirroring etcd's api/mvccpb (KeyValue, Event) and etcdserverpb
(Compare, RequestOp, TxnResponse), with Python types: keys are `str`, values are any frozen Python
object, which the store keeps by reference and never copies or encodes.
Neighbours: `mvcc` (builds and returns them), `watch` (delivers `Event` lists), `compare`
(evaluates `Compare`).
"""

from __future__ import annotations

import enum
from typing import Any

import msgspec


class KeyValue(msgspec.Struct, frozen=True, gc=False):
    """One version of a key, as etcd's mvccpb.KeyValue.

    `create_revision` is the revision of the put that created the key's current life, `mod_revision`
    the revision of its last change, `version` counts puts since creation (1 on create, reset by a
    delete). `lease` is the attached lease id, 0 for none. The value must not refer back to this
    object (the struct is not tracked by the garbage collector, which keeps 150,000 of them cheap).
    """

    key: str
    value: Any
    create_revision: int
    mod_revision: int
    version: int
    lease: int = 0

    @property
    def is_tombstone(self) -> bool:
        """True for the marker of a deletion (only key and mod_revision are meaningful)."""
        return self.version == 0


class EventType(enum.Enum):
    PUT = "PUT"
    DELETE = "DELETE"


class Event(msgspec.Struct, frozen=True, gc=False):
    """One change, as etcd's mvccpb.Event with prev_kv always filled in.

    For a DELETE, `kv` carries only the key and the deletion's revision in `mod_revision` (as in
    etcd); `prev_kv` is the deleted version. `meta` is the opaque object the writer attached to the
    write (the apiserver passes the span of the write so that watchers can link their work to it).
    """

    type: EventType
    kv: KeyValue
    prev_kv: KeyValue | None = None
    meta: Any = None

    @property
    def revision(self) -> int:
        return self.kv.mod_revision


class RangeResult(msgspec.Struct, frozen=True):
    """Keys of a range in key order; `count` ignores the limit and `more` says the limit cut it."""

    kvs: tuple[KeyValue, ...]
    count: int
    revision: int
    more: bool = False


class CompareTarget(enum.Enum):
    VERSION = "version"
    CREATE = "create_revision"
    MOD = "mod_revision"
    VALUE = "value"
    LEASE = "lease"


class CompareResult(enum.Enum):
    EQUAL = "="
    NOT_EQUAL = "!="
    LESS = "<"
    GREATER = ">"


class Compare(msgspec.Struct, frozen=True):
    """A guard of a transaction: `<target of key> <result> <value>`, e.g. mod_revision == 7.

    A missing key reads as version, create_revision, mod_revision and lease 0; a VALUE compare on a
    missing key is always false (etcd's applyCompare).
    """

    key: str
    target: CompareTarget
    result: CompareResult
    value: Any


class Put(msgspec.Struct, frozen=True):
    key: str
    value: Any
    lease: int = 0


class Delete(msgspec.Struct, frozen=True):
    """Deletes `key`, or the keys in [key, end), or every key starting with `key` when prefix."""

    key: str
    end: str | None = None
    prefix: bool = False


class Range(msgspec.Struct, frozen=True):
    """Reads `key`, or [key, end), or a prefix, at the current revision (inside a transaction)."""

    key: str
    end: str | None = None
    prefix: bool = False
    limit: int = 0
    count_only: bool = False


Op = Put | Delete | Range


class PutResponse(msgspec.Struct, frozen=True):
    prev_kv: KeyValue | None


class DeleteResponse(msgspec.Struct, frozen=True):
    deleted: tuple[KeyValue, ...]


OpResponse = PutResponse | DeleteResponse | RangeResult


class TxnResult(msgspec.Struct, frozen=True):
    """Whether the compares held, the revision after the transaction, one response per op."""

    succeeded: bool
    revision: int
    responses: tuple[OpResponse, ...]
