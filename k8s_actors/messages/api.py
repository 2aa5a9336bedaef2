"""The Kubernetes API protocol: requests to kube-apiserver, responses, and watch events.

Role: the REST verbs of kube-apiserver as bus messages (layer 1). A request names the resource by
its plural name and API group (`pods`, `deployments` in `apps`), the namespace, the object name and
the subresource, as the URL path does in a real cluster. Every response carries an HTTP-like code
and either an object or a `Status` describing the error. A watch is a request that, once accepted,
streams `WatchEvent`s to the requester until it is stopped or the server ends it. Neighbours:
component `apiserver` (serves these), `k8s_actors.client` (sends them).
"""

from __future__ import annotations

from typing import Literal

from k8s_actors.messages.base import Message

WatchEventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]
PatchType = Literal[
    "application/merge-patch+json",
    "application/json-patch+json",
    "application/strategic-merge-patch+json",
]


class UserInfo(Message, frozen=True, kw_only=True):
    """Who is asking (what authentication establishes)."""

    username: str = "kubernetes-admin"
    groups: tuple[str, ...] = ("system:masters", "system:authenticated")


class ApiRequest(Message, frozen=True, kw_only=True):
    """Fields shared by every verb: the resource path and the caller."""

    resource: str
    group: str = ""
    namespace: str = ""
    user: UserInfo | None = None
    user_agent: str = ""


class Create(ApiRequest, frozen=True, kw_only=True):
    body: object
    subresource: str = ""
    name: str = ""
    dry_run: bool = False
    field_manager: str = ""


class Get(ApiRequest, frozen=True, kw_only=True):
    name: str
    subresource: str = ""
    resource_version: str = ""


class ListRequest(ApiRequest, frozen=True, kw_only=True):
    label_selector: str = ""
    field_selector: str = ""
    resource_version: str = ""
    limit: int = 0
    continue_token: str = ""


class Watch(ApiRequest, frozen=True, kw_only=True):
    """Open a watch; `watch_id` (unique per requester) tags the events that follow."""

    watch_id: int
    label_selector: str = ""
    field_selector: str = ""
    resource_version: str = ""
    allow_bookmarks: bool = False
    timeout_seconds: float = 0.0


class StopWatch(ApiRequest, frozen=True, kw_only=True):
    watch_id: int


class Update(ApiRequest, frozen=True, kw_only=True):
    name: str
    body: object
    subresource: str = ""
    dry_run: bool = False
    field_manager: str = ""


class Patch(ApiRequest, frozen=True, kw_only=True):
    name: str
    patch_type: str
    patch: object
    subresource: str = ""
    dry_run: bool = False
    field_manager: str = ""


class Delete(ApiRequest, frozen=True, kw_only=True):
    name: str
    options: object = None
    subresource: str = ""


class DeleteCollection(ApiRequest, frozen=True, kw_only=True):
    label_selector: str = ""
    field_selector: str = ""
    options: object = None


class Discovery(Message, frozen=True, kw_only=True):
    """GET /api and /apis: the resources the server serves (kubectl api-resources)."""


class ApiResponse(Message, frozen=True, kw_only=True):
    """The answer to any request: `code` as HTTP, `obj` on success, `status` on failure."""

    code: int
    obj: object = None
    status: object = None

    @property
    def ok(self) -> bool:
        return self.code < 400


class WatchEvent(Message, frozen=True, kw_only=True):
    """One change seen by a watch. DELETED carries the last state of the object.

    `seq` numbers the events of one watch from 1 (0: not numbered). A watch is one stream of one
    connection, where nothing is lost without the connection breaking: a watcher that sees a
    gap treats its watch as broken and watches again from the last resourceVersion it saw.
    """

    watch_id: int
    type: WatchEventType
    obj: object
    seq: int = 0
