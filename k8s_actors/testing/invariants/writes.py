"""Destructive writes carry preconditions, or hit only an object their writer had seen.

Role: invariant 8. A `WriteLog` taps the bus (`install`) and follows what each component sends
to kube-apiserver and what it receives back. A DELETE or an UPDATE (status included) that names
neither a uid nor a resourceVersion precondition is a blind write by name: if the object of that
name was deleted and created again meanwhile, it hits the newer object. So the object such a
write hit (the object in the answer) must have a uid its writer had already been delivered (by a
list, watch or get answer, or its own create) before the request was sent.
`writes_carry_preconditions` lists the writes that broke this. The user (the `user` address and
kubectl) is not judged: a person deleting by name means whatever object has the name.
Neighbours: `k8s_actors.kernel.bus` (taps), `k8s_actors.messages` (requests, answers, events).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from k8s_actors.api.objects.machinery import DeleteOptions
from k8s_actors.kernel import Envelope
from k8s_actors.messages import ApiResponse, Delete, Update, WatchEvent
from k8s_actors.scenario.cluster import Cluster

APISERVER = "kube-apiserver"
USERS = ("user", "kubectl")  # the person at the keyboard and their kubectl


@dataclass(frozen=True)
class BlindWrite:
    """A write without precondition, waiting for its answer."""

    writer: str
    verb: str
    target: str  # resource namespace/name
    seq: int  # when it was sent (the bus's sequence number)


class WriteLog:
    """What each component was delivered, and the blind writes it sent; fed by a bus tap.

    `sent()` says how many messages the bus has sent so far: a uid delivered when it was N
    was observed before any request whose sequence number is above N."""

    def __init__(self, sent: Callable[[], int], users: tuple[str, ...] = USERS) -> None:
        self._sent = sent
        self._users = users
        self._pending: dict[tuple[str, int], BlindWrite] = {}
        self._seen: dict[str, dict[str, int]] = {}  # writer -> uid -> sent count at delivery
        self._names: dict[str, dict[str, str]] = {}  # writer -> "kind ns/name" -> last uid
        self._everyone: dict[str, None] = {}  # uids that existed before the log began
        self.violations: list[str] = []
        self.judged = 0

    def tap(self, envelope: Envelope, outcome: str, reason: str) -> None:
        """A bus tap: every delivery, drop and late reply passes here."""
        payload = envelope.payload
        if envelope.dst == APISERVER:
            if outcome == "delivered" and envelope.src not in self._users:
                self._request(envelope, payload)
        elif envelope.src == APISERVER:
            if envelope.reply_to and isinstance(payload, ApiResponse):
                self._answer(envelope, payload, delivered=outcome == "delivered")
            elif outcome == "delivered" and isinstance(payload, WatchEvent):
                self._observe(envelope.dst, payload.obj)

    def _request(self, envelope: Envelope, payload: Any) -> None:
        if isinstance(payload, Delete) and not _has_preconditions(payload.options):
            verb = "delete"
        elif isinstance(payload, Update) and not _resource_version(payload.body):
            verb = f"update {payload.subresource}" if payload.subresource else "update"
        else:
            return
        target = f"{payload.resource} {payload.namespace}/{payload.name}".replace(" /", " ")
        key = (envelope.src, envelope.correlation)
        self._pending[key] = BlindWrite(envelope.src, verb, target, envelope.seq)

    def _answer(self, envelope: Envelope, response: ApiResponse, *, delivered: bool) -> None:
        write = self._pending.pop((envelope.dst, envelope.reply_to), None)
        if write is not None and response.ok:
            self._judge(write, response.obj)
        if delivered:
            self._observe(envelope.dst, response.obj)

    def _judge(self, write: BlindWrite, hit: Any) -> None:
        uid = _uid(hit)
        if not uid:
            return
        self.judged += 1
        if uid in self._everyone:
            return
        seen_at = self._seen.get(write.writer, {}).get(uid)
        if seen_at is not None and seen_at < write.seq:
            return
        known = self._names.get(write.writer, {}).get(_name(hit), "none")
        self.violations.append(
            f"writes_carry_preconditions: {write.writer} sent {write.verb} {write.target} "
            f"without precondition and hit uid {uid}, unseen by it before sending "
            f"(the uid it last saw under that name: {known})"
        )

    def existed_before(self, uids: Iterable[str]) -> None:
        """Objects older than the log: what anyone saw of them before it began is unknown."""
        self._everyone.update(dict.fromkeys(uids))

    def _observe(self, actor: str, obj: Any) -> None:
        items = getattr(obj, "items", None)
        for item in items if isinstance(items, tuple | list) else (obj,):
            uid = _uid(item)
            if uid:
                self._seen.setdefault(actor, {}).setdefault(uid, self._sent())
                self._names.setdefault(actor, {})[_name(item)] = uid


def install(cluster: Cluster) -> WriteLog:
    """A `WriteLog` fed by the cluster's bus from now on."""
    log = WriteLog(lambda: cluster.bus.sent)
    kvs = cluster.etcd_store.range("/registry/", prefix=True).kvs
    log.existed_before(uid for kv in kvs if (uid := _uid(kv.value)))
    cluster.bus.taps.append(log.tap)
    return log


def writes_carry_preconditions(log: WriteLog) -> list[str]:
    """Every blind destructive write seen so far hit an object its writer had observed."""
    return list(log.violations)


def _has_preconditions(options: object) -> bool:
    pre = options.preconditions if isinstance(options, DeleteOptions) else None
    return pre is not None and bool(pre.uid or pre.resource_version)


def _resource_version(body: object) -> str:
    return str(getattr(getattr(body, "metadata", None), "resource_version", "") or "")


def _uid(obj: Any) -> str:
    return str(getattr(getattr(obj, "metadata", None), "uid", "") or "")


def _name(obj: Any) -> str:
    meta = obj.metadata
    return f"{getattr(obj, 'kind', '')} {meta.namespace}/{meta.name}"
