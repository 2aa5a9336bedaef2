"""Validation of metadata, labels, annotations and label selectors.

Role: ValidateObjectMeta, ValidateLabels, ValidateAnnotations (pkg/api/validation and
apimachinery's metav1 validation) and ValidateLabelSelector. Neighbours: `names`, `labels`
(key/value checks), `errors`; every kind's validator starts here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from k8s_actors.api.labels import LabelSelector, validate_label_key, validate_label_value
from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.validation import names
from k8s_actors.api.validation.errors import (
    OMIT,
    ErrorType,
    FieldError,
    forbidden,
    invalid,
    required,
)

NameCheck = Callable[[str], list[str]]

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024


def validate_labels(labels: Mapping[str, str], path: str) -> list[FieldError]:
    """Every key a qualified name, every value a label value; errors name the map's path."""
    errors: list[FieldError] = []
    for key in sorted(labels):
        errors += [invalid(path, key, msg) for msg in validate_label_key(key)]
        errors += [invalid(path, labels[key], msg) for msg in validate_label_value(labels[key])]
    return errors


def validate_annotations(annotations: Mapping[str, str], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for key in sorted(annotations):
        errors += [invalid(path, key.lower(), msg) for msg in validate_label_key(key.lower())]
    size = sum(len(k) + len(v) for k, v in annotations.items())
    if size > TOTAL_ANNOTATION_SIZE_LIMIT:
        detail = f"may not be more than {TOTAL_ANNOTATION_SIZE_LIMIT} bytes"
        errors.append(FieldError(ErrorType.TOO_LONG, path, "", detail))
    return errors


def validate_object_meta(
    meta: ObjectMeta, *, namespaced: bool, name_check: NameCheck, path: str = "metadata"
) -> list[FieldError]:
    """Name (or generateName) present and well formed, namespace scope, labels, annotations.

    The namespace of a namespaced object may be empty here: the API server fills it in from
    the request before it validates.
    """
    errors: list[FieldError] = []
    if not meta.name and not meta.generate_name:
        errors.append(required(f"{path}.name", "name or generateName is required"))
    elif meta.name:
        errors += [invalid(f"{path}.name", meta.name, msg) for msg in name_check(meta.name)]
    if namespaced and meta.namespace:
        errors += [
            invalid(f"{path}.namespace", meta.namespace, msg)
            for msg in names.dns1123_label(meta.namespace)
        ]
    elif not namespaced and meta.namespace:
        errors.append(forbidden(f"{path}.namespace", "not allowed on this type"))
    errors += validate_labels(meta.labels, f"{path}.labels")
    errors += validate_annotations(meta.annotations, f"{path}.annotations")
    errors += validate_owner_references(meta, f"{path}.ownerReferences")
    return errors


def validate_owner_references(meta: ObjectMeta, path: str) -> list[FieldError]:
    """ValidateOwnerReferences (apimachinery/pkg/api/validation/objectmeta.go): each reference
    complete, and at most one with controller=true."""
    errors: list[FieldError] = []
    controllers: list[str] = []
    for index, ref in enumerate(meta.owner_references):
        where = f"{path}[{index}]"
        for field, value in (
            ("apiVersion", ref.api_version),
            ("kind", ref.kind),
            ("name", ref.name),
            ("uid", ref.uid),
        ):
            if not value:
                errors.append(invalid(f"{where}.{field}", value, f"{field} must not be empty"))
        if ref.controller:
            controllers.append(f"{ref.kind}/{ref.name}")
    if len(controllers) > 1:
        detail = (
            'Only one reference can have Controller set to true. Found "true" in references for '
            + " and ".join(controllers)
        )
        errors.append(FieldError(ErrorType.INVALID, path, OMIT, detail))
    return errors


_SET_OPERATORS = ("In", "NotIn")
_EXISTS_OPERATORS = ("Exists", "DoesNotExist")


def validate_label_selector(selector: LabelSelector | None, path: str) -> list[FieldError]:
    """ValidateLabelSelector: operators and their values, keys, matchLabels."""
    if selector is None:
        return []
    errors: list[FieldError] = []
    for i, expr in enumerate(selector.match_expressions):
        at = f"{path}.matchExpressions[{i}]"
        if expr.operator in _SET_OPERATORS:
            if not expr.values:
                detail = "must be specified when `operator` is 'In' or 'NotIn'"
                errors.append(required(f"{at}.values", detail))
        elif expr.operator in _EXISTS_OPERATORS:
            if expr.values:
                detail = "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                errors.append(forbidden(f"{at}.values", detail))
        else:
            errors.append(invalid(f"{at}.operator", expr.operator, "not a valid selector operator"))
        errors += [invalid(f"{at}.key", expr.key, msg) for msg in validate_label_key(expr.key)]
    errors += validate_labels(selector.match_labels, f"{path}.matchLabels")
    return errors
