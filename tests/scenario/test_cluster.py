"""Tests for `k8s_actors.scenario.cluster`: the Python API over a simulated cluster."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import pytest

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.objects import ConfigMap
from k8s_actors.client.errors import AlreadyExists, ApiError, Invalid, NotFound
from k8s_actors.kernel import MessageLoss, run
from k8s_actors.scenario.cluster import Cluster

SETTINGS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
data:
  mode: slow
"""


def _on_cluster(body: Callable[[Cluster], Awaitable[Any]], seed: int = 1) -> Any:
    """Run `body` against a fresh cluster on the virtual-time loop and return its result."""

    async def main() -> Any:
        async with Cluster(seed=seed) as cluster:
            return await body(cluster)

    return run(main)


def test_apply_creates_then_patches_the_existing_object() -> None:
    """A second apply keeps the uid, bumps resourceVersion and carries the new data."""

    async def body(cluster: Cluster) -> tuple[Any, Any]:
        (first,) = await cluster.apply(SETTINGS)
        (second,) = await cluster.apply(SETTINGS.replace("slow", "fast"))
        return first, second

    first, second = _on_cluster(body)
    assert first.data == {"mode": "slow"}
    assert second.data == {"mode": "fast"}
    assert second.metadata.uid == first.metadata.uid != ""
    assert int(second.metadata.resource_version) > int(first.metadata.resource_version)


def test_create_get_list_patch_delete_round_trip() -> None:
    """Each verb of the Python API reaches kube-apiserver and sees the others' effects."""

    async def body(cluster: Cluster) -> dict[str, Any]:
        (obj,) = load_manifests(SETTINGS)
        created = await cluster.create(obj)
        fetched = await cluster.get("configmap", "default", "settings")
        names = [item.metadata.name for item in await cluster.list("configmaps", "default")]
        patched = await cluster.patch("cm", "default", "settings", {"data": {"extra": "1"}})
        await cluster.delete("configmaps", "default", "settings")
        remaining = await cluster.list("configmaps", "default")
        return {
            "created": created,
            "fetched": fetched,
            "names": names,
            "patched": patched,
            "remaining": remaining,
        }

    seen = _on_cluster(body)
    assert seen["fetched"].metadata.uid == seen["created"].metadata.uid
    assert seen["names"] == ["settings"]
    assert seen["patched"].data == {"mode": "slow", "extra": "1"}
    assert seen["remaining"] == []


def test_cluster_starts_with_the_system_namespaces() -> None:
    """kube-apiserver creates default, kube-node-lease, kube-public and kube-system."""

    async def body(cluster: Cluster) -> list[str]:
        return [item.metadata.name for item in await cluster.list("namespaces")]

    assert _on_cluster(body) == ["default", "kube-node-lease", "kube-public", "kube-system"]


async def _error_of(request: Awaitable[Any]) -> ApiError:
    try:
        await request
    except ApiError as error:
        return error
    raise AssertionError("the request succeeded")


def test_get_of_a_missing_object_raises_not_found() -> None:
    """NotFound carries code 404 and Kubernetes' message."""

    async def body(cluster: Cluster) -> ApiError:
        return await _error_of(cluster.get("configmaps", "default", "absent"))

    error = _on_cluster(body)
    assert isinstance(error, NotFound)
    assert (error.code, error.reason, str(error)) == (
        404,
        "NotFound",
        'configmaps "absent" not found',
    )


def test_second_create_raises_already_exists() -> None:
    """Creating a taken name raises AlreadyExists with Kubernetes' message."""

    async def body(cluster: Cluster) -> ApiError:
        (obj,) = load_manifests(SETTINGS)
        await cluster.create(obj)
        return await _error_of(cluster.create(obj))

    error = _on_cluster(body)
    assert isinstance(error, AlreadyExists)
    assert (error.code, str(error)) == (409, 'configmaps "settings" already exists')


