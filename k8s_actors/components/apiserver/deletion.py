"""DELETE and DELETECOLLECTION: preconditions, graceful deletion, finalizers, propagation.

Role: k8s.io/apiserver/pkg/registry/rest/delete.go (BeforeDelete) and the generic registry's
deletion. A delete first checks uid / resourceVersion preconditions, then decides the grace period
(pods: their terminationGracePeriodSeconds unless unscheduled or finished), then the finalizers the
propagation policy asks for (Orphan -> "orphan", Foreground -> "foregroundDeletion"). With grace or
finalizers the object only gets its deletionTimestamp; otherwise it is removed now.
Neighbours: `handlers` (shared update path), `removal`, `admission` (NamespaceLifecycle).
"""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.api.objects.machinery import DeleteOptions
from k8s_actors.components.apiserver import admission
from k8s_actors.components.apiserver.context import Call, Server, current
from k8s_actors.components.apiserver.errors import MODIFIED, conflict, failure
from k8s_actors.components.apiserver.handlers import NAMESPACES, parse_selectors
from k8s_actors.components.apiserver.removal import remove
from k8s_actors.messages import Delete, DeleteCollection

replace = msgspec.structs.replace
ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
NAMESPACE_TERMINATING = (
    "The system is ensuring all content is removed from this namespace.  Upon completion, "
    "this namespace will automatically be purged by the system."
)


def _options(raw: object) -> DeleteOptions:
    return raw if isinstance(raw, DeleteOptions) else DeleteOptions()


def _check_preconditions(call: Call, obj: Any, options: DeleteOptions) -> None:
    pre = options.preconditions
    if pre is None:
        return
    name = obj.metadata.name
    if pre.uid and pre.uid != obj.metadata.uid:
        raise conflict(
            call.info.resource,
            call.info.group,
            name,
            f"Precondition failed: UID in precondition: {pre.uid}, "
            f"UID in object meta: {obj.metadata.uid}",
        )
    if pre.resource_version and pre.resource_version != obj.metadata.resource_version:
        raise conflict(
            call.info.resource,
            call.info.group,
            name,
            f"Precondition failed: ResourceVersion in precondition: {pre.resource_version}, "
            f"ResourceVersion in object meta: {obj.metadata.resource_version}",
        )


def grace_period(obj: Any, options: DeleteOptions) -> int:
    """Seconds of grace; 0 deletes at once.

    Follows CheckGracefulDelete in pkg/registry/core/pod/strategy.go.
    """
    if obj.kind != "Pod":
        return 0
    grace = options.grace_period_seconds
    if grace is None:
        grace = obj.spec.termination_grace_period_seconds or 0
    # An unscheduled pod has no kubelet to confirm its end; a finished one has nothing to stop.
    if not obj.spec.node_name or (obj.status and obj.status.phase in ("Succeeded", "Failed")):
        return 0
    return max(0, grace)


def gc_finalizers(obj: Any, options: DeleteOptions) -> tuple[str, ...]:
    """The finalizers once the propagation policy is applied.

    Follows deletionFinalizersForGarbageCollection in
    k8s.io/apiserver/pkg/registry/generic/registry/store.go.
    """
    finalizers = list(obj.metadata.finalizers)
    policy = options.propagation_policy
    if options.orphan_dependents is not None:
        policy = "Orphan" if options.orphan_dependents else "Background"
    if policy is None:
        return tuple(finalizers)
    finalizers = [f for f in finalizers if f not in (ORPHAN, FOREGROUND)]
    if policy == "Orphan":
        finalizers.append(ORPHAN)
    elif policy == "Foreground":
        finalizers.append(FOREGROUND)
    return tuple(finalizers)


