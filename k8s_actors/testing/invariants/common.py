"""What every invariant needs: reading the objects etcd holds and naming them in a violation.

Role: the shared readers of `invariants`' modules. A `Source` is a running `Cluster` or a bare
`Store`; invariants read etcd (the source of truth, which no network fault hides).
Neighbours: every module of this package.
"""

from __future__ import annotations

from typing import Any, TypeVar

from k8s_actors.api.objects.workloads import Deployment, ReplicaSet
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.store import Store

Source = Cluster | Store
T = TypeVar("T")


def store_of(source: Source) -> Store:
    return source.etcd_store if isinstance(source, Cluster) else source


def objects(source: Source, kind: str) -> list[Any]:
    """Every object of `kind` etcd holds now, in key order."""
    kvs = store_of(source).range("/registry/", prefix=True).kvs
    return [kv.value for kv in kvs if getattr(kv.value, "kind", None) == kind]


def describe(obj: Any) -> str:
    meta = obj.metadata
    return (
        f"{obj.kind} {meta.namespace}/{meta.name}" if meta.namespace else f"{obj.kind} {meta.name}"
    )


def owned_by(items: list[T], uid: str) -> list[T]:
    """The items whose controller is the object with `uid`."""
    return [
        item
        for item in items
        if (ref := item.metadata.controller_ref()) is not None  # type: ignore[attr-defined]
        and ref.uid == uid
    ]


def replica_sets_of(source: Source, d: Deployment) -> list[ReplicaSet]:
    replica_sets: list[ReplicaSet] = objects(source, "ReplicaSet")
    return owned_by(replica_sets, d.metadata.uid)