def test_invalid_object_raises_invalid() -> None:
    """An object failing server-side validation raises Invalid naming the field."""

    async def body(cluster: Cluster) -> ApiError:
        (obj,) = load_manifests(SETTINGS)
        assert isinstance(obj, ConfigMap)
        bad = msgspec.structs.replace(
            obj, metadata=msgspec.structs.replace(obj.metadata, name="Bad_Name")
        )
        return await _error_of(cluster.create(bad))

    error = _on_cluster(body)
    assert isinstance(error, Invalid)
    assert error.code == 422
    assert str(error).startswith(
        'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": '
        "a lowercase RFC 1123 subdomain"
    )


def test_delete_of_a_missing_object_raises_not_found() -> None:
    """Deleting a name that does not exist is a NotFound, as kubectl reports it."""

    async def body(cluster: Cluster) -> ApiError:
        return await _error_of(cluster.delete("configmaps", "default", "absent"))

    assert isinstance(_on_cluster(body), NotFound)


def test_advance_moves_simulated_time() -> None:
    """advance(42.5) moves `now` by exactly 42.5 simulated seconds."""

    async def body(cluster: Cluster) -> tuple[float, float]:
        before = cluster.now
        await cluster.advance(42.5)
        return before, cluster.now

    before, after = _on_cluster(body)
    assert after - before == pytest.approx(42.5)


def test_wait_for_gives_up_after_the_timeout() -> None:
    """A condition that never holds is polled each second and False is returned at the deadline."""

    async def body(cluster: Cluster) -> tuple[bool, list[float], float]:
        start = cluster.now
        polls: list[float] = []

        async def never() -> bool:
            polls.append(cluster.now - start)
            return False

        held = await cluster.wait_for(never, timeout=5)
        return held, polls, cluster.now - start

    held, polls, waited = _on_cluster(body)
    assert held is False
    assert polls == pytest.approx([0, 1, 2, 3, 4, 5])
    assert waited == pytest.approx(5)


def test_wait_for_returns_true_once_the_condition_holds() -> None:
    """wait_for returns True at the first poll where the condition holds, not at the timeout."""

    async def body(cluster: Cluster) -> tuple[bool, float]:
        start = cluster.now

        async def after_three_seconds() -> bool:
            return cluster.now - start >= 3

        held = await cluster.wait_for(after_three_seconds, timeout=10)
        return held, cluster.now - start

    held, waited = _on_cluster(body)
    assert held is True
    assert waited == pytest.approx(3)


def test_same_seed_gives_same_uids() -> None:
    """Two clusters with the same seed assign the same uid to the same object."""

    async def body(cluster: Cluster) -> str:
        (obj,) = await cluster.apply(SETTINGS)
        return str(obj.metadata.uid)

    assert _on_cluster(body, seed=7) == _on_cluster(body, seed=7)
    assert _on_cluster(body, seed=7) != _on_cluster(body, seed=8)


NODEPORT_SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, nodePort: 30080}]
"""


def test_reapplying_a_service_with_allocated_values_changes_nothing() -> None:
    """Like kubectl apply, the object is read first: an unchanged manifest patches nothing, so
    a nodePort the Service already holds is not allocated a second time."""

    async def main() -> tuple[str, str, int]:
        async with Cluster() as cluster:
            (first,) = await cluster.apply(NODEPORT_SERVICE)
            (second,) = await cluster.apply(NODEPORT_SERVICE)
            return (
                first.metadata.resource_version,
                second.metadata.resource_version,
                second.spec.ports[0].node_port,
            )

    before, after, node_port = run(main)
    assert before == after
    assert node_port == 30080


def test_kubectl_under_loss_of_every_message_fails_at_its_own_timeout() -> None:
    """Typing a command into kubectl crosses no network: with every message lost, the command
    reaches kubectl, whose requests to kube-apiserver are lost, and it answers with an error
    once they time out, long before the terminal's hour-long wait."""

    async def body(cluster: Cluster) -> tuple[int, str, float]:
        cluster.bus.faults.append(MessageLoss(rate=1.0))
        started = cluster.clock.now()
        result = await cluster.kubectl("get configmaps")
        return result.exit_code, result.stderr, cluster.clock.now() - started

    code, stderr, took = _on_cluster(body)
    assert code == 1
    assert "unable to return a response in time" in stderr
    assert took == pytest.approx(60.0)  # one request's timeout, not the terminal's hour
