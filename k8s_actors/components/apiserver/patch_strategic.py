"""Strategic merge patch (``application/strategic-merge-patch+json``) over plain JSON-like data.

Mirrors the apply half of k8s.io/apimachinery/pkg/util/strategicpatch/patch.go
(StrategicMergeMapPatch with MergeParallelList and IgnoreUnmatchedNulls): maps merge, null
deletes, lists follow the field's patchStrategy (merge by patchMergeKey, union for primitives,
replace otherwise) and the directives ``$patch``, ``$retainKeys``, ``$deleteFromPrimitiveList/``
and ``$setElementOrder/`` apply. The per-kind field descriptions
(``STRATEGIES``) and the content-type dispatch live in ``patch``; ``PatchError`` comes from
``patch_json``.

Pure: inputs are never mutated, results share unchanged sub-values with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

import msgspec

from k8s_actors.components.apiserver.patch_json import JSON, PatchError, json_equal

__all__ = ["FieldPatchMeta", "Schema", "apply_strategic_merge_patch"]

_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_DELETE_PREFIX = "$deleteFromPrimitiveList"
_ORDER_PREFIX = "$setElementOrder"
# The error values of k8s.io/apimachinery/pkg/util/mergepatch that the apiserver answers with 400.
_BAD_DOC = "invalid JSON document"
_BAD_PRIMITIVE_LIST = "invalid patch format of primitive list"
_BAD_RETAIN_KEYS = "invalid patch format of retainKeys"
_BAD_ORDER_LIST = "invalid patch format of setElementOrder list"


class FieldPatchMeta(msgspec.Struct, frozen=True):
    """The patch metadata of one field: its Go struct tags and, for objects, their fields.

    ``strategy`` is "merge", "replace" or "" (the default: objects merge, lists replace);
    ``merge_key`` is the patchMergeKey of a merge list of objects; ``fields`` describes the
    object (or each list element object) one level down.
    """

    strategy: str = ""
    merge_key: str = ""
    fields: dict[str, FieldPatchMeta] = {}


Schema: TypeAlias = Mapping[str, FieldPatchMeta]
_DEFAULT = FieldPatchMeta()


def apply_strategic_merge_patch(document: JSON, patch: JSON, schema: Schema) -> JSON:
    """Apply ``patch`` to ``document``; ``schema`` describes the top-level fields."""
    if not isinstance(document, dict) or not isinstance(patch, dict):
        raise PatchError(_BAD_DOC, 400)
    return _merge_map(document, patch, schema)


def _go_format(value: JSON) -> str:
    """A value as Go's ``%v`` prints a decoded JSON value (used in error messages)."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_format(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_format(item) for item in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _no_merge_key(item: JSON, merge_key: str) -> PatchError:
    return PatchError(
        f"map: {_go_format(item)} does not contain declared merge key: {merge_key}", 500
    )


def _merge_map(original: dict[str, JSON], patch: dict[str, JSON], schema: Schema) -> JSON:
    if _DIRECTIVE in patch:
        return _map_directive(patch)
    merged = dict(original)
    pending = dict(patch)
    _apply_retain_keys(merged, pending)
    _apply_element_orders(merged, pending, schema)
    for raw_key, value in pending.items():
        key, is_delete_list = raw_key, False
        if raw_key.startswith(_DELETE_PREFIX):
            key, is_delete_list = _directive_field(raw_key, _DELETE_PREFIX), True
        if value is None:
            merged.pop(key, None)
            continue
        current: JSON = merged.get(key)
        if key not in merged or _shape(current) != _shape(value):
            if not is_delete_list:
                _store(merged, key, value)
            continue
        meta = schema.get(key, _DEFAULT)
        if isinstance(value, dict):
            replaced = meta.strategy == "replace"
            merged[key] = _fresh(value) if replaced else _merge_map(current, value, meta.fields)
        elif isinstance(value, list):
            merged[key] = _merge_list_field(current, value, meta, is_delete_list)
        else:
            merged[key] = value
    return merged


def _map_directive(patch: dict[str, JSON]) -> JSON:
    directive = patch[_DIRECTIVE]
    if directive == "replace":
        return _fresh({key: value for key, value in patch.items() if key != _DIRECTIVE})
    if directive == "delete":
        return {}
    raise PatchError(
        f"unknown patch type: {_go_format(directive)} in map: {_go_format(patch)}", 500
    )


def _shape(value: JSON) -> str:
    if isinstance(value, dict):
        return "map"
    return "list" if isinstance(value, list) else "scalar"


def _directive_field(key: str, prefix: str) -> str:
    head, _, field = key.partition("/")
    if head != prefix or not field:
        raise PatchError(_BAD_PRIMITIVE_LIST if prefix == _DELETE_PREFIX else _BAD_ORDER_LIST, 400)
    return field


