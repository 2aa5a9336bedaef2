"""Field selectors ("metadata.name=x,spec.nodeName!=y") and the fields each kind can select on.

Role: parsing, canonical strings and matching of field selectors exactly as
k8s.io/apimachinery/pkg/fields/selector.go does, plus the per-kind list of selectable fields the
API server accepts (pkg/apis/core/v1/conversion.go field label conversions). Matching takes a
plain mapping of field name to string value, so this module needs no object model: the API
server builds that mapping for each object. Neighbours: `labels` (label selectors).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

__all__ = [
    "FieldRequirement",
    "FieldSelector",
    "FieldSelectorError",
    "check_supported",
    "escape_value",
    "supported_fields",
    "unescape_value",
]


class FieldSelectorError(ValueError):
    """A field selector that does not parse or is not supported; Kubernetes' message."""


class FieldRequirement(msgspec.Struct, frozen=True):
    """field = value (operator "=") or field != value (operator "!=")."""

    field: str
    operator: str
    value: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        # A missing field reads as "" (fields.Set.Get), so "x=" matches objects without x.
        equal = fields.get(self.field, "") == self.value
        return equal if self.operator == "=" else not equal

    def __str__(self) -> str:
        return f"{self.field}{self.operator}{escape_value(self.value)}"


def escape_value(value: str) -> str:
    """fields.EscapeValue: backslash-escape \\ , and = in a value."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def unescape_value(text: str) -> str:
    """fields.UnescapeValue: undo escape_value; bare , or = and unknown escapes are errors."""
    if not any(ch in text for ch in "\\,="):
        return text
    out: list[str] = []
    in_slash = False
    for ch in text:
        if in_slash:
            if ch not in "\\,=":
                raise FieldSelectorError(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch in ",=":
            # Go prints the rune with %v, which is its code point.
            raise FieldSelectorError(
                f"invalid field selector: unescaped character in value: {ord(ch)}"
            )
        else:
            out.append(ch)
    if in_slash:
        raise FieldSelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not backslash-escaped; escapes stay in the terms."""
    if not text:
        return []
    terms, start, in_slash = [], 0, False
    for index, ch in enumerate(text):
        if in_slash:
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch == ",":
            terms.append(text[start:index])
            start = index + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    """(field, operator, raw value) at the first "!=", "==" or "=", checked in that order."""
    for index in range(len(term)):
        for operator in ("!=", "==", "="):
            if term.startswith(operator, index):
                return term[:index], operator, term[index + len(operator) :]
    return None


class FieldSelector:
    """Requirements ANDed together, in the order of their sorted source terms."""

    __slots__ = ("requirements",)

    requirements: tuple[FieldRequirement, ...]

    def __init__(self, requirements: Iterable[FieldRequirement] = ()) -> None:
        object.__setattr__(self, "requirements", tuple(requirements))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("FieldSelector is immutable")

    @classmethod
    def parse(cls, text: str) -> FieldSelector:
        """fields.ParseSelector: terms sorted as text, "==" read as "="."""
        requirements = []
        for term in sorted(_split_terms(text)):
            if not term:
                continue
            split = _split_term(term)
            if split is None:
                raise FieldSelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
            field, operator, raw = split
            value = unescape_value(raw)
            requirements.append(FieldRequirement(field, "!=" if operator == "!=" else "=", value))
        return cls(requirements)

    @classmethod
    def everything(cls) -> FieldSelector:
        return cls()

    @classmethod
    def from_set(cls, fields: Mapping[str, str]) -> FieldSelector:
        """fields.SelectorFromSet: field=value for every entry, sorted by field."""
        return cls(FieldRequirement(name, "=", fields[name]) for name in sorted(fields))

    @property
    def empty(self) -> bool:
        return not self.requirements

    def matches(self, fields: Mapping[str, str]) -> bool:
        return all(requirement.matches(fields) for requirement in self.requirements)

    def exact_value(self, field: str) -> str | None:
        """RequiresExactMatch: the value an "=" term pins `field` to (for indexed watches)."""
        for requirement in self.requirements:
            if requirement.field == field and requirement.operator == "=":
                return requirement.value
        return None

    def __str__(self) -> str:
        return ",".join(str(requirement) for requirement in self.requirements)

    def __repr__(self) -> str:
        return f"FieldSelector.parse({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldSelector):
            return NotImplemented
        return self.requirements == other.requirements

    def __hash__(self) -> int:
        return hash(self.requirements)


# Selectable fields per kind: the field label conversion functions of pkg/apis/core/v1/
# conversion.go (and ReplicaSet's status.replicas). Cluster-scoped Node and Namespace do not
# accept metadata.namespace. Kinds not listed use runtime.DefaultMetaV1FieldSelectorConversion.
_OBJECT_META = ("metadata.name", "metadata.namespace")
_SUPPORTED: dict[str, tuple[str, ...]] = {
    "Pod": (
        *_OBJECT_META,
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.podIPs",
        "status.nominatedNodeName",
    ),
    "Node": ("metadata.name", "spec.unschedulable"),
    "ReplicationController": (*_OBJECT_META, "status.replicas"),
    "ReplicaSet": (*_OBJECT_META, "status.replicas"),
    "Event": (
        *_OBJECT_META,
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
    "Namespace": ("metadata.name", "status.phase"),
    "Secret": (*_OBJECT_META, "type"),
    "Service": (*_OBJECT_META, "spec.clusterIP", "spec.type"),
}
# Old v1 clients send spec.host for a pod's node (conversion.go keeps the alias).
_ALIASES = {"Pod": {"spec.host": "spec.nodeName"}}


def supported_fields(kind: str) -> tuple[str, ...]:
    """The fields a selector may name when listing or watching `kind`."""
    return _SUPPORTED.get(kind, _OBJECT_META)


def check_supported(kind: str, selector: FieldSelector) -> FieldSelector:
    """The selector with aliases resolved, or FieldSelectorError naming the first bad field."""
    aliases = _ALIASES.get(kind, {})
    allowed = supported_fields(kind)
    converted = []
    for requirement in selector.requirements:
        field = aliases.get(requirement.field, requirement.field)
        if field not in allowed:
            raise FieldSelectorError(_unsupported_message(kind, requirement.field))
        converted.append(msgspec.structs.replace(requirement, field=field))
    return FieldSelector(converted)


def _unsupported_message(kind: str, field: str) -> str:
    if kind in _SUPPORTED:
        return f"field label not supported: {field}"
    return f'"{field}" is not a known field selector: only "metadata.name", "metadata.namespace"'
