"""Pod predicates shared by the workload controllers (ReplicaSet, Deployment, ...).

Role: the pure helpers of k8s.io/kubernetes/pkg/api/v1/pod/util.go (readiness, availability,
conditions) and pkg/controller/controller_utils.go (active pods). They await nothing and read
no clock: callers pass "now" and a timestamp parser (`Clock.now`, `Clock.parse_timestamp`).
Neighbours: `controller_utils` (ranking, expectations, ownership), `replicaset`, `deployment*`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from k8s_actors.api.objects.pod import Pod, PodCondition

POD_SUCCEEDED = "Succeeded"
POD_FAILED = "Failed"
POD_READY = "Ready"
CONDITION_TRUE = "True"


def pod_key(pod: Pod) -> str:
    """The workqueue / expectations key of a pod: "namespace/name" (or "name" if cluster-scoped)."""
    meta = pod.metadata
    return f"{meta.namespace}/{meta.name}" if meta.namespace else meta.name


def get_pod_condition(pod: Pod, condition_type: str) -> PodCondition | None:
    """The pod's condition of that type, or None."""
    for condition in pod.status.conditions:
        if condition.type == condition_type:
            return condition
    return None


def is_pod_ready(pod: Pod) -> bool:
    """True when the Ready condition is "True" (pkg/api/v1/pod/util.go IsPodReady)."""
    condition = get_pod_condition(pod, POD_READY)
    return condition is not None and condition.status == CONDITION_TRUE


def is_pod_available(
    pod: Pod,
    min_ready_seconds: int,
    now_seconds: float,
    parse_ts: Callable[[str], float],
) -> bool:
    """Ready, and Ready for strictly more than minReadySeconds (util.go IsPodAvailable).

    Kubernetes checks `lastTransitionTime + minReadySeconds` is Before(now): a pod that became
    ready exactly minReadySeconds ago is not yet available. A Ready condition without a
    transition time is never available unless minReadySeconds is 0.
    """
    if not is_pod_ready(pod):
        return False
    if min_ready_seconds == 0:
        return True
    condition = get_pod_condition(pod, POD_READY)
    if condition is None or not condition.last_transition_time:
        return False
    return parse_ts(condition.last_transition_time) + min_ready_seconds < now_seconds


def is_pod_active(pod: Pod) -> bool:
    """Not Succeeded, not Failed and not being deleted (controller_utils.go IsPodActive)."""
    phase = pod.status.phase
    return (
        phase != POD_SUCCEEDED and phase != POD_FAILED and pod.metadata.deletion_timestamp is None
    )


def filter_active_pods(pods: Iterable[Pod]) -> list[Pod]:
    """The active pods, in their given order (controller_utils.go FilterActivePods)."""
    return [pod for pod in pods if is_pod_active(pod)]
