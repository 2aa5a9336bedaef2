"""The client's exceptions: a Kubernetes `Status` turned into a typed error at the client edge.

Role: on the bus every failure is data (an `ApiResponse` carrying a `Status`); `ApiClient` raises
one of these so that callers can write `except NotFound:` as client-go callers write
`errors.IsNotFound(err)`. `str(error)` is the Status message, which is what kubectl prints after
"Error from server (NotFound): ". Transport failures (no reply in time, nobody listening) become
`Unavailable`. Neighbours: `client` (raises them), `k8s_actors.api.objects.machinery` (Status).

The hierarchy::

    ApiError
    ├── BadRequest      400
    ├── Forbidden       403
    ├── NotFound        404
    ├── AlreadyExists   409, reason AlreadyExists
    ├── Conflict        409, any other reason
    ├── Gone            410 (watch or list from a compacted resourceVersion)
    ├── Invalid         422
    ├── ServerError     5xx
    │   └── Unavailable 503, or the request never got an answer
    └── (ApiError itself for the other codes: 405, 415, 429, ...)
"""

from __future__ import annotations

from k8s_actors.api.objects.machinery import Status
from k8s_actors.kernel import KernelError, RequestTimeout

__all__ = [
    "AlreadyExists",
    "ApiError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "Gone",
    "Invalid",
    "NotFound",
    "ServerError",
    "Unavailable",
    "error_from_status",
    "error_from_transport",
]


class ApiError(Exception):
    """A request the API server refused or could not serve; `status` says why."""

    def __init__(self, status: Status) -> None:
        super().__init__(status.message)
        self.status = status

    @property
    def code(self) -> int:
        """The HTTP status code (404, 409, ...)."""
        return self.status.code

    @property
    def reason(self) -> str:
        """The machine-readable reason (NotFound, AlreadyExists, Conflict, Invalid, ...)."""
        return self.status.reason

    def __str__(self) -> str:
        return self.status.message


class BadRequest(ApiError):
    """400: a malformed request, e.g. an unparsable selector."""


class Forbidden(ApiError):
    """403: authorization or admission refused the request."""


class NotFound(ApiError):
    """404: no such object (or no such resource)."""


class AlreadyExists(ApiError):
    """409 AlreadyExists: a create for a name that is taken."""


class Conflict(ApiError):
    """409 Conflict: a stale resourceVersion or a failed precondition; re-read and retry."""


class Gone(ApiError):
    """410: the requested resourceVersion is older than the retained history; relist."""


class Invalid(ApiError):
    """422: validation failed; `status.details.causes` lists each field error."""


class ServerError(ApiError):
    """5xx: the server failed to serve the request."""


class Unavailable(ServerError):
    """503, or no answer at all (the server is down, partitioned away, or too slow)."""


_BY_REASON: dict[str, type[ApiError]] = {
    "BadRequest": BadRequest,
    "Forbidden": Forbidden,
    "NotFound": NotFound,
    "AlreadyExists": AlreadyExists,
    "Conflict": Conflict,
    "Gone": Gone,
    "Expired": Gone,
    "Invalid": Invalid,
    "ServiceUnavailable": Unavailable,
}

_BY_CODE: dict[int, type[ApiError]] = {
    400: BadRequest,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    422: Invalid,
    503: Unavailable,
}


def error_from_status(status: Status) -> ApiError:
    """The exception for a failure Status: by reason first, as client-go's `ReasonForError`
    does, then by code (k8s.io/apimachinery/pkg/api/errors/errors.go)."""
    cls = _BY_REASON.get(status.reason) or _BY_CODE.get(status.code)
    if cls is None:
        cls = ServerError if status.code >= 500 else ApiError
    return cls(status)


def error_from_transport(error: KernelError, server: str) -> Unavailable:
    """The exception for a request that got no answer: the bus timed out or found nobody."""
    if isinstance(error, RequestTimeout):
        message = f"the server {server} was unable to return a response in time: {error}"
        reason = "Timeout"
    else:
        message = f"The connection to the server {server} was refused - is it running?"
        reason = "ServiceUnavailable"
    return Unavailable(Status(status="Failure", message=message, reason=reason, code=503))
