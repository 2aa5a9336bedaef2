"""The kubelet actor of one node, at address "kubelet/<node>".

Role: what the kubelet process does around its pod workers. It registers its Node (capacity,
labels, taints plus node.kubernetes.io/not-ready:NoSchedule, addresses, nodeInfo), waits a few
seconds for the node IPAM controller to give it a podCIDR, renews its Lease in kube-node-lease
every 10 s and posts node status (`nodestatus`), watches only its own pods (field selector
spec.nodeName=<node>), admits each new pod in creation order (`admission`) and hands it to a
`worker.PodWorker`. When it starts with a runtime that already holds containers (after a crash
or a node coming back) it adopts those of pods it still has and kills the others. Every 10 s
(the status manager's syncPeriod) it rewrites the status of each pod whose API copy diverged
from the kubelet's own (Ready=False set by the node lifecycle controller, say).
Neighbours: `nodestatus` (Node and Lease), `worker` (pod workers), `runtime` (owned by the
cluster), `k8s_actors.client` (API client and informers).
"""

from __future__ import annotations

from typing import Any

from k8s_actors.api.objects.cluster import Node
from k8s_actors.api.objects.pod import Pod
from k8s_actors.client import ComponentActor, Informer, SharedInformerFactory
from k8s_actors.client.events import EventRecorder
from k8s_actors.components.kubelet import nodestatus
from k8s_actors.components.kubelet.admission import admit
from k8s_actors.components.kubelet.config import ImageCatalogue, NodeConfig
from k8s_actors.components.kubelet.exec import ExecServer  # traffic: exec and HTTP
from k8s_actors.components.kubelet.nettraffic import serve as serve_http  # traffic
from k8s_actors.components.kubelet.node import NodeContext
from k8s_actors.components.kubelet.runtime import NodeRuntime
from k8s_actors.components.kubelet.status import TERMINAL_PHASES
from k8s_actors.components.kubelet.worker import PodWorker
from k8s_actors.kernel import Envelope, TraceContext
from k8s_actors.messages import ExecRequest, HttpRequest, UserInfo, kubelet_address


