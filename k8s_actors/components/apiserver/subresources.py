"""Subresources: pods/binding, pods/eviction, */scale and namespaces/finalize.

Role: the special REST endpoints. A binding sets a pod's node once and marks it PodScheduled
(pkg/registry/core/pod/storage/storage.go); an eviction is a delete that disruption budgets may
refuse (none exist yet, so it always proceeds); scale reads and writes spec.replicas through an
autoscaling/v1 Scale; finalize rewrites a namespace's spec.finalizers. `status` needs no code of
its own: update and patch keep spec and status apart. Neighbours: `handlers`, `deletion`.
"""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.api.labels import Selector
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.machinery import (
    Binding,
    Eviction,
    Scale,
    ScaleSpec,
    ScaleStatus,
    Status,
)
from k8s_actors.api.objects.pod import PodCondition
from k8s_actors.components.apiserver import deletion
from k8s_actors.components.apiserver.context import Call, Server, current
from k8s_actors.components.apiserver.errors import (
    MODIFIED,
    bad_request,
    conflict,
    invalid,
    method_not_allowed,
)
from k8s_actors.components.apiserver.handlers import write_update
from k8s_actors.components.apiserver.removal import remove
from k8s_actors.messages import Create, Delete, Update

replace = msgspec.structs.replace
# BindingREST.assignPod (pkg/registry/core/pod/storage/storage.go) names the subresource in its
# conflicts: `Operation cannot be fulfilled on pods/binding "p": ...`.
BINDING = "pods/binding"


async def bind(server: Server, call: Call) -> Any:
    request = call.request
    assert isinstance(request, Create)
    binding = request.body
    if not isinstance(binding, Binding):
        raise bad_request("a Binding is required")
    name = request.name or binding.metadata.name
    node = binding.target.name
    if not node:
        raise bad_request("target.name: Required value")

    def assign(pod: Any) -> Any:
        if binding.metadata.uid and binding.metadata.uid != pod.metadata.uid:
            raise conflict(
                BINDING,
                "",
                name,
                f"Precondition failed: UID in precondition: {binding.metadata.uid}, "
                f"UID in object meta: {pod.metadata.uid}",
            )
        if pod.spec.node_name:
            raise conflict(
                BINDING, "", name, f'pod {name} is already assigned to node "{pod.spec.node_name}"'
            )
        if pod.metadata.deletion_timestamp is not None:
            raise conflict(
                BINDING, "", name, f"pod {name} is being deleted, cannot be assigned to a host"
            )
        annotations = {**pod.metadata.annotations, **binding.metadata.annotations}
        status = pod.status
        conditions = [c for c in status.conditions if c.type != "PodScheduled"]
        conditions.append(
            PodCondition(
                type="PodScheduled",
                status="True",
                last_transition_time=server.now_timestamp(),
            )
        )
        return replace(
            pod,
            metadata=replace(pod.metadata, annotations=annotations),
            spec=replace(pod.spec, node_name=node),
            status=replace(status, conditions=tuple(conditions)),
        )

    pod_call = Call(request=request, info=call.info, span=call.span, verb="update")
    await _write_whole(server, pod_call, name, assign)
    return Status(status="Success", code=201)


async def _write_whole(server: Server, call: Call, name: str, change: Any) -> Any:
    """Apply `change` to the stored object as the registry does for subresources (no split)."""
    for _ in range(5):
        old, revision = await current(server, call, name)
        new = change(old)
        stored = await server.storage.update(call.key(name), new, revision, call.span)
        if stored is not None:
            server.log.info("object_stored", ctx=call.span, obj=stored, verb=call.verb)
            return stored
    raise conflict(call.info.resource, call.info.group, name, MODIFIED)


async def evict(server: Server, call: Call) -> Any:
    request = call.request
    assert isinstance(request, Create)
    eviction = request.body
    if not isinstance(eviction, Eviction):
        raise bad_request("an Eviction is required")
    name = request.name or eviction.metadata.name
    delete_call = Call(
        request=Delete(
            resource="pods",
            namespace=call.namespace,
            name=name,
            options=eviction.delete_options,
        ),
        info=call.info,
        span=call.span,
        verb="delete",
    )
    await deletion.delete(server, delete_call)
    return Status(status="Success", code=201)


async def get_scale(server: Server, call: Call, name: str) -> Scale:
    obj, _ = await current(server, call, name)
    return _scale_of(obj)


def _scale_of(obj: Any) -> Scale:
    meta = obj.metadata
    selector = Selector.from_label_selector(obj.spec.selector)
    return Scale(
        metadata=ObjectMeta(
            name=meta.name,
            namespace=meta.namespace,
            uid=meta.uid,
            resource_version=meta.resource_version,
            creation_timestamp=meta.creation_timestamp,
        ),
        spec=ScaleSpec(replicas=obj.spec.replicas or 0),
        status=ScaleStatus(
            replicas=obj.status.replicas if obj.status else 0, selector=str(selector)
        ),
    )


async def update_scale(server: Server, call: Call) -> Scale:
    request = call.request
    assert isinstance(request, Update)
    scale = request.body
    if not isinstance(scale, Scale):
        raise bad_request("a Scale is required")
    if scale.spec.replicas < 0:
        # ValidateScale (pkg/apis/autoscaling/validation): a 422 on the Scale kind.
        detail = "must be greater than or equal to 0"
        raise invalid(
            "Scale",
            "autoscaling",
            request.name,
            [("FieldValueInvalid", detail, "spec.replicas")],
            [f"spec.replicas: Invalid value: {scale.spec.replicas}: {detail}"],
        )

    def rescale(old: Any) -> Any:
        return replace(old, spec=replace(old.spec, replicas=scale.spec.replicas))

    stored = await write_update(
        server, call, request.name, rescale, scale.metadata.resource_version, False
    )
    return _scale_of(stored)


async def finalize(server: Server, call: Call) -> Any:
    request = call.request
    assert isinstance(request, Update)
    body: Any = request.body

    def set_finalizers(old: Any) -> Any:
        return replace(old, spec=replace(old.spec, finalizers=body.spec.finalizers))

    updated = await _write_whole(server, call, request.name, set_finalizers)
    meta = updated.metadata
    if meta.deletion_timestamp is not None and not updated.spec.finalizers and not meta.finalizers:
        return await remove(server, call, request.name, updated, int(meta.resource_version))
    return updated


def unsupported(verb: str, call: Call) -> Any:
    raise method_not_allowed(verb, call.info.resource)
