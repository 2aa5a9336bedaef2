"""Defaults of apps/v1 Deployment and ReplicaSet.

Role: pkg/apis/apps/v1/defaults.go (replicas 1, RollingUpdate with 25%/25%, revision
history 10, progress deadline 600s) plus the pod template defaults. Neighbours:
`defaults.pod`, `objects.workloads`.
"""

from __future__ import annotations

from typing import Any

from msgspec.structs import replace

from k8s_actors.api.defaults.pod import default_pod_template
from k8s_actors.api.objects.workloads import (
    Deployment,
    DeploymentStrategy,
    ReplicaSet,
    RollingUpdateDeployment,
)

DEFAULT_MAX_SURGE = "25%"
DEFAULT_MAX_UNAVAILABLE = "25%"
DEFAULT_REVISION_HISTORY_LIMIT = 10
DEFAULT_PROGRESS_DEADLINE_SECONDS = 600


def _default_strategy(strategy: DeploymentStrategy) -> DeploymentStrategy:
    kind = strategy.type or "RollingUpdate"
    if kind != "RollingUpdate":
        return replace(strategy, type=kind)
    rolling = strategy.rolling_update or RollingUpdateDeployment()
    rolling = replace(
        rolling,
        max_unavailable=(
            DEFAULT_MAX_UNAVAILABLE if rolling.max_unavailable is None else rolling.max_unavailable
        ),
        max_surge=DEFAULT_MAX_SURGE if rolling.max_surge is None else rolling.max_surge,
    )
    return replace(strategy, type=kind, rolling_update=rolling)


def default_deployment(deployment: Deployment) -> Deployment:
    spec = deployment.spec
    changes: dict[str, Any] = {
        "template": default_pod_template(spec.template),
        "strategy": _default_strategy(spec.strategy),
    }
    if spec.replicas is None:
        changes["replicas"] = 1
    if spec.revision_history_limit is None:
        changes["revision_history_limit"] = DEFAULT_REVISION_HISTORY_LIMIT
    if spec.progress_deadline_seconds is None:
        changes["progress_deadline_seconds"] = DEFAULT_PROGRESS_DEADLINE_SECONDS
    return replace(deployment, spec=replace(spec, **changes))


def default_replica_set(replica_set: ReplicaSet) -> ReplicaSet:
    spec = replica_set.spec
    changes: dict[str, Any] = {"template": default_pod_template(spec.template)}
    if spec.replicas is None:
        changes["replicas"] = 1
    return replace(replica_set, spec=replace(spec, **changes))