def _store(merged: dict[str, JSON], key: str, value: JSON) -> None:
    """Take a patch value for a key the original lacks (or holds with another shape)."""
    if isinstance(value, dict) and _DIRECTIVE in value:
        merged.pop(key, None)  # strategicpatch's removeDirectives drops such a value entirely
    else:
        merged[key] = _fresh(value)


def _fresh(value: JSON) -> JSON:
    """A patch value stored as is: nulls discarded, directives removed (removeDirectives).

    Kubernetes decodes the result into typed objects, which drops leftover ``$`` keys; plain
    data has no such decoding step, so directive keys are removed here as well.
    """
    if isinstance(value, dict):
        return {
            key: _fresh(item)
            for key, item in value.items()
            if item is not None
            and not key.startswith("$")
            and not (isinstance(item, dict) and _DIRECTIVE in item)
        }
    if isinstance(value, list):
        return [
            _fresh(item) for item in value if not (isinstance(item, dict) and _DIRECTIVE in item)
        ]
    return value


def _apply_retain_keys(merged: dict[str, JSON], pending: dict[str, JSON]) -> None:
    if _RETAIN_KEYS not in pending:
        return
    retained = pending.pop(_RETAIN_KEYS)
    if not isinstance(retained, list):
        raise PatchError(_BAD_RETAIN_KEYS, 400)
    keep = {key for key in retained if isinstance(key, str)}
    for key, value in pending.items():
        directive = key.startswith((_DELETE_PREFIX, _ORDER_PREFIX))
        if value is not None and not directive and key not in keep:
            raise PatchError(_BAD_RETAIN_KEYS, 400)
    for key in [key for key in merged if key not in keep]:
        del merged[key]


def _merge_list_field(
    original: list[JSON], patch: list[JSON], meta: FieldPatchMeta, is_delete_list: bool
) -> list[JSON]:
    if meta.strategy != "merge":
        return list(_fresh(patch))
    return _merge_list(original, patch, meta, is_delete_list)


def _element_kind(*lists: list[JSON]) -> str:
    kinds = {_scalar_kind(item) for items in lists for item in items}
    if "list" in kinds:
        raise PatchError("lists of lists are not supported", 422)
    if len(kinds) > 1:
        shown = "[" + " ".join(_go_format(items) for items in lists) + "]"
        raise PatchError(f"list element types are not identical: {shown}", 500)
    return kinds.pop() if kinds else "map"


def _scalar_kind(item: JSON) -> str:
    if isinstance(item, bool):
        return "bool"
    if isinstance(item, int | float):
        return "number"
    if isinstance(item, str):
        return "string"
    return "null" if item is None else _shape(item)


def _merge_list(
    original: list[JSON], patch: list[JSON], meta: FieldPatchMeta, is_delete_list: bool
) -> list[JSON]:
    if not original and not patch:
        return original
    kind = _element_kind(original, patch)
    if kind != "map":
        if is_delete_list:
            return [item for item in original if _index(patch, item, "") < 0]
        merged = _unique([*original, *patch])
        key = ""
    else:
        key = meta.merge_key
        if not key:
            raise PatchError("cannot merge lists without merge key for type struct", 500)
        original, patch = _special_elements(original, patch, key)
        merged = _merge_by_key(original, patch, key, meta.fields)
    patch_items, server_only = _partition(merged, patch, key)
    return _normalize_order(patch_items, server_only, patch, original, key)


def _unique(items: list[JSON]) -> list[JSON]:
    unique: list[JSON] = []
    for item in items:
        if _index(unique, item, "") < 0:
            unique.append(item)
    return unique


def _special_elements(
    original: list[JSON], patch: list[JSON], key: str
) -> tuple[list[JSON], list[JSON]]:
    """Apply ``$patch`` list elements (mergeSliceWithSpecialElements): delete and replace."""
    plain: list[JSON] = []
    replace = False
    for item in patch:
        if _DIRECTIVE not in item:
            plain.append(item)
            continue
        directive = item[_DIRECTIVE]
        if directive == "delete":
            if key not in item:
                raise _no_merge_key(item, key)
            original = [kept for kept in original if not _key_equal(kept, item, key)]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise PatchError("merging lists cannot yet be specified in the patch", 500)
        else:
            shown = _go_format(directive)
            raise PatchError(f"unknown patch type: {shown} in map: {_go_format(item)}", 500)
    if replace:
        return [_fresh(item) for item in plain], []
    return original, plain


def _key_equal(item: JSON, other: JSON, key: str) -> bool:
    return isinstance(item, dict) and key in item and json_equal(item[key], other[key])


