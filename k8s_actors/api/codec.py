"""Typed encoding and decoding of API objects, with decoders built once.

Role: the edge between wire data (JSON bytes, plain dicts from YAML) and the frozen structs:
`decode_object` dispatches on apiVersion+kind through the registry; every path is wired
with the quantity hooks. Neighbours: `registry` (kind -> type), `quantity` (hooks),
`manifest` (YAML), the API server and trace (JSON at the edges).
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

import msgspec

from k8s_actors.api import quantity
from k8s_actors.api.objects import KubeObject, List
from k8s_actors.api.registry import REGISTRY, UnknownKindError

T = TypeVar("T")

__all__ = [
    "MissingKindError",
    "UnknownKindError",
    "convert",
    "decode_as",
    "decode_object",
    "encode_json",
    "to_builtins",
]


class MissingKindError(ValueError):
    """The data names no apiVersion or no kind, so its type cannot be chosen."""


class _TypeMeta(msgspec.Struct):
    """Just enough of any object to choose its type (unknown fields ignored)."""

    apiVersion: str = ""  # the wire name
    kind: str = ""


_ENCODER = msgspec.json.Encoder(enc_hook=quantity.enc_hook)
_TYPE_META_DECODER = msgspec.json.Decoder(_TypeMeta)
_JSON_DECODERS: dict[type[Any], msgspec.json.Decoder[Any]] = {}


def _json_decoder(typ: type[T]) -> msgspec.json.Decoder[T]:
    decoder = _JSON_DECODERS.get(typ)
    if decoder is None:
        decoder = msgspec.json.Decoder(typ, dec_hook=quantity.dec_hook)
        _JSON_DECODERS[typ] = decoder
    return cast("msgspec.json.Decoder[T]", decoder)


def _type_of(api_version: str, kind: str) -> type[msgspec.Struct]:
    if not api_version or not kind:
        missing = [
            name for name, value in (("apiVersion", api_version), ("kind", kind)) if not value
        ]
        raise MissingKindError(", ".join(f"{name} not set" for name in missing))
    typ = REGISTRY.type_for(api_version, kind)
    if typ is None:
        raise UnknownKindError(f'no matches for kind "{kind}" in version "{api_version}"')
    return typ


def decode_object(data: dict[str, Any] | bytes | str) -> KubeObject:
    """Decode any known kind from JSON or builtins; `List` items are decoded too.

    Raises MissingKindError, UnknownKindError, or msgspec.ValidationError (with a `$.path`).
    """
    if isinstance(data, dict):
        typ = _type_of(str(data.get("apiVersion") or ""), str(data.get("kind") or ""))
        obj = msgspec.convert(data, typ, dec_hook=quantity.dec_hook)
    else:
        meta = _TYPE_META_DECODER.decode(data)
        obj = _json_decoder(_type_of(meta.apiVersion, meta.kind)).decode(data)
    if isinstance(obj, List):
        obj = _decode_items(obj)
    return cast(KubeObject, obj)


def _decode_items(lst: List) -> List:
    items = tuple(
        item if isinstance(item, msgspec.Struct) else decode_object(item) for item in lst.items
    )
    return msgspec.structs.replace(lst, items=items)


def decode_as(data: bytes | str, typ: type[T]) -> T:
    """Decode JSON into a given type with a cached decoder."""
    return _json_decoder(typ).decode(data)


def convert(data: Any, typ: type[T]) -> T:
    """Convert builtins (dicts, lists, strings) into a given type."""
    return msgspec.convert(data, typ, dec_hook=quantity.dec_hook)


def to_builtins(obj: Any) -> Any:
    """Plain dicts/lists/strings with wire names; quantities become canonical strings."""
    return msgspec.to_builtins(obj, enc_hook=quantity.enc_hook)


def encode_json(obj: Any) -> bytes:
    """Compact JSON bytes with wire names, as the API server sends them."""
    return _ENCODER.encode(obj)
