"""Destructive writes without preconditions hit only objects their writer had observed."""

from __future__ import annotations

from typing import Any

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.objects.machinery import DeleteOptions, Preconditions
from k8s_actors.kernel import Envelope
from k8s_actors.messages import ApiResponse, Delete, Update, WatchEvent
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.testing import invariants
from k8s_actors.testing.fixtures import open_cluster
from k8s_actors.testing.invariants.writes import WriteLog, install

WRITER = "kube-controller-manager"
SERVER = "kube-apiserver"


def _pod(uid: str, resource_version: str = "") -> Any:
    text = f"""
apiVersion: v1
kind: Pod
metadata: {{name: web, namespace: default, uid: {uid}, resourceVersion: "{resource_version}"}}
spec: {{containers: [{{name: app, image: nginx:1.24}}]}}
"""
    return load_manifests(text)[0]


class Wire:
    """Envelopes through a `WriteLog`, numbered as the bus numbers what it sends."""

    def __init__(self) -> None:
        self.sent = 0
        self.log = WriteLog(lambda: self.sent)

    def deliver(
        self, src: str, dst: str, payload: Any, correlation: int = 0, reply_to: int = 0
    ) -> Envelope:
        self.sent += 1
        envelope = Envelope(
            seq=self.sent,
            src=src,
            dst=dst,
            payload=payload,
            correlation=correlation,
            reply_to=reply_to,
        )
        self.log.tap(envelope, "delivered", "")
        return envelope

    def observe(self, obj: Any) -> None:
        self.deliver(SERVER, WRITER, WatchEvent(watch_id=1, type="ADDED", obj=obj))

    def write(self, request: Any, hit: Any, writer: str = WRITER) -> None:
        sent = self.deliver(writer, SERVER, request, correlation=100 + self.sent)
        self.deliver(SERVER, writer, ApiResponse(code=200, obj=hit), reply_to=sent.correlation)


def _delete(options: DeleteOptions | None = None) -> Delete:
    return Delete(resource="pods", namespace="default", name="web", options=options)


def test_a_blind_delete_of_the_object_the_writer_saw_violates_nothing() -> None:
    wire = Wire()
    wire.observe(_pod("u-1"))
    wire.write(_delete(), _pod("u-1"))
    assert invariants.writes_carry_preconditions(wire.log) == []
    assert wire.log.judged == 1


def test_a_blind_delete_that_hits_a_newer_object_of_the_same_name_is_reported() -> None:
    wire = Wire()
    wire.observe(_pod("u-1"))
    wire.write(_delete(), _pod("u-2"))
    assert invariants.writes_carry_preconditions(wire.log) == [
        "writes_carry_preconditions: kube-controller-manager sent delete pods default/web "
        "without precondition and hit uid u-2, unseen by it before sending (the uid it last "
        "saw under that name: u-1)"
    ]


def test_writes_with_preconditions_and_the_users_writes_are_not_judged() -> None:
    wire = Wire()
    wire.write(_delete(DeleteOptions(preconditions=Preconditions(uid="u-2"))), _pod("u-2"))
    body = _pod("u-2", resource_version="7")
    wire.write(Update(resource="pods", namespace="default", name="web", body=body), body)
    wire.write(_delete(), _pod("u-2"), writer="kubectl")
    assert invariants.writes_carry_preconditions(wire.log) == []
    assert wire.log.judged == 0


def test_a_blind_status_update_of_an_object_seen_only_after_sending_is_reported() -> None:
    wire = Wire()
    update = Update(
        resource="pods", namespace="default", name="web", body=_pod("u-3"), subresource="status"
    )
    request = wire.deliver(WRITER, SERVER, update, correlation=9)
    wire.observe(_pod("u-3"))  # delivered after the request left
    wire.deliver(SERVER, WRITER, ApiResponse(code=200, obj=_pod("u-3")), reply_to=9)
    assert request.seq == 1
    assert invariants.writes_carry_preconditions(wire.log) == [
        "writes_carry_preconditions: kube-controller-manager sent update status pods "
        "default/web without precondition and hit uid u-3, unseen by it before sending (the "
        "uid it last saw under that name: u-3)"
    ]


def test_the_components_of_a_cluster_write_only_what_they_observed() -> None:
    async def scenario(cluster: Cluster) -> tuple[list[str], int]:
        log = install(cluster)
        await cluster.kubectl("create deployment web --image=nginx:1.24 --replicas=3")
        await cluster.advance(20)
        await cluster.kubectl("scale deployment web --replicas=1")
        await cluster.kubectl("delete deployment web")
        await cluster.advance(60)
        return invariants.writes_carry_preconditions(log), log.judged

    with open_cluster() as driver:
        violations, judged = driver.call(scenario)
    assert violations == []
    assert judged > 0
