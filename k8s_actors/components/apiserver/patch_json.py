"""The two RFC patch formats of kube-apiserver's PATCH verb, over plain JSON-like data.

JSON merge patch (RFC 7386, ``application/merge-patch+json``) and JSON patch (RFC 6902,
``application/json-patch+json``). Error texts follow gopkg.in/evanphx/json-patch.v4, the library
kube-apiserver vendors for both formats. ``PatchError`` lives here and is shared with
``patch_strategic`` (strategic merge patch); ``patch`` is the public surface that dispatches on
the request's content type.

Pure functions: inputs are never mutated. Results share unchanged sub-values with the inputs,
so every value involved is to be treated as immutable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeAlias

__all__ = ["JSON", "PatchError", "apply_json_patch", "apply_merge_patch", "json_equal"]

JSON: TypeAlias = Any
"""A JSON-like value: dict[str, JSON], list[JSON], str, int, float, bool or None."""

# evanphx/json-patch.v4 wraps these sentinel errors with errors.Wrapf, giving "<context>: <cause>".
_MISSING = "missing value"
_TEST_FAILED = "test failed"
_INVALID_INDEX = "invalid index referenced"
_GO_INT = re.compile(r"[+-]?[0-9]+")


class PatchError(ValueError):
    """A patch that cannot be decoded or applied; ``code`` is the HTTP status kube answers with.

    400 for an undecodable patch, 413 for too many JSON patch operations, 415 for an unknown
    patch content type, 422 for a JSON patch that does not apply, 500 for strategic merge
    patch errors that kube-apiserver does not classify (it returns them as internal errors).
    """

    def __init__(self, message: str, code: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def apply_merge_patch(document: JSON, patch: JSON) -> JSON:
    """RFC 7386: objects merge recursively, null deletes a member, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    target = document if isinstance(document, dict) else {}
    merged = dict(target)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = apply_merge_patch(target.get(key), value)
    return merged


