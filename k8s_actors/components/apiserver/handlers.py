"""The REST verbs of kube-apiserver: create, get, list, update and patch.

Role: one function per verb, each a narrated sequence of Kubernetes' steps (resolve, admission,
defaulting and validation, optimistic concurrency, storage) that returns the object to answer or
raises an `ApiError` carrying the Status. Deletion lives in `deletion`, subresources in
`subresources`. Neighbours: `context` (shared state), `strategy`, `admission`, `storage`, `patch`.
"""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.api.codec import convert, encode_json
from k8s_actors.api.fields import FieldSelector, FieldSelectorError, check_supported
from k8s_actors.api.labels import Selector, SelectorError
from k8s_actors.api.meta import ListMeta
from k8s_actors.api.objects.machinery import List
from k8s_actors.api.registry import REGISTRY
from k8s_actors.components.apiserver import admission, serviceips, strategy
from k8s_actors.components.apiserver.context import Call, Server, current, default_and_validate
from k8s_actors.components.apiserver.errors import (
    MODIFIED,
    ApiError,
    already_exists,
    bad_request,
    conflict,
    invalid,
    timeout,
    unsupported_media_type,
)
from k8s_actors.components.apiserver.patch import PatchError, apply_patch
from k8s_actors.components.apiserver.removal import remove
from k8s_actors.messages import Create, ListRequest, Patch, Update

replace = msgspec.structs.replace
NAMESPACES = REGISTRY.for_name("namespaces")
# GuaranteedUpdate retries an unconditional update that lost a race until it wins; the bound
# only stops a runaway loop.
MAX_UPDATE_RETRIES = 100


def _check_body(call: Call, body: Any) -> Any:
    info = call.info
    kind = getattr(body, "kind", type(body).__name__)
    version = getattr(body, "api_version", "")
    if kind != info.kind:
        raise bad_request(f'{kind} in version "{version}" cannot be handled as a {info.kind}')
    if version != info.api_version:
        raise bad_request(
            f"the API version in the data ({version}) does not match the expected API version "
            f"({info.api_version})"
        )
    namespace = body.metadata.namespace
    if info.namespaced:
        if namespace and namespace != call.namespace:
            raise bad_request(
                "the namespace of the provided object does not match the namespace sent on the "
                "request"
            )
        if not namespace:
            body = replace(body, metadata=replace(body.metadata, namespace=call.namespace))
    elif namespace:
        body = replace(body, metadata=replace(body.metadata, namespace=""))
    return body


def _admit(server: Server, call: Call, obj: Any, old: Any, name: str) -> Any:
    attrs = admission.Attributes(
        verb=call.verb,
        info=call.info,
        namespace=call.namespace,
        name=name,
        subresource=getattr(call.request, "subresource", ""),
        obj=obj,
        old=old,
    )

    def namespace_of(namespace: str) -> Any:
        return server.cache.get(NAMESPACES, "", namespace)

    admitted, plugins = admission.admit(attrs, namespace_of)
    server.log.info("request_admitted", ctx=call.span, verb=call.verb, plugins=plugins)
    return admitted


async def create(server: Server, call: Call) -> Any:
    request = call.request
    assert isinstance(request, Create)
    info = call.info
    body = _check_body(call, request.body)
    name = body.metadata.name
    if not name and body.metadata.generate_name:
        # generateName: prefix + 5 random characters (names.SimpleNameGenerator, prefix cut at 58).
        name = body.metadata.generate_name[:58] + server.actor.ids.name_suffix()
        body = replace(body, metadata=replace(body.metadata, name=name))
    obj = strategy.prepare_for_create(body, server.actor.ids.uid(), server.now_timestamp())
    obj = _admit(server, call, obj, None, name)
    obj = default_and_validate(info, obj, name)
    server.log.info("request_validated", ctx=call.span, verb="create", kind=info.kind, name=name)
    if request.dry_run:
        return obj
    stored = await serviceips.create(server, call, call.key(name), obj)  # Services: IPs, ports
    if stored is None:
        raise already_exists(info.resource, info.group, name)
    server.log.info("object_stored", ctx=call.span, obj=stored, verb="create")
    return stored


async def get(server: Server, call: Call, name: str) -> Any:
    obj, _ = await current(server, call, name)
    return obj


async def list_objects(server: Server, call: Call) -> Any:
    request = call.request
    assert isinstance(request, ListRequest)
    labels, fields = parse_selectors(call, request.label_selector, request.field_selector)
    info = call.info
    revision = server.cache.revision
    if request.resource_version not in ("", "0"):
        wanted = int(request.resource_version)
        if wanted > revision:
            # storage.NewTooLargeResourceVersionError: a 504 the client retries.
            raise timeout(f"Timeout: Too large resource version: {wanted}, current: {revision}")
    elif request.resource_version == "":
        # A consistent read: wait until the cache has seen etcd's current revision.
        revision = await server.storage.revision(call.span)
        await server.wait_for_revision(revision)
    items = server.cache.select(info, call.namespace, labels, fields)
    meta = ListMeta(resource_version=str(max(revision, server.cache.revision)))
    if request.limit and len(items) > request.limit:
        start = 0
        if request.continue_token:
            start = int(request.continue_token)
        page = items[start : start + request.limit]
        remaining = len(items) - start - len(page)
        if remaining > 0:
            meta = replace(meta, continue_=str(start + len(page)), remaining_item_count=remaining)
        items = page
    return List(
        api_version=info.api_version, kind=f"{info.kind}List", metadata=meta, items=tuple(items)
    )


