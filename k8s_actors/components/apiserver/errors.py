"""Kubernetes `Status` errors as kube-apiserver words them.

Role: every failure the apiserver answers is one of these, with the reason, code and message of
k8s.io/apimachinery/pkg/api/errors/errors.go, so that a user comparing with a real cluster reads
the same text. Errors are data on the bus; `ApiError` only carries a Status out of deep code.
Neighbours: `handlers` (raise and catch ApiError), `k8s_actors.client.errors` (the client side).
"""

from __future__ import annotations

from k8s_actors.api.objects.machinery import Status, StatusCause, StatusDetails


class ApiError(Exception):
    """Unwinds a request with the Status to answer."""

    def __init__(self, status: Status) -> None:
        super().__init__(status.message)
        self.status = status


def _qualified(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


def failure(code: int, reason: str, message: str, details: StatusDetails | None = None) -> ApiError:
    return ApiError(
        Status(status="Failure", message=message, reason=reason, details=details, code=code)
    )


def not_found(resource: str, group: str, name: str) -> ApiError:
    qualified = _qualified(resource, group)
    return failure(
        404,
        "NotFound",
        f'{qualified} "{name}" not found',
        StatusDetails(name=name, group=group, kind=resource),
    )


def already_exists(resource: str, group: str, name: str) -> ApiError:
    qualified = _qualified(resource, group)
    return failure(
        409,
        "AlreadyExists",
        f'{qualified} "{name}" already exists',
        StatusDetails(name=name, group=group, kind=resource),
    )


def conflict(resource: str, group: str, name: str, detail: str) -> ApiError:
    qualified = _qualified(resource, group)
    return failure(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {qualified} "{name}": {detail}',
        StatusDetails(name=name, group=group, kind=resource),
    )


MODIFIED = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


def invalid(
    kind: str, group: str, name: str, causes: list[tuple[str, str, str]], rendered: list[str]
) -> ApiError:
    """422 Invalid; `causes` are (reason, message, field), `rendered` the field error texts."""
    qualified = _qualified(kind, group)
    summary = rendered[0] if len(rendered) == 1 else "[" + ", ".join(rendered) + "]"
    return failure(
        422,
        "Invalid",
        f'{qualified} "{name}" is invalid: {summary}',
        StatusDetails(
            name=name,
            group=group,
            kind=kind,
            causes=tuple(StatusCause(reason=r, message=m, field=f) for r, m, f in causes),
        ),
    )


def forbidden(resource: str, group: str, name: str, reason: str) -> ApiError:
    qualified = _qualified(resource, group)
    target = f'{qualified} "{name}"' if name else qualified
    return failure(
        403,
        "Forbidden",
        f"{target} is forbidden: {reason}",
        StatusDetails(name=name, group=group, kind=resource),
    )


def bad_request(message: str) -> ApiError:
    return failure(400, "BadRequest", message)


def gone(message: str) -> ApiError:
    return failure(410, "Expired", message)


def resource_not_found() -> ApiError:
    return failure(404, "NotFound", "the server could not find the requested resource")


def method_not_allowed(verb: str, resource: str) -> ApiError:
    return failure(
        405, "MethodNotAllowed", f"{verb} is not supported on resources of kind {resource}"
    )


def unsupported_media_type(patch_type: str) -> ApiError:
    return failure(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: "
        f"application/json-patch+json, application/merge-patch+json, "
        f"application/apply-patch+yaml, application/strategic-merge-patch+json (got {patch_type})",
    )


def internal(message: str) -> ApiError:
    return failure(500, "InternalError", f"Internal error occurred: {message}")


def service_unavailable(message: str) -> ApiError:
    return failure(503, "ServiceUnavailable", message)


def timeout(message: str) -> ApiError:
    return failure(504, "Timeout", message)