def json_equal(left: JSON, right: JSON) -> bool:
    """JSON equality: numbers compare by value, booleans are not numbers, order matters in lists."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and left.keys() == right.keys()
            and all(json_equal(value, right[key]) for key, value in left.items())
        )
    if isinstance(left, list):
        return (
            isinstance(right, list)
            and len(left) == len(right)
            and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
        )
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    return type(left) is type(right) and bool(left == right)


def apply_json_patch(document: JSON, operations: JSON) -> JSON:
    """RFC 6902: apply each operation in turn; the first failure raises ``PatchError`` (422)."""
    if not isinstance(operations, list):
        raise PatchError("json: cannot unmarshal object into Go value of type jsonpatch.Patch", 400)
    for operation in operations:
        if not isinstance(operation, dict):
            raise PatchError(
                "json: cannot unmarshal non-object into Go value of type jsonpatch.Operation", 400
            )
        document = _apply_operation(document, operation)
    return document


def _apply_operation(document: JSON, operation: dict[str, JSON]) -> JSON:
    kind = operation.get("op")
    handler = _OPERATIONS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        raise PatchError(f"Unexpected kind: {kind if isinstance(kind, str) else 'unknown'}")
    return handler(document, operation)


def _field(operation: dict[str, JSON], name: str, kind: str) -> str:
    value = operation.get(name)
    if not isinstance(value, str):
        label = "path" if name == "path" else "from"
        raise PatchError(f"{kind} operation failed to decode {label}: {_MISSING}")
    return value


def _tokens(path: str) -> list[str] | None:
    """Reference tokens of a JSON pointer (RFC 6901 unescaping), None when it is not one."""
    if not path.startswith("/"):
        return None
    return [token.replace("~1", "/").replace("~0", "~") for token in path.split("/")[1:]]


def _list_index(items: list[JSON], token: str, extra: int = 0) -> int:
    """Go's strconv.Atoi plus json-patch.v4's negative indices (counted from the end)."""
    if not _GO_INT.fullmatch(token):
        raise _IndexError(f'strconv.Atoi: parsing "{token}": invalid syntax')
    index = int(token)
    size = len(items) + extra
    if index >= size or index < -size:
        raise _IndexError(f"Unable to access invalid index: {index}: {_INVALID_INDEX}")
    return index + size if index < 0 else index


class _IndexError(Exception):
    """A bad array index; callers wrap it in the message of the failed operation."""


def _child(container: JSON, token: str) -> JSON:
    if isinstance(container, dict):
        return container.get(token)
    if isinstance(container, list):
        try:
            return container[_list_index(container, token)]
        except _IndexError:
            return None
    return None


def _parent(document: JSON, tokens: list[str] | None) -> JSON:
    """The container holding the last token (json-patch's findObject), or None when missing."""
    if not tokens:
        return None
    current = document
    for token in tokens[:-1]:
        current = _child(current, token)
        if not isinstance(current, dict | list):
            return None
    return current if isinstance(current, dict | list) else None


def _rebuild(document: JSON, tokens: list[str], new_parent: JSON) -> JSON:
    """A copy of the document whose container at ``tokens`` is ``new_parent`` (path copying)."""
    if not tokens:
        return new_parent
    head = tokens[0]
    if isinstance(document, dict):
        return {**document, head: _rebuild(document[head], tokens[1:], new_parent)}
    items = list(document)
    index = _list_index(items, head)
    items[index] = _rebuild(items[index], tokens[1:], new_parent)
    return items


def _with_added(container: JSON, key: str, value: JSON) -> JSON:
    if isinstance(container, dict):
        return {**container, key: value}
    items = list(container)
    if key == "-":
        return [*items, value]
    if not _GO_INT.fullmatch(key):
        raise _IndexError(f"value was not a proper array index: '{key}'")
    items.insert(_list_index(items, key, extra=1), value)
    return items


def _without(container: JSON, key: str) -> JSON:
    if isinstance(container, dict):
        if key not in container:
            raise _IndexError(f"Unable to remove nonexistent key: {key}: {_MISSING}")
        return {name: value for name, value in container.items() if name != key}
    items = list(container)
    del items[_list_index(items, key)]
    return items


def _get(container: JSON, key: str) -> JSON:
    if isinstance(container, dict):
        return container.get(key)
    return container[_list_index(container, key)]


def _add(document: JSON, operation: dict[str, JSON]) -> JSON:
    path = _field(operation, "path", "add")
    return _insert(document, path, operation.get("value"), "add")


def _insert(document: JSON, path: str, value: JSON, kind: str) -> JSON:
    tokens = _tokens(path)
    parent = _parent(document, tokens)
    if tokens is None or parent is None:
        raise PatchError(
            f'{kind} operation does not apply: doc is missing path: "{path}": {_MISSING}'
        )
    try:
        return _rebuild(document, tokens[:-1], _with_added(parent, tokens[-1], value))
    except _IndexError as error:
        raise PatchError(f"error in {kind} for path: '{path}': {error}") from None


def _remove(document: JSON, operation: dict[str, JSON]) -> JSON:
    path = _field(operation, "path", "remove")
    tokens = _tokens(path)
    parent = _parent(document, tokens)
    if tokens is None or parent is None:
        raise PatchError(
            f'remove operation does not apply: doc is missing path: "{path}": {_MISSING}'
        )
    try:
        return _rebuild(document, tokens[:-1], _without(parent, tokens[-1]))
    except _IndexError as error:
        raise PatchError(f"error in remove for path: '{path}': {error}") from None


def _replace(document: JSON, operation: dict[str, JSON]) -> JSON:
    path = _field(operation, "path", "replace")
    value = operation.get("value")
    if path == "":
        if not isinstance(value, dict | list):
            raise PatchError("replace operation value must be object or array")
        return value
    tokens = _tokens(path)
    parent = _parent(document, tokens)
    if tokens is None or parent is None:
        raise PatchError(
            f"replace operation does not apply: doc is missing path: {path}: {_MISSING}"
        )
    key = tokens[-1]
    if isinstance(parent, dict):
        # json-patch.v4 (unlike RFC 6902 and v5) sets a missing object member instead of failing.
        return _rebuild(document, tokens[:-1], {**parent, key: value})
    try:
        index = _list_index(parent, key)
    except _IndexError:
        raise PatchError(
            f"replace operation does not apply: doc is missing key: {path}: {_MISSING}"
        ) from None
    items = list(parent)
    items[index] = value
    return _rebuild(document, tokens[:-1], items)


def _take(document: JSON, source: str, kind: str) -> tuple[JSON, JSON]:
    """The value at ``source`` and, for move, the document without it."""
    tokens = _tokens(source)
    parent = _parent(document, tokens)
    if tokens is None or parent is None:
        raise PatchError(
            f"{kind} operation does not apply: doc is missing from path: {source}: {_MISSING}"
        )
    key = tokens[-1]
    context = (
        f"error in move for path: '{key}'"
        if kind == "move"
        else f"error in copy for from: '{source}'"
    )
    try:
        value = _get(parent, key)
        if kind == "copy":
            return value, document
        return value, _rebuild(document, tokens[:-1], _without(parent, key))
    except _IndexError as error:
        raise PatchError(f"{context}: {error}") from None


def _transfer(document: JSON, operation: dict[str, JSON], kind: str) -> JSON:
    source = _field(operation, "from", kind)
    value, document = _take(document, source, kind)
    path = _field(operation, "path", kind)
    tokens = _tokens(path)
    parent = _parent(document, tokens)
    if tokens is None or parent is None:
        raise PatchError(
            f"{kind} operation does not apply: doc is missing destination path: {path}: {_MISSING}"
        )
    try:
        return _rebuild(document, tokens[:-1], _with_added(parent, tokens[-1], value))
    except _IndexError as error:
        context = (
            f"error in move for path: '{path}'"
            if kind == "move"
            else ("error while adding value during copy")
        )
        raise PatchError(f"{context}: {error}") from None


def _move(document: JSON, operation: dict[str, JSON]) -> JSON:
    return _transfer(document, operation, "move")


def _copy(document: JSON, operation: dict[str, JSON]) -> JSON:
    # json-patch.v4 copies a missing object member as null rather than failing.
    return _transfer(document, operation, "copy")


def _test(document: JSON, operation: dict[str, JSON]) -> JSON:
    path = _field(operation, "path", "test")
    expected = operation.get("value")
    failed = PatchError(f"testing value {path} failed: {_TEST_FAILED}")
    if path == "":
        if not json_equal(document, expected):
            raise failed
        return document
    tokens = _tokens(path)
    parent = _parent(document, tokens)
    if tokens is None or parent is None:
        raise PatchError(f"test operation does not apply: is missing path: {path}: {_MISSING}")
    try:
        actual = _get(parent, tokens[-1])
    except _IndexError as error:
        raise PatchError(f"error in test for path: '{path}': {error}") from None
    if not json_equal(actual, expected):
        raise failed
    return document


_OPERATIONS: dict[str, Callable[[JSON, dict[str, JSON]], JSON]] = {
    "add": _add,
    "remove": _remove,
    "replace": _replace,
    "move": _move,
    "copy": _copy,
    "test": _test,
}
