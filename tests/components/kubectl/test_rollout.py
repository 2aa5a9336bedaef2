"""rollout: status lines from the Deployment's status, undo from ReplicaSets, pause, restart."""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_actors.api.meta import ObjectMeta, OwnerReference
from k8s_actors.api.objects import ReplicaSet
from k8s_actors.api.objects.workloads import DeploymentStatus, ReplicaSetSpec
from k8s_actors.messages import KubectlResult
from tests.components.kubectl.conftest import Shell, shell

replace = msgspec.structs.replace


async def _status(sh: Shell, **fields: Any) -> None:
    deployment = await sh.get("deployments", "nginx")
    fields.setdefault("observed_generation", deployment.metadata.generation)
    await sh.update_status(replace(deployment, status=DeploymentStatus(**fields)))


def test_rollout_status_prints_each_stage_until_done() -> None:
    """Each status change prints kubectl's line; success ends the watch."""

    async def body(sh: Shell) -> KubectlResult:
        await sh.ok("create deployment nginx --image=nginx --replicas=3")
        await _status(sh, replicas=3, updated_replicas=1)

        async def step(**fields: Any) -> None:
            await _status(sh, **fields)

        return await sh.during(
            "rollout status deployment/nginx",
            (1.0, lambda: step(replicas=4, updated_replicas=3)),
            (2.0, lambda: step(replicas=3, updated_replicas=3, available_replicas=1)),
            (3.0, lambda: step(replicas=3, updated_replicas=3, available_replicas=3)),
        )

    result = shell(body)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        'Waiting for deployment "nginx" rollout to finish: 1 out of 3 new replicas have been '
        "updated...",
        'Waiting for deployment "nginx" rollout to finish: 1 old replicas are pending '
        "termination...",
        'Waiting for deployment "nginx" rollout to finish: 1 of 3 updated replicas are '
        "available...",
        'deployment "nginx" successfully rolled out',
    ]


def test_rollout_status_times_out() -> None:
    """An unobserved generation waits, then --timeout ends it."""

    async def body(sh: Shell) -> KubectlResult:
        await sh.ok("create deployment nginx --image=nginx")
        return await sh("rollout status deploy/nginx --timeout=20s")

    result = shell(body)
    assert result.stdout == "Waiting for deployment spec update to be observed...\n"
    assert result.stderr == "error: timed out waiting for the condition\n"


def test_rollout_status_reports_progress_deadline() -> None:
    """A Progressing condition with ProgressDeadlineExceeded is an error."""
    from k8s_actors.api.objects.workloads import WorkloadCondition

    async def body(sh: Shell) -> KubectlResult:
        await sh.ok("create deployment nginx --image=nginx")
        condition = WorkloadCondition(
            type="Progressing", status="False", reason="ProgressDeadlineExceeded"
        )
        await _status(sh, conditions=(condition,))
        return await sh("rollout status deploy/nginx")

    assert shell(body).stderr == 'error: deployment "nginx" exceeded its progress deadline\n'


async def _revisions(sh: Shell) -> Any:
    """The deployment at nginx:3, with ReplicaSets for revisions 1 (nginx:1) .. 3 (nginx:3)."""
    await sh.ok("create deployment nginx --image=nginx:3")
    deployment = await sh.get("deployments", "nginx")
    owner = OwnerReference(
        api_version="apps/v1",
        kind="Deployment",
        name="nginx",
        uid=deployment.metadata.uid,
        controller=True,
    )
    for revision in (1, 2, 3):
        template = deployment.spec.template
        container = replace(template.spec.containers[0], image=f"nginx:{revision}")
        labels = {**template.metadata.labels, "pod-template-hash": f"h{revision}"}
        template = replace(
            template,
            metadata=replace(template.metadata, labels=labels),
            spec=replace(template.spec, containers=(container,)),
        )
        await sh.create(
            ReplicaSet(
                metadata=ObjectMeta(
                    name=f"nginx-h{revision}",
                    namespace="default",
                    labels=labels,
                    annotations={"deployment.kubernetes.io/revision": str(revision)},
                    owner_references=(owner,),
                ),
                spec=ReplicaSetSpec(
                    replicas=0, selector=deployment.spec.selector, template=template
                ),
            )
        )
    return deployment


def test_rollout_undo_copies_the_previous_template() -> None:
    """undo takes revision 2's template (without its hash label) into the Deployment."""

    async def body(sh: Shell) -> tuple[str, Any]:
        await _revisions(sh)
        out = await sh.ok("rollout undo deployment/nginx")
        return out, await sh.get("deployments", "nginx")

    out, deployment = shell(body)
    assert out == "deployment.apps/nginx rolled back\n"
    assert deployment.spec.template.spec.containers[0].image == "nginx:2"
    assert "pod-template-hash" not in deployment.spec.template.metadata.labels


def test_rollout_undo_to_revision_and_its_refusals() -> None:
    """--to-revision picks one; the current template is skipped; unknown ones fail."""

    async def body(sh: Shell) -> list[KubectlResult]:
        await _revisions(sh)
        return [
            await sh("rollout undo deployment/nginx --to-revision=3"),
            await sh("rollout undo deployment/nginx --to-revision=1"),
            await sh("rollout undo deployment/nginx --to-revision=9"),
        ]

    skipped, done, missing = shell(body)
    assert skipped.stdout == (
        "deployment.apps/nginx skipped rollback (current template already matches revision 3)\n"
    )
    assert done.stdout == "deployment.apps/nginx rolled back\n"
    assert missing.stderr == "error: unable to find specified revision 9 in history\n"


def test_rollout_undo_without_history() -> None:
    """No older revision: kubectl's message."""

    async def body(sh: Shell) -> KubectlResult:
        await sh.ok("create deployment nginx --image=nginx")
        return await sh("rollout undo deployment/nginx")

    assert shell(body).stderr == 'error: no rollout history found for deployment "nginx"\n'


def test_rollout_history_lists_revisions() -> None:
    """REVISION and CHANGE-CAUSE, aligned as kubectl's tabwriter does."""

    async def body(sh: Shell) -> str:
        await _revisions(sh)
        return await sh.ok("rollout history deployment/nginx")

    assert shell(body) == (
        "deployment.apps/nginx \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n"
        "3         <none>\n\n"
    )


def test_pause_resume_and_restart() -> None:
    """pause/resume patch spec.paused; restart stamps restartedAt from the simulated clock."""

    async def body(sh: Shell) -> tuple[list[KubectlResult], Any]:
        await sh.ok("create deployment nginx --image=nginx")
        results = [
            await sh("rollout pause deployment/nginx"),
            await sh("rollout pause deployment/nginx"),
            await sh("rollout restart deployment/nginx"),
            await sh("rollout resume deployment/nginx"),
            await sh("rollout resume deployment/nginx"),
        ]
        await sh.clock.sleep(60)
        results.append(await sh("rollout restart deployment/nginx"))
        return results, await sh.get("deployments", "nginx")

    results, deployment = shell(body)
    assert [r.stdout or r.stderr for r in results] == [
        "deployment.apps/nginx paused\n",
        'error: deployments.apps "nginx" is already paused\n',
        'error: deployments.apps "nginx" can\'t restart paused deployment (run rollout resume '
        "first)\n",
        "deployment.apps/nginx resumed\n",
        'error: deployments.apps "nginx" is not paused\n',
        "deployment.apps/nginx restarted\n",
    ]
    annotations = deployment.spec.template.metadata.annotations
    assert annotations == {"kubectl.kubernetes.io/restartedAt": "2025-01-01T00:01:00Z"}
