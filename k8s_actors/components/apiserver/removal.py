"""Removing an object from etcd once nothing holds it back.

Role: the last step of every deletion path (a delete without finalizers or grace, the last
finalizer removed, a pod's grace period confirmed by its kubelet). Kept apart so that both the
update path and the delete path can end in it. Neighbours: `handlers`, `deletion`.
"""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.components.apiserver.context import Call, Server
from k8s_actors.components.apiserver.errors import MODIFIED, conflict
from k8s_actors.components.apiserver.watchcache import with_revision


async def remove(server: Server, call: Call, name: str, obj: Any, revision: int) -> Any:
    """Delete `obj` if still at `revision`; the final state as the DELETED event shows it."""
    info = call.info
    deleted_at = await server.storage.delete(call.key(name), revision, call.span)
    if deleted_at is None:
        raise conflict(info.resource, info.group, name, MODIFIED)
    final = with_revision(obj, deleted_at)
    server.log.info("object_removed", ctx=call.span, obj=final)
    return msgspec.structs.replace(final)
