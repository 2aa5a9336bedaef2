"""wait: conditions, jsonpath values and deletion, with kubectl's timeout message."""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.api.objects.workloads import DeploymentStatus, WorkloadCondition
from k8s_actors.messages import KubectlResult
from tests.components.kubectl.conftest import Shell, shell

replace = msgspec.structs.replace


async def _available(sh: Shell, ready: int = 0) -> None:
    deployment = await sh.get("deployments", "nginx")
    status = DeploymentStatus(
        ready_replicas=ready,
        conditions=(WorkloadCondition(type="Available", status="True"),),
    )
    await sh.update_status(replace(deployment, status=status))


def test_wait_for_condition_met_during_the_wait() -> None:
    """The condition turning True ends the wait with `condition met`."""

    async def body(sh: Shell) -> tuple[KubectlResult, float]:
        await sh.ok("create deployment nginx --image=nginx")
        result = await sh.during(
            "wait deploy/nginx --for=condition=Available --timeout=60s",
            (7.0, lambda: _available(sh)),
        )
        return result, sh.clock.now()

    result, now = shell(body)
    assert result.stdout == "deployment.apps/nginx condition met\n"
    assert 7.0 <= now < 8.0


def test_wait_times_out_with_kubectls_message() -> None:
    """Default 30s, then `timed out waiting for the condition on deployments/nginx`."""

    async def body(sh: Shell) -> tuple[KubectlResult, float]:
        await sh.ok("create deployment nginx --image=nginx")
        start = sh.clock.now()
        result = await sh("wait deploy/nginx --for=condition=Available")
        return result, sh.clock.now() - start

    result, waited = shell(body)
    assert result.stderr == "error: timed out waiting for the condition on deployments/nginx\n"
    assert 30.0 <= waited < 31.0


def test_wait_for_jsonpath_value() -> None:
    """--for=jsonpath='{.status.readyReplicas}'=2 holds once the value is 2."""

    async def body(sh: Shell) -> KubectlResult:
        await sh.ok("create deployment nginx --image=nginx")
        return await sh.during(
            "wait deploy/nginx --for=jsonpath='{.status.readyReplicas}'=2 --timeout=20s",
            (3.0, lambda: _available(sh, ready=1)),
            (5.0, lambda: _available(sh, ready=2)),
        )

    assert shell(body).stdout == "deployment.apps/nginx condition met\n"


def test_wait_for_delete() -> None:
    """--for=delete returns once the object is gone (at once when it already is)."""

    async def body(sh: Shell) -> list[Any]:
        await sh.ok("run web --image=nginx")
        gone = await sh.during(
            "wait pod/web --for=delete",
            (2.0, lambda: sh.ok("delete pod web")),
        )
        already = await sh("wait pod/web --for=delete")
        return [gone.stdout, already.stdout]

    assert shell(body) == ["pod/web condition met\n", "pod/web condition met\n"]