def parse_selectors(call: Call, label_text: str, field_text: str) -> tuple[Selector, Any]:
    try:
        labels = Selector.parse(label_text) if label_text else Selector.everything()
    except SelectorError as error:
        raise bad_request(f"unable to parse requirement: {error}") from None
    try:
        fields = FieldSelector.parse(field_text) if field_text else FieldSelector.everything()
        fields = check_supported(call.info.kind, fields)  # resolves aliases (spec.host)
    except FieldSelectorError as error:
        raise bad_request(str(error)) from None
    return labels, fields


async def update(server: Server, call: Call) -> Any:
    request = call.request
    assert isinstance(request, Update)
    body = _check_body(call, request.body)
    if body.metadata.name and body.metadata.name != request.name:
        raise bad_request(
            "the name of the object "
            f"({body.metadata.name}) does not match the name on the URL ({request.name})"
        )
    wanted = body.metadata.resource_version
    status_only = request.subresource == "status"
    return await write_update(server, call, request.name, lambda old: body, wanted, status_only)


async def patch(server: Server, call: Call) -> Any:
    request = call.request
    assert isinstance(request, Patch)
    info = call.info
    kind = info.kind
    if request.patch_type not in PATCH_TYPES:
        raise unsupported_media_type(request.patch_type)

    def patched(old: Any) -> Any:
        try:
            document = apply_patch(_document(old), request.patch_type, request.patch, kind)
        except PatchError as error:
            raise bad_request(str(error)) from None
        try:
            return convert(document, type(old))
        except (msgspec.ValidationError, ValueError) as error:
            raise invalid(kind, info.group, request.name, [], [str(error)]) from None

    status_only = request.subresource == "status"
    return await write_update(server, call, request.name, patched, "", status_only)


def _document(obj: Any) -> Any:
    """The object as JSON data (lists, not tuples): what the patch functions expect."""
    return msgspec.json.decode(encode_json(obj))


PATCH_TYPES = (
    "application/merge-patch+json",
    "application/json-patch+json",
    "application/strategic-merge-patch+json",
    "merge",
    "json",
    "strategic",
)


async def write_update(
    server: Server,
    call: Call,
    name: str,
    make: Any,
    wanted_version: str,
    status_only: bool,
) -> Any:
    """GuaranteedUpdate: read, transform, validate, compare-and-swap; retry lost races."""
    info = call.info
    for _ in range(MAX_UPDATE_RETRIES):
        old, revision = await current(server, call, name)
        new = make(old)
        version = wanted_version or new.metadata.resource_version
        if version and version != old.metadata.resource_version:
            raise conflict(info.resource, info.group, name, MODIFIED)
        new = strategy.prepare_for_update(new, old, status_only=status_only)
        check_finalizers(info.kind, info.group, new, old)
        new = _admit(server, call, new, old, name)
        new = default_and_validate(info, new, name)
        new = serviceips.prepare_update(new, old, status_only)  # Services: allocated values kept
        if new == replace(old, metadata=replace(old.metadata, resource_version="")):
            return old  # nothing changed: no write, no event (as kube-apiserver skips it)
        if request_is_dry_run(call):
            return new
        if finalizing_done(new):
            return await remove(server, call, name, new, revision)
        stored = await serviceips.update(server, call, call.key(name), new, old, revision)
        if stored is not None:
            server.log.info("object_stored", ctx=call.span, obj=stored, verb=call.verb)
            return stored
        if wanted_version:
            raise conflict(info.resource, info.group, name, MODIFIED)
    raise conflict(info.resource, info.group, name, MODIFIED)


def request_is_dry_run(call: Call) -> bool:
    return bool(getattr(call.request, "dry_run", False))


def check_finalizers(kind: str, group: str, new: Any, old: Any) -> None:
    """Once deletion started, finalizers may only be removed (object_meta validation)."""
    if old.metadata.deletion_timestamp is None:
        return
    added = [f for f in new.metadata.finalizers if f not in old.metadata.finalizers]
    if added:
        listed = ", ".join(f'"{f}"' for f in added)
        text = (
            "no new finalizers can be added if the object is being deleted, "
            f"found new finalizers []string{{{listed}}}"
        )
        raise invalid(
            kind,
            group,
            new.metadata.name,
            [("FieldValueForbidden", text, "metadata.finalizers")],
            [f"metadata.finalizers: Forbidden: {text}"],
        )


def finalizing_done(obj: Any) -> bool:
    """Deletion was pending on finalizers, the last is gone and no grace period is running."""
    meta = obj.metadata
    # A namespace also waits for spec.finalizers ("kubernetes"), released through /finalize.
    spec_finalizers = getattr(obj.spec, "finalizers", ()) if obj.kind == "Namespace" else ()
    return (
        meta.deletion_timestamp is not None
        and not meta.finalizers
        and not spec_finalizers
        and not meta.deletion_grace_period_seconds
    )


__all__ = ["ApiError", "create", "get", "list_objects", "patch", "update"]
