"""The kubelet's Node: registration, podCIDR, status updates and the node Lease.

Role: kubelet_node_status.go and nodelease/ of pkg/kubelet. Registration creates the Node with
capacity and allocatable, the labels kubernetes.io/hostname, kubernetes.io/os=linux and
kubernetes.io/arch=amd64, the scenario's taints plus node.kubernetes.io/not-ready:NoSchedule,
addresses (InternalIP, Hostname), nodeInfo and Ready=False until the pod network can work. The
kubelet then waits up to `POD_CIDR_WAIT` seconds for spec.podCIDR (given by the node IPAM
controller); without one it goes on and says so, and its pods cannot get an IP. Status is computed
every 10 s (nodeStatusUpdateFrequency) and posted when it changed or at least every 5 minutes
(nodeStatusReportFrequency); the Lease kube-node-lease/<node> (40 s) is renewed every 10 s.
Neighbours: `agent` (runs these), `node` (shared context), the Node informer of the agent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import msgspec

from k8s_actors.api.meta import ObjectMeta, OwnerReference
from k8s_actors.api.objects.cluster import (
    DaemonEndpoint,
    Lease,
    LeaseSpec,
    Node,
    NodeAddress,
    NodeCondition,
    NodeDaemonEndpoints,
    NodeSpec,
    NodeStatus,
    NodeSystemInfo,
)
from k8s_actors.api.objects.scheduling import Taint
from k8s_actors.client import AlreadyExists, ApiError, Conflict, Informer, NotFound
from k8s_actors.components.kubelet.node import NodeContext
from k8s_actors.components.kubelet.runtime import RUNTIME_VERSION

POD_CIDR_WAIT = 5.0
STATUS_UPDATE_FREQUENCY = 10.0
STATUS_REPORT_FREQUENCY = 300.0
LEASE_DURATION = 40
LEASE_RENEW_INTERVAL = 10.0
LEASE_NAMESPACE = "kube-node-lease"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
KUBELET_VERSION = "v1.32.0"
KUBELET_PORT = 10250
NETWORK_NOT_READY = (
    "container runtime network not ready: NetworkReady=false "
    "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"
)
replace = msgspec.structs.replace

# type, reason, message of the conditions of a healthy node (kubelet_node_status.go setters).
_HEALTHY = (
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
)


def node_conditions(
    ready: bool, now: str, old: tuple[NodeCondition, ...]
) -> tuple[NodeCondition, ...]:
    """The four conditions with heartbeat `now`, keeping transition times that did not change."""
    before = {condition.type: condition for condition in old}
    wanted = [(kind, "False", reason, message) for kind, reason, message in _HEALTHY]
    if ready:
        wanted.append(("Ready", "True", "KubeletReady", "kubelet is posting ready status"))
    else:
        wanted.append(("Ready", "False", "KubeletNotReady", NETWORK_NOT_READY))
    conditions = []
    for kind, status, reason, message in wanted:
        previous = before.get(kind)
        changed = previous is None or previous.status != status
        conditions.append(
            NodeCondition(
                type=kind,
                status=status,
                reason=reason,
                message=message,
                last_heartbeat_time=now,
                last_transition_time=now
                if changed or previous is None
                else previous.last_transition_time,
            )
        )
    return tuple(conditions)


def initial_node(node: NodeContext, now: str) -> Node:
    config = node.config
    labels = {
        **config.labels,
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": config.name,
        "kubernetes.io/os": "linux",
    }
    taints = [Taint(key=t.key, value=t.value, effect=t.effect) for t in config.taints]
    taints.append(Taint(key=NOT_READY_TAINT, effect="NoSchedule"))
    system_uuid = node.ctx.ids.uid()
    return Node(
        metadata=ObjectMeta(
            name=config.name,
            labels=dict(sorted(labels.items())),
            annotations={"volumes.kubernetes.io/controller-managed-attach-detach": "true"},
        ),
        spec=NodeSpec(taints=tuple(taints)),
        status=NodeStatus(
            capacity=dict(config.capacity),
            allocatable=dict(config.allocatable),
            conditions=node_conditions(False, now, ()),
            addresses=(
                NodeAddress(type="InternalIP", address=config.internal_ip),
                NodeAddress(type="Hostname", address=config.name),
            ),
            daemon_endpoints=NodeDaemonEndpoints(
                kubelet_endpoint=DaemonEndpoint(port=KUBELET_PORT)
            ),
            node_info=NodeSystemInfo(
                machine_id=system_uuid.replace("-", ""),
                system_uuid=system_uuid,
                boot_id=node.ctx.ids.uid(),
                kernel_version="6.8.0-simulated",
                os_image="Debian GNU/Linux 12 (bookworm)",
                container_runtime_version=RUNTIME_VERSION,
                kubelet_version=KUBELET_VERSION,
                kube_proxy_version=KUBELET_VERSION,
                operating_system="linux",
                architecture="amd64",
            ),
        ),
    )


def _status_key(status: NodeStatus) -> NodeStatus:
    """The status without heartbeat times: what "changed" means for reporting."""
    conditions = tuple(replace(c, last_heartbeat_time=None) for c in status.conditions)
    return replace(status, conditions=conditions)


class NodeStatusLoop:
    """Registration and the periodic node status of one kubelet."""

    def __init__(self, node: NodeContext, informer: Informer, cidr_wait: float) -> None:
        self.node = node
        self.informer = informer
        self.cidr_wait = cidr_wait
        self.network_ready = False
        self.uid = ""
        self._posted: NodeStatus | None = None
        self._posted_at = 0.0
        # Work that shares this 10 s tick (the agent's pod status reconcile): a timer of its
        # own would reorder the timers that fall due at one instant.
        self.after_sync: Callable[[], Awaitable[None]] | None = None

    async def register(self) -> None:
        node = self.node
        span = node.ctx.child_span(None)
        wanted = initial_node(node, node.stamp(node.now))
        while True:
            try:
                created = await node.api.create(wanted, span=span)
                node.log.info("kubelet_node_registered", ctx=span, obj=created)
                self.uid = created.metadata.uid
                return
            except AlreadyExists:
                existing = await node.api.get(Node, "", node.config.name, span=span)
                self.uid = existing.metadata.uid
                node.log.info("kubelet_node_registered", ctx=span, obj=existing, existed=True)
                return
            except ApiError as error:
                node.log.warning("kubelet_node_register_failed", ctx=span, error=str(error))
                await node.ctx.clock.sleep(7.0)  # the kubelet retries registration with back-off

    def _current(self) -> Node | None:
        found: Node | None = self.informer.lister.get("", self.node.config.name)
        return found

    async def wait_for_pod_cidr(self) -> None:
        node = self.node
        deadline = node.now + self.cidr_wait
        while node.now < deadline:
            current = self._current()
            if current is not None and current.spec.pod_cidr:
                self._use_cidr(current.spec.pod_cidr)
                return
            await node.ctx.clock.sleep(0.5)
        node.log.warning("kubelet_pod_cidr_missing", node=node.config.name, waited=self.cidr_wait)
        self.network_ready = True  # go on: pods will fail to get an IP

    def _use_cidr(self, cidr: str) -> None:
        node = self.node
        if node.runtime.ipam.cidr != cidr:
            node.runtime.ipam.set_range(cidr)
            node.log.info("kubelet_pod_cidr_assigned", node=node.config.name, cidr=cidr)
        self.network_ready = True

    async def run(self) -> None:
        node = self.node
        while True:
            try:
                await self.sync()
            except ApiError as error:
                node.log.warning("kubelet_node_status_failed", error=str(error))
            if self.after_sync is not None:
                await self.after_sync()
            await node.ctx.clock.sleep(STATUS_UPDATE_FREQUENCY)

    async def sync(self) -> None:
        node = self.node
        current = self._current()
        if current is None:
            current = await node.api.get(Node, "", node.config.name)
        if current.spec.pod_cidr:
            self._use_cidr(current.spec.pod_cidr)
        now = node.stamp(node.now)
        status = replace(
            current.status,
            conditions=node_conditions(self.network_ready, now, current.status.conditions),
        )
        changed = self._posted is None or _status_key(status) != _status_key(self._posted)
        if changed or node.now - self._posted_at >= STATUS_REPORT_FREQUENCY:
            span = node.ctx.child_span(None)
            try:
                stored = await node.api.update_status(replace(current, status=status), span=span)
            except Conflict:
                return  # the next round works from the newer Node
            self._posted, self._posted_at = status, node.now
            node.log.info(
                "kubelet_node_status_updated", ctx=span, obj=stored, ready=self.network_ready
            )
            current = stored
        if self.network_ready:
            await self._untaint(current)

    async def _untaint(self, current: Node) -> None:
        """Drop node.kubernetes.io/not-ready:NoSchedule once Ready (what the node lifecycle
        controller does in Kubernetes; harmless when it does it too)."""
        taints = current.spec.taints
        kept = tuple(
            t for t in taints if not (t.key == NOT_READY_TAINT and t.effect == "NoSchedule")
        )
        if kept == taints:
            return
        try:
            await self.node.api.update(replace(current, spec=replace(current.spec, taints=kept)))
        except (Conflict, NotFound):
            return


async def renew_lease_forever(node: NodeContext) -> None:
    """Create, then renew kube-node-lease/<node> every 10 s (nodelease/controller.go)."""
    name = node.config.name
    lease: Lease | None = None
    while True:
        span = node.ctx.child_span(None)
        renew = node.ctx.clock.micro_timestamp()
        try:
            lease = await _renew(node, lease, renew)
            node.log.debug("kubelet_lease_renewed", ctx=span, obj=lease)
        except ApiError as error:
            lease = None
            node.log.warning("kubelet_lease_renew_failed", ctx=span, node=name, error=str(error))
        await node.ctx.clock.sleep(LEASE_RENEW_INTERVAL)


async def _renew(node: NodeContext, lease: Lease | None, renew: str) -> Lease:
    name = node.config.name
    api = node.api
    if lease is None:
        try:
            lease = await api.get(Lease, LEASE_NAMESPACE, name)
        except NotFound:
            owner = await api.get(Node, "", name)
            fresh = Lease(
                metadata=ObjectMeta(
                    name=name,
                    namespace=LEASE_NAMESPACE,
                    owner_references=(
                        OwnerReference(
                            api_version="v1", kind="Node", name=name, uid=owner.metadata.uid
                        ),
                    ),
                ),
                spec=LeaseSpec(
                    holder_identity=name, lease_duration_seconds=LEASE_DURATION, renew_time=renew
                ),
            )
            created: Lease = await api.create(fresh)
            return created
    updated: Lease = await api.update(replace(lease, spec=replace(lease.spec, renew_time=renew)))
    return updated
