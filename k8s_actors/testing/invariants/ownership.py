"""Ownership invariants: one controller per object, owners that exist.

Role: `one_controller_per_object` (safety) and `owners_exist` (liveness: no orphans once the
garbage collector settled). Neighbours: `common`.
"""

from __future__ import annotations

from k8s_actors.testing.invariants.common import Source, describe, store_of


def one_controller_per_object(source: Source) -> list[str]:
    """No object has more than one ownerReference with controller: true."""
    violations = []
    for kv in store_of(source).range("/registry/", prefix=True).kvs:
        meta = getattr(kv.value, "metadata", None)
        refs = getattr(meta, "owner_references", ()) or ()
        controllers = [ref for ref in refs if ref.controller]
        if len(controllers) > 1:
            owners = ", ".join(f"{ref.kind}/{ref.name}" for ref in controllers)
            violations.append(f"one_controller_per_object: {describe(kv.value)} has {owners}")
    return violations


def owners_exist(source: Source) -> list[str]:
    """Every ownerReference names an object that exists with that uid (after GC settles)."""
    values = [kv.value for kv in store_of(source).range("/registry/", prefix=True).kvs]
    uids = {meta.uid for v in values if (meta := getattr(v, "metadata", None)) is not None}
    violations = []
    for value in values:
        for ref in getattr(getattr(value, "metadata", None), "owner_references", ()) or ():
            if ref.uid not in uids:
                violations.append(
                    f"owners_exist: {describe(value)} owned by missing {ref.kind}/{ref.name}"
                )
    return violations
