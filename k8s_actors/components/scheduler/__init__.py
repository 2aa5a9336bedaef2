"""kube-scheduler: places pending pods on nodes with Kubernetes' default plugins and weights.

`KubeScheduler` is the actor (address "kube-scheduler", leader-elected); `Scheduler` is its
synchronous core (filter, score, select) over a `Cache` and a `Framework`, usable directly.
"""

from k8s_actors.components.scheduler.agent import (
    SCHEDULER_ADDRESS,
    SCHEDULER_NAME,
    KubeScheduler,
    LeadershipLost,
)
from k8s_actors.components.scheduler.cache import Cache
from k8s_actors.components.scheduler.core import NoNodesAvailable, Scheduler, ScheduleResult
from k8s_actors.components.scheduler.framework import (
    MAX_NODE_SCORE,
    Code,
    CycleState,
    FitError,
    Framework,
    Handle,
    Plugin,
    Status,
)
from k8s_actors.components.scheduler.numfeasible import num_feasible_nodes_to_find
from k8s_actors.components.scheduler.plugins import (
    DEFAULT_PLUGINS,
    DEFAULT_WEIGHTS,
    default_framework,
)
from k8s_actors.components.scheduler.podinfo import PodInfo
from k8s_actors.components.scheduler.queue import SchedulingQueue

__all__ = [
    "DEFAULT_PLUGINS",
    "DEFAULT_WEIGHTS",
    "MAX_NODE_SCORE",
    "SCHEDULER_ADDRESS",
    "SCHEDULER_NAME",
    "Cache",
    "Code",
    "CycleState",
    "FitError",
    "Framework",
    "Handle",
    "KubeScheduler",
    "LeadershipLost",
    "NoNodesAvailable",
    "Plugin",
    "PodInfo",
    "ScheduleResult",
    "Scheduler",
    "SchedulingQueue",
    "Status",
    "default_framework",
    "num_feasible_nodes_to_find",
]