def _merge_by_key(original: list[JSON], patch: list[JSON], key: str, fields: Schema) -> list[JSON]:
    merged = list(original)
    for item in patch:
        if key not in item:
            raise _no_merge_key(item, key)
        position = next((i for i, old in enumerate(merged) if _key_equal(old, item, key)), -1)
        if position >= 0:
            merged[position] = _merge_map(merged[position], item, fields)
        else:
            merged.append(_merge_map({}, item, fields))
    return merged


def _index(items: list[JSON], item: JSON, key: str) -> int:
    """Position of ``item`` in ``items``, matching on the merge key when there is one."""
    for position, candidate in enumerate(items):
        if key:
            if isinstance(candidate, dict) and json_equal(candidate.get(key), item.get(key)):
                return position
        elif json_equal(candidate, item):
            return position
    return -1


def _partition(merged: list[JSON], by: list[JSON], key: str) -> tuple[list[JSON], list[JSON]]:
    """Items present in ``by`` (the patch or the order list) and the server-only rest."""
    present: list[JSON] = []
    server_only: list[JSON] = []
    for item in merged:
        if key and (not isinstance(item, dict) or key not in item):
            raise _no_merge_key(item, key)
        (present if _index(by, item, key) >= 0 else server_only).append(item)
    return present, server_only


def _normalize_order(
    patch_items: list[JSON],
    server_only: list[JSON],
    patch_order: list[JSON],
    server_order: list[JSON],
    key: str,
) -> list[JSON]:
    """Patch items in patch order, server-only items in live order, interleaved by live order.

    strategicpatch's normalizeElementOrder and mergeSortedSlice: a server-only item goes before
    the next patch item only when both are in the live list and it came first there.
    """
    patch_items = _sorted_by(patch_items, patch_order, key)
    server_only = _sorted_by(server_only, server_order, key)
    result: list[JSON] = []
    left, right = 0, 0
    while left < len(server_only) or right < len(patch_items):
        if right >= len(patch_items):
            take_left = True
        elif left >= len(server_only):
            take_left = False
        else:
            li = _index(server_order, server_only[left], key)
            ri = _index(server_order, patch_items[right], key)
            take_left = 0 <= li < ri
        if take_left:
            result.append(server_only[left])
            left += 1
        else:
            result.append(patch_items[right])
            right += 1
    return result


def _sorted_by(items: list[JSON], order: list[JSON], key: str) -> list[JSON]:
    def rank(item: JSON) -> int:
        position = _index(order, item, key)
        return position if position >= 0 else len(order)

    return sorted(items, key=rank)


def _apply_element_orders(
    merged: dict[str, JSON], pending: dict[str, JSON], schema: Schema
) -> None:
    """Process each ``$setElementOrder/<field>`` with its list (mergePatchIntoOriginal)."""
    for directive in [key for key in pending if key.startswith(_ORDER_PREFIX)]:
        order = pending.pop(directive)
        field = _directive_field(directive, _ORDER_PREFIX)
        original, patch = merged.get(field), pending.get(field)
        if not isinstance(order, list) or not isinstance(original, list | None):
            raise PatchError(_BAD_ORDER_LIST, 400)
        if not isinstance(patch, list | None):
            raise PatchError(_BAD_ORDER_LIST, 400)
        meta = schema.get(field, _DEFAULT)
        _validate_order(patch or [], order, meta.merge_key)
        if original is None and patch is None:
            continue
        if patch is None:
            items = original or []
        elif original is None:
            items = list(_fresh(patch))
        else:
            items = _merge_list_field(original, patch, meta, False)
        key = meta.merge_key if _element_kind(original or [], patch or []) == "map" else ""
        listed, server_only = _partition(items, order, key)
        merged[field] = _normalize_order(listed, server_only, order, original or [], key)
        pending.pop(field, None)


def _validate_order(patch: list[JSON], order: list[JSON], key: str) -> None:
    """The patch list must follow the relative order of ``$setElementOrder`` (deletions aside)."""
    if not patch or not order:
        return
    kept = [item for item in patch if not (key and _is_delete(item))]
    at_patch, at_order = 0, 0
    while at_patch < len(kept) and at_order < len(order):
        item = kept[at_patch]
        if isinstance(item, dict) and _DIRECTIVE in item:
            at_patch += 1
            continue
        if key:
            for side in (item, order[at_order]):
                if not isinstance(side, dict) or key not in side:
                    raise _no_merge_key(side, key)
            same = json_equal(item[key], order[at_order][key])
        else:
            same = json_equal(item, order[at_order])
        at_patch += 1 if same else 0
        at_order += 1
    if at_patch < len(kept):
        raise PatchError(
            f"the order in patch list:\n{_go_format(patch)}\n doesn't match "
            f"{_ORDER_PREFIX} list:\n{_go_format(order)}",
            500,
        )


def _is_delete(item: JSON) -> bool:
    return isinstance(item, dict) and item.get(_DIRECTIVE) == "delete"