async def delete(server: Server, call: Call) -> Any:
    request = call.request
    assert isinstance(request, Delete)
    options = _options(request.options)
    for _ in range(5):
        obj, revision = await current(server, call, request.name)
        _check_preconditions(call, obj, options)
        admission.admit(
            admission.Attributes("delete", call.info, call.namespace, request.name, "", obj, obj),
            lambda ns: server.cache.get(NAMESPACES, "", ns),
        )
        result = await _delete_once(server, call, obj, revision, options)
        if result is not None:
            return result
    raise conflict(call.info.resource, call.info.group, request.name, MODIFIED)


async def _delete_once(
    server: Server, call: Call, obj: Any, revision: int, options: DeleteOptions
) -> Any | None:
    name = obj.metadata.name
    if obj.kind == "Namespace":
        return await _delete_namespace(server, call, obj, revision)
    meta = obj.metadata
    grace = grace_period(obj, options)
    finalizers = gc_finalizers(obj, options)
    clock = server.actor.clock
    now = clock.now()
    deadline = now + grace
    generation = meta.generation + 1 if meta.generation > 0 else 0
    if meta.deletion_timestamp is not None:
        # Already being deleted: a shorter grace period may bring the end forward.
        current_grace = meta.deletion_grace_period_seconds or 0
        if grace == 0 and not finalizers:
            return await remove(server, call, name, obj, revision)
        if grace >= current_grace and finalizers == meta.finalizers:
            return obj
        # rest.BeforeDelete (k8s.io/apiserver/pkg/registry/rest/delete.go): the deadline moves
        # back by the difference of the grace periods, never before now; generation stays.
        grace = min(grace, current_grace)
        started = clock.parse_timestamp(meta.deletion_timestamp) - current_grace
        deadline = max(now, started + grace)
        generation = meta.generation
    if grace == 0 and not finalizers:
        return await remove(server, call, name, obj, revision)
    marked = replace(
        obj,
        metadata=replace(
            meta,
            deletion_timestamp=clock.timestamp(deadline),
            deletion_grace_period_seconds=grace,
            finalizers=finalizers,
            generation=generation,
            resource_version="",
        ),
    )
    stored = await server.storage.update(call.key(name), marked, revision, call.span)
    if stored is not None:
        server.log.info("deletion_started", ctx=call.span, obj=stored, grace_seconds=grace)
    return stored


async def _delete_namespace(server: Server, call: Call, obj: Any, revision: int) -> Any | None:
    """Namespaces wait for their `kubernetes` finalizer: they turn Terminating first."""
    name = obj.metadata.name
    spec_finalizers = obj.spec.finalizers if obj.spec else ()
    if not spec_finalizers and not obj.metadata.finalizers:
        return await remove(server, call, name, obj, revision)
    if obj.metadata.deletion_timestamp is not None:
        raise conflict("namespaces", "", name, NAMESPACE_TERMINATING)
    status = replace(obj.status, phase="Terminating")
    marked = replace(
        obj,
        status=status,
        metadata=replace(
            obj.metadata,
            deletion_timestamp=server.actor.clock.timestamp(),
            deletion_grace_period_seconds=0,
            resource_version="",
        ),
    )
    stored = await server.storage.update(call.key(name), marked, revision, call.span)
    if stored is not None:
        server.log.info("deletion_started", ctx=call.span, obj=stored, grace_seconds=0)
    return stored


async def delete_collection(server: Server, call: Call) -> Any:
    request = call.request
    assert isinstance(request, DeleteCollection)
    labels, fields = parse_selectors(call, request.label_selector, request.field_selector)
    items = server.cache.select(call.info, call.namespace, labels, fields)
    deleted = []
    for item in items:
        one = Call(
            request=Delete(
                resource=request.resource,
                group=request.group,
                namespace=item.metadata.namespace,
                name=item.metadata.name,
                options=request.options,
            ),
            info=call.info,
            span=call.span,
            verb="delete",
        )
        try:
            deleted.append(await delete(server, one))
        except Exception as error:  # an object gone meanwhile is simply skipped
            if getattr(getattr(error, "status", None), "code", 0) != 404:
                raise
    return deleted


__all__ = ["delete", "delete_collection", "failure", "gc_finalizers", "grace_period"]
