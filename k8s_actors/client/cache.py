"""The informer's local cache: an indexed store of objects and a read-only lister over it.

Role: client-go's `cache.Indexer` and generated listers. Objects are kept by key
("namespace/name", or "name" for cluster-scoped objects, as `MetaNamespaceKeyFunc`), with named
index functions that map an object to index values; "namespace" is built in. Everything is
synchronous (the actor owning the cache is the only one touching it) and every read returns
objects sorted by key, so that two runs see the same order. Objects are frozen and shared, never
copied. Neighbours: `informer` (writes), controllers (read through `Lister`).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from k8s_actors.api.labels import Selector

__all__ = ["NAMESPACE_INDEX", "IndexFunc", "Indexer", "Lister", "object_key", "split_key"]

IndexFunc = Callable[[Any], builtins.list[str]]
"""Maps an object to the values it is indexed under (possibly none, possibly several)."""

NAMESPACE_INDEX = "namespace"


def object_key(obj: Any) -> str:
    """ "namespace/name", or "name" when the object has no namespace."""
    meta = obj.metadata
    return f"{meta.namespace}/{meta.name}" if meta.namespace else meta.name


def split_key(key: str) -> tuple[str, str]:
    """(namespace, name) of a key made by `object_key`."""
    namespace, _, name = key.rpartition("/")
    return namespace, name


def _namespace_of(obj: Any) -> builtins.list[str]:
    return [obj.metadata.namespace]


class SortedKeys:
    """A set of keys that lists them in sorted order without sorting from scratch each time.

    Listers answer in key order; sorting a 30,000-pod namespace on every list made each list
    O(n log n). Keys added since the last read are appended and the list re-sorted (Python's
    sort merges the already sorted part with the few new keys in about linear time); removals
    are dropped lazily at the next read (client-go's ThreadSafeStore answers unordered; the
    order here keeps runs deterministic).
    """

    __slots__ = ("_members", "_ordered", "_pending", "_removed")

    def __init__(self) -> None:
        self._members: dict[str, None] = {}
        self._ordered: builtins.list[str] = []
        self._pending = False
        self._removed = False

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, key: str) -> bool:
        return key in self._members

    def add(self, key: str) -> None:
        if key not in self._members:
            self._members[key] = None
            self._ordered.append(key)
            self._pending = True

    def discard(self, key: str) -> None:
        if key in self._members:
            del self._members[key]
            self._removed = True

    def ordered(self) -> builtins.list[str]:
        """The keys in sorted order (a list the caller must not modify)."""
        if self._removed:
            # A key removed then added again sits in the list twice: keep one.
            members = self._members
            self._ordered = list(dict.fromkeys(key for key in self._ordered if key in members))
            self._removed = False
        if self._pending:
            self._ordered.sort()
            self._pending = False
        return self._ordered


class Indexer:
    """Objects by key, with secondary indexes kept up to date on every write."""

    def __init__(self, indexers: dict[str, IndexFunc] | None = None) -> None:
        self._items: dict[str, Any] = {}
        self._keys = SortedKeys()
        self._funcs: dict[str, IndexFunc] = {NAMESPACE_INDEX: _namespace_of}
        # index name -> index value -> keys
        self._indices: dict[str, dict[str, SortedKeys]] = {NAMESPACE_INDEX: {}}
        for name, func in (indexers or {}).items():
            self.add_indexer(name, func)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def add_indexer(self, name: str, func: IndexFunc) -> None:
        """Add an index; existing objects are indexed at once."""
        self._funcs[name] = func
        index: dict[str, SortedKeys] = {}
        self._indices[name] = index
        for key, obj in self._items.items():
            for value in func(obj):
                _bucket(index, value).add(key)

    # -- writes ----------------------------------------------------------------------------------

    def add(self, obj: Any) -> Any | None:
        """Store `obj` under its key; returns the object it replaced, if any."""
        key = object_key(obj)
        old = self._items.get(key)
        self._items[key] = obj
        if old is None:
            self._keys.add(key)
            self._index(key, obj)
        else:
            self._reindex(key, old, obj)
        return old

    update = add

    def delete(self, obj: Any) -> Any | None:
        """Remove the object with `obj`'s key; returns what was stored, if anything."""
        return self.delete_key(object_key(obj))

    def delete_key(self, key: str) -> Any | None:
        old = self._items.pop(key, None)
        if old is not None:
            self._keys.discard(key)
            self._unindex(key, old)
        return old

    def replace(self, objects: builtins.list[Any]) -> None:
        """Swap the whole content for `objects` (after a relist)."""
        self._items = {}
        self._keys = SortedKeys()
        self._indices = {name: {} for name in self._funcs}
        for obj in objects:
            self.add(obj)

    def _index(self, key: str, obj: Any) -> None:
        for name, func in self._funcs.items():
            index = self._indices[name]
            for value in func(obj):
                _bucket(index, value).add(key)

    def _unindex(self, key: str, obj: Any) -> None:
        for name, func in self._funcs.items():
            self._drop(self._indices[name], key, func(obj))

    def _reindex(self, key: str, old: Any, new: Any) -> None:
        """An update: only the index values that changed are touched."""
        for name, func in self._funcs.items():
            before, after = func(old), func(new)
            if before == after:
                continue
            index = self._indices[name]
            self._drop(index, key, before)
            for value in after:
                _bucket(index, value).add(key)

    @staticmethod
    def _drop(index: dict[str, SortedKeys], key: str, values: builtins.list[str]) -> None:
        for value in values:
            keys = index.get(value)
            if keys is None:
                continue
            keys.discard(key)
            if not keys:
                del index[value]

    # -- reads -----------------------------------------------------------------------------------

    def get(self, key: str) -> Any | None:
        return self._items.get(key)

    def keys(self) -> builtins.list[str]:
        return list(self._keys.ordered())

    def list(self) -> builtins.list[Any]:
        """Every object, sorted by key."""
        items = self._items
        return [items[key] for key in self._keys.ordered()]

    def by_index(self, name: str, value: str) -> builtins.list[Any]:
        """The objects whose index function `name` yields `value`, sorted by key."""
        index = self._indices.get(name)
        if index is None:
            raise KeyError(f"index {name!r} does not exist")
        keys = index.get(value)
        if keys is None:
            return []
        items = self._items
        return [items[key] for key in keys.ordered()]

    def index_names(self) -> builtins.list[str]:
        """The names of the indexes, "namespace" included."""
        return builtins.list(self._funcs)

    def index_values(self, name: str) -> builtins.list[str]:
        """Every value index `name` currently holds, sorted."""
        return sorted(self._indices[name])


def _bucket(index: dict[str, SortedKeys], value: str) -> SortedKeys:
    keys = index.get(value)
    if keys is None:
        keys = index[value] = SortedKeys()
    return keys


class Lister:
    """Read-only typed view of an informer's indexer (client-go's generated listers)."""

    def __init__(self, indexer: Indexer) -> None:
        self.indexer = indexer

    def get(self, namespace: str, name: str) -> Any | None:
        """The cached object, or None (a lister never raises NotFound: absence is an answer)."""
        return self.indexer.get(f"{namespace}/{name}" if namespace else name)

    def list(
        self, namespace: str = "", selector: Selector | str | None = None
    ) -> builtins.list[Any]:
        """Objects in `namespace` (all when empty) whose labels match `selector`, by key."""
        objects = (
            self.indexer.by_index(NAMESPACE_INDEX, namespace) if namespace else self.indexer.list()
        )
        if selector is None or selector == "":
            return objects
        parsed = Selector.parse(selector) if isinstance(selector, str) else selector
        if parsed.empty:
            return objects
        return [obj for obj in objects if parsed.matches(obj.metadata.labels)]
