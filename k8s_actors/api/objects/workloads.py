"""Workload kinds of apps/v1: Deployment and ReplicaSet (DaemonSet, StatefulSet, Job go here too).

Role: the controllers' desired state (spec) and observed state (status). Neighbours: `pod`
(PodTemplateSpec), `labels` (selector), `defaults.workloads`, `validation.workloads`.
"""

from __future__ import annotations

import msgspec

from k8s_actors.api.labels import LabelSelector
from k8s_actors.api.meta import Model, ObjectMeta
from k8s_actors.api.objects.common import IntOrString, fixed
from k8s_actors.api.objects.pod import PodTemplateSpec


class WorkloadCondition(Model, frozen=True):
    """DeploymentCondition / ReplicaSetCondition (Available, Progressing, ReplicaFailure)."""

    type: str
    status: str
    last_update_time: str | None = None
    last_transition_time: str | None = None
    reason: str = ""
    message: str = ""


class RollingUpdateDeployment(Model, frozen=True):
    """maxSurge / maxUnavailable: an absolute count or a percentage of desired replicas."""

    max_unavailable: IntOrString | None = None
    max_surge: IntOrString | None = None


class DeploymentStrategy(Model, frozen=True):
    """type RollingUpdate (default) or Recreate."""

    type: str = ""
    rolling_update: RollingUpdateDeployment | None = None


class DeploymentSpec(Model, frozen=True):
    replicas: int | None = None
    selector: LabelSelector | None = None
    template: PodTemplateSpec = msgspec.field(default_factory=PodTemplateSpec)
    strategy: DeploymentStrategy = msgspec.field(default_factory=DeploymentStrategy)
    min_ready_seconds: int = 0
    revision_history_limit: int | None = None
    paused: bool = False
    progress_deadline_seconds: int | None = None


class DeploymentStatus(Model, frozen=True):
    observed_generation: int = 0
    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    unavailable_replicas: int = 0
    terminating_replicas: int | None = None
    conditions: tuple[WorkloadCondition, ...] = ()
    collision_count: int | None = None


class Deployment(Model, frozen=True):
    """apps/v1 Deployment."""

    api_version: str = fixed("apps/v1")
    kind: str = fixed("Deployment")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: DeploymentSpec = msgspec.field(default_factory=DeploymentSpec)
    status: DeploymentStatus = msgspec.field(default_factory=DeploymentStatus)


class ReplicaSetSpec(Model, frozen=True):
    replicas: int | None = None
    min_ready_seconds: int = 0
    selector: LabelSelector | None = None
    template: PodTemplateSpec = msgspec.field(default_factory=PodTemplateSpec)


class ReplicaSetStatus(Model, frozen=True):
    replicas: int = 0
    fully_labeled_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    terminating_replicas: int | None = None
    observed_generation: int = 0
    conditions: tuple[WorkloadCondition, ...] = ()


class ReplicaSet(Model, frozen=True):
    """apps/v1 ReplicaSet."""

    api_version: str = fixed("apps/v1")
    kind: str = fixed("ReplicaSet")
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: ReplicaSetSpec = msgspec.field(default_factory=ReplicaSetSpec)
    status: ReplicaSetStatus = msgspec.field(default_factory=ReplicaSetStatus)
