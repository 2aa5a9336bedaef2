"""Field errors rendered exactly as Kubernetes renders them, and the 422 Invalid message.

Role: `FieldError(type, field, value, detail)` mirrors k8s.io/apimachinery/pkg/util/
validation/field (Error.Error / ErrorBody), `invalid_message` and `invalid_status` build the
API server's 422 response. Neighbours: every `validation.*` module (producers), the API
server and `manifest` (consumers).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from k8s_actors.api.objects.machinery import Status, StatusCause, StatusDetails


class ErrorType(enum.StrEnum):
    """The machine-readable cause; `label` is the human text in messages."""

    NOT_FOUND = "FieldValueNotFound"
    REQUIRED = "FieldValueRequired"
    DUPLICATE = "FieldValueDuplicate"
    INVALID = "FieldValueInvalid"
    NOT_SUPPORTED = "FieldValueNotSupported"
    FORBIDDEN = "FieldValueForbidden"
    TOO_LONG = "FieldValueTooLong"
    TOO_MANY = "FieldValueTooMany"
    INTERNAL = "InternalError"
    TYPE_INVALID = "FieldValueTypeInvalid"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ErrorType.NOT_FOUND: "Not found",
    ErrorType.REQUIRED: "Required value",
    ErrorType.DUPLICATE: "Duplicate value",
    ErrorType.INVALID: "Invalid value",
    ErrorType.NOT_SUPPORTED: "Unsupported value",
    ErrorType.FORBIDDEN: "Forbidden",
    ErrorType.TOO_LONG: "Too long",
    ErrorType.TOO_MANY: "Too many",
    ErrorType.INTERNAL: "Internal error",
    ErrorType.TYPE_INVALID: "Invalid value",
}

# Types whose message never shows the value (ErrorBody's first cases).
_VALUELESS = {ErrorType.REQUIRED, ErrorType.FORBIDDEN, ErrorType.TOO_LONG, ErrorType.INTERNAL}


class GoText(msgspec.Struct, frozen=True):
    """A value Go prints without quotes (a Stringer such as IntOrString, or a %#v struct)."""

    text: str


OMIT = GoText("\x00omit")
"""The value of errors that show no value at all."""


def go_quote(text: str) -> str:
    """Go's %q for the strings that appear in manifests."""
    return json.dumps(text, ensure_ascii=False)


def go_value(value: Any) -> str:
    """How Go's ErrorBody prints a bad value: %q strings, %v numbers, %#v maps."""
    if value is None:
        return "null"
    if isinstance(value, GoText):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, Mapping):
        if not value:
            return "map[string]string(nil)"
        items = ", ".join(f"{go_quote(k)}:{go_quote(str(value[k]))}" for k in sorted(value))
        return f"map[string]string{{{items}}}"
    if isinstance(value, Sequence):
        return "[]string{" + ", ".join(go_quote(str(v)) for v in value) + "}"
    return str(value)


def int_or_string(value: int | str) -> GoText:
    """An IntOrString bad value (printed through its String method, unquoted)."""
    return GoText(str(value))


class FieldError(msgspec.Struct, frozen=True):
    """One validation problem: type, field path (e.g. spec.containers[0].image), value, detail."""

    type: ErrorType
    field: str
    value: Any = ""
    detail: str = ""

    def body(self) -> str:
        """The message without the field (ErrorBody)."""
        if self.type in _VALUELESS or self.value is OMIT:
            text = self.type.label
        else:
            text = f"{self.type.label}: {go_value(self.value)}"
        return f"{text}: {self.detail}" if self.detail else text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"


def required(field: str, detail: str = "") -> FieldError:
    return FieldError(ErrorType.REQUIRED, field, "", detail)


def invalid(field: str, value: Any, detail: str) -> FieldError:
    return FieldError(ErrorType.INVALID, field, value, detail)


def not_found(field: str, value: Any) -> FieldError:
    return FieldError(ErrorType.NOT_FOUND, field, value)


def duplicate(field: str, value: Any) -> FieldError:
    return FieldError(ErrorType.DUPLICATE, field, value)


def forbidden(field: str, detail: str) -> FieldError:
    return FieldError(ErrorType.FORBIDDEN, field, "", detail)


def not_supported(field: str, value: Any, supported: Sequence[str]) -> FieldError:
    """`Unsupported value: "X": supported values: "A", "B"` (values in the given order)."""
    detail = "supported values: " + ", ".join(go_quote(v) for v in supported) if supported else ""
    return FieldError(ErrorType.NOT_SUPPORTED, field, value, detail)


def aggregate(errors: Sequence[FieldError]) -> str:
    """ToAggregate().Error(): duplicates dropped, one message bare, several in brackets."""
    messages = list(dict.fromkeys(str(e) for e in errors))
    return messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"


def invalid_message(qualified_kind: str, name: str, errors: Sequence[FieldError]) -> str:
    """`Deployment.apps "web" is invalid: [e1, e2]` (NewInvalid)."""
    return f"{qualified_kind} {go_quote(name)} is invalid: {aggregate(errors)}"


def invalid_status(
    qualified_kind: str, name: str, errors: Sequence[FieldError], *, group: str = ""
) -> Status:
    """The 422 Status the API server returns for a failed validation."""
    kind = qualified_kind.split(".", 1)[0]
    causes = tuple(StatusCause(reason=str(e.type), message=e.body(), field=e.field) for e in errors)
    return Status(
        status="Failure",
        message=invalid_message(qualified_kind, name, errors),
        reason="Invalid",
        details=StatusDetails(name=name, group=group, kind=kind, causes=causes),
        code=422,
    )