class Kubelet(ComponentActor):
    """One node's kubelet; `runtime` outlives the actor (it is the node's containerd)."""

    def __init__(
        self,
        config: NodeConfig,
        runtime: NodeRuntime,
        catalogue: ImageCatalogue | None = None,
        *,
        cidr_wait: float = nodestatus.POD_CIDR_WAIT,
    ) -> None:
        user = UserInfo(username=f"system:node:{config.name}", groups=("system:nodes",))
        super().__init__(kubelet_address(config.name), user=user, user_agent="kubelet")
        self.config = config
        self.runtime = runtime
        self.catalogue = catalogue or ImageCatalogue()
        self.cidr_wait = cidr_wait
        self.workers: dict[str, PodWorker] = {}
        self.node: NodeContext | None = None
        self.pods: Informer | None = None
        self.nodes: Informer | None = None

    async def started(self) -> None:
        ctx = self.ctx
        self.node = NodeContext(
            ctx=ctx,
            api=self.api,
            config=self.config,
            runtime=self.runtime,
            catalogue=self.catalogue,
            events=EventRecorder(self.api, "kubelet", ctx.log, host=self.config.name),
        )
        self.runtime.listener = self._runtime_changed
        ctx.tasks.start_soon(self._main)

    async def _main(self) -> None:
        node = self.node
        assert node is not None
        informers = SharedInformerFactory(self.api)
        self.nodes = informers.informer(Node, field_selector=f"metadata.name={self.config.name}")
        status = nodestatus.NodeStatusLoop(node, self.nodes, self.cidr_wait)
        await status.register()
        informers.start()
        await status.wait_for_pod_cidr()
        self.ctx.tasks.start_soon(status.run)
        self.ctx.tasks.start_soon(nodestatus.renew_lease_forever, node)
        self.pods = informers.informer(Pod, field_selector=f"spec.nodeName={self.config.name}")
        self.pods.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)
        informers.start()
        await self.pods.wait_synced()
        self._reconcile_runtime()
        status.after_sync = self._reconcile_statuses

    # -- pod events --------------------------------------------------------------------------------

    def _pod_added(self, pod: Pod, span: TraceContext | None) -> None:
        worker = self.workers.get(pod.metadata.uid)
        if worker is not None:
            worker.update(pod, span)
            return
        node = self.node
        assert node is not None
        node.log.info("kubelet_pod_observed", ctx=node.ctx.child_span(span), obj=pod)
        rejection = ("", "")
        terminal = pod.status.phase in TERMINAL_PHASES
        adopted = self.runtime.sandbox_of(pod.metadata.uid) is not None
        if not terminal and not adopted and pod.metadata.deletion_timestamp is None:
            rejection = admit(pod, self._admitted(), self.config.allocatable)
            admit_span = node.ctx.child_span(span)
            if rejection[0]:
                node.log.info("kubelet_pod_rejected", ctx=admit_span, obj=pod, reason=rejection[0])
            else:
                node.log.info("kubelet_pod_admitted", ctx=admit_span, obj=pod)
        worker = PodWorker(node, pod, span, rejection)
        worker.finished = terminal
        self.workers[pod.metadata.uid] = worker
        self.ctx.tasks.start_soon(self._run_worker, worker)

    def _admitted(self) -> list[Pod]:
        return [
            w.pod
            for w in self.workers.values()
            if not w.rejection[0] and not w.finished and not w.done
        ]

    def _pod_updated(self, old: Pod, new: Pod, span: TraceContext | None) -> None:
        worker = self.workers.get(new.metadata.uid)
        if worker is None:
            self._pod_added(new, span)
        else:
            worker.update(new, span)

    def _pod_deleted(self, pod: Any, span: TraceContext | None) -> None:
        worker = self.workers.get(pod.metadata.uid)
        if worker is not None:
            worker.deleted(span)

    async def _run_worker(self, worker: PodWorker) -> None:
        try:
            await worker.run()
        finally:
            if self.workers.get(worker.uid) is worker:
                del self.workers[worker.uid]

    def _runtime_changed(self, pod_uid: str) -> None:
        worker = self.workers.get(pod_uid)
        if worker is not None:
            worker.poke()

    async def _reconcile_statuses(self) -> None:
        """syncBatch's reconcile, run on the node status tick (every 10 s, as syncPeriod):
        rewrite each pod status whose API copy diverged from the kubelet's own."""
        for worker in list(self.workers.values()):
            if worker.status_diverged():
                await worker.reconcile_status(self.ctx.child_span(None))

    # -- traffic: kubectl exec and HTTP to this node's pods (modules `exec`, `nettraffic`) ---------

    def receive(self, envelope: Envelope) -> None:
        node, payload = self.node, envelope.payload
        if node is None:
            return  # not started: like a node whose kubelet is not up, nothing answers
        span = self.ctx.child_span(envelope.ctx)
        if isinstance(payload, HttpRequest):
            self.ctx.reply(envelope, serve_http(node, self._pods, payload, span), span)
        elif isinstance(payload, ExecRequest):
            self.ctx.tasks.start_soon(self._exec, node, envelope, payload, span)

    def _pods(self) -> list[Pod]:
        return [worker.pod for worker in self.workers.values()]

    async def _exec(
        self, node: NodeContext, envelope: Envelope, request: ExecRequest, span: TraceContext
    ) -> None:
        result = await ExecServer(node, self._pods).run(request, span)
        self.ctx.reply(envelope, result, span)

    # -- restart -----------------------------------------------------------------------------------

    def _reconcile_runtime(self) -> None:
        """Kill what the runtime runs for pods this node no longer has (deleted meanwhile)."""
        node = self.node
        assert node is not None
        now = node.now
        node.runtime.settle(now)
        if "kubeletKeepsPodsOfDeletedNode" in self.config.mutants:
            return  # the mutant leaves the containers of pods deleted meanwhile running
        for uid in node.runtime.pod_uids():
            if uid in self.workers:
                continue
            for container in node.runtime.containers_of(uid):
                if container.state == "running":
                    node.runtime.stop_container(container.id, now)
            sandbox = node.runtime.remove_pod_sandbox(uid)
            node.runtime.ipam.delete(uid)
            name = sandbox.name if sandbox is not None else ""
            node.log.info("kubelet_orphan_killed", pod_uid=uid, pod=name)
