"""What every pod worker of a kubelet shares: the node, its runtime, back-offs and clients.

Role: one object handed from the kubelet actor to its pod workers, so that workers reach the API
client, the Event recorder, the runtime, the image catalogue, the back-offs (one for image pulls,
one for crashed containers, node-wide as in the kubelet) and the lock that serialises image pulls
(serializeImagePulls defaults to true). `requeue_delay` is the pod worker's back-off after a
failed sync: 10 s with up to 50 % jitter from the run's generator (pod_workers.go).
Neighbours: `agent` (builds it), `worker` and `containers` (use it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio

from k8s_actors.client import ApiClient
from k8s_actors.client.events import EventRecorder
from k8s_actors.components.kubelet.backoff import BackOff
from k8s_actors.components.kubelet.config import ImageCatalogue, NodeConfig
from k8s_actors.components.kubelet.runtime import NodeRuntime
from k8s_actors.kernel import ActorContext, Logger

WORKER_BACKOFF = 10.0
WORKER_BACKOFF_JITTER = 0.5


@dataclass
class NodeContext:
    ctx: ActorContext
    api: ApiClient
    config: NodeConfig
    runtime: NodeRuntime
    catalogue: ImageCatalogue
    events: EventRecorder
    crash_backoff: BackOff = field(default_factory=BackOff)
    pull_backoff: BackOff = field(default_factory=BackOff)
    pull_lock: anyio.Lock = field(default_factory=anyio.Lock)

    @property
    def log(self) -> Logger:
        return self.ctx.log

    @property
    def now(self) -> float:
        return self.ctx.clock.now()

    def stamp(self, at: float) -> str:
        return self.ctx.clock.timestamp(at)

    def requeue_delay(self) -> float:
        return WORKER_BACKOFF * (1.0 + WORKER_BACKOFF_JITTER * self.ctx.rng.random())
