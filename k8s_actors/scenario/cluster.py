"""`Cluster`: the Python API that starts a simulated cluster and drives it.

Role: the one object tests, users and the scenario runner hold. It owns a run's clock, bus, seeded
generator, identifiers, tracer and supervisor, starts the components a `ClusterSpec` asks for
(etcd and kube-apiserver; `controller_managers` instances of kube-controller-manager and the
kubectl actor when those components are installed; kube-scheduler; one kubelet per node, at
"kubelet/<node>" in the node's address group, over a `NodeRuntime` the cluster keeps),
and offers the user's verbs: apply manifests, create / get / list / patch / delete objects, run
kubectl, advance simulated time, wait for a condition. The pod network's routes (`PodNetwork`:
every node's InternalIPs and podCIDR) are infrastructure, not a component: the cluster keeps
them from etcd's store, synchronously, and hands them to every kube-proxy, so no kube-proxy
watches other nodes. Requests travel on the bus from the address
`user`, like any client's; the kubectl actor belongs to the `user` address group too.
Neighbours: `spec` (what to start), `components` (which components exist), `runner` (scenario
files), `k8s_actors.trace`.
"""

from __future__ import annotations

import asyncio
import builtins
import random
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import msgspec

from k8s_actors.api.codec import to_builtins
from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.objects.machinery import DeleteOptions, List
from k8s_actors.api.registry import REGISTRY, ResourceInfo
from k8s_actors.client.errors import (
    AlreadyExists,
    ApiError,
    NotFound,
    error_from_status,
    error_from_transport,
)
from k8s_actors.components.apiserver import APISERVER_ADDRESS, ApiServer
from k8s_actors.components.cloud_controller import CLOUD_CONTROLLER_MANAGER, CloudControllerManager
from k8s_actors.components.dns import CoreDns
from k8s_actors.components.etcd import ETCD_ADDRESS, Etcd
from k8s_actors.components.ingress import INGRESS_CONTROLLER, IngressController
from k8s_actors.components.kube_proxy import KubeProxy, PodNetwork
from k8s_actors.components.kubelet import (
    ImageBehaviour,
    ImageCatalogue,
    Kubelet,
    NodeConfig,
    NodeRuntime,
    TaintConfig,
    kubelet_address,
)
from k8s_actors.components.scheduler import SCHEDULER_ADDRESS, KubeScheduler
from k8s_actors.kernel import (
    ActorSpec,
    Bus,
    Clock,
    IdSource,
    KernelError,
    Supervisor,
    TraceContext,
)
from k8s_actors.messages import (
    ApiResponse,
    Create,
    Delete,
    Get,
    ListRequest,
    Patch,
    Update,
    UserInfo,
)
from k8s_actors.messages.kubectl import KubectlResult, RunKubectl
from k8s_actors.messages.traffic import COREDNS, kube_proxy_address
from k8s_actors.scenario.components import KUBECTL_ADDRESS, controller_manager, kubectl_actor
from k8s_actors.scenario.spec import ClusterSpec, ImageSpec, NodeSpec
from k8s_actors.store import Event, EventType, Store
from k8s_actors.trace import Tracer

USER_ADDRESS = "user"
CONTROL_PLANE = "control-plane"
CONTROLLER_MANAGER = "kube-controller-manager"
# kubectl's own requests time out sooner; this only bounds a kubectl that never answers.
KUBECTL_TIMEOUT = 3600.0
NODES_PREFIX = "/registry/minions/"  # where the API server stores Nodes
Detail = Literal["events", "messages"]


class Cluster:
    """A simulated cluster; use as `async with Cluster(seed=1) as cluster:` on a kernel loop."""

    def __init__(
        self,
        *,
        seed: int = 0,
        trace: Any = None,
        detail: Detail = "events",
        user: str = "kubernetes-admin",
        spec: ClusterSpec | None = None,
        workdir: Path | None = None,
    ) -> None:
        self.seed = seed
        # Where kubectl's `-f FILE` paths are read from: the scenario file's folder.
        self.workdir = workdir
        self.spec = spec or ClusterSpec()
        self.clock = Clock()
        self.rng = random.Random(seed)
        self.ids = IdSource(self.rng)
        self.bus = Bus(self.clock, self.rng)
        self.lines: list[bytes] = []
        self.tracer = Tracer(trace if trace is not None else self.lines, self.clock, detail=detail)
        self.log = self.tracer.logger(USER_ADDRESS)
        self.user = UserInfo(username=user)
        self.etcd_store = Store()
        # What each node's container runtime holds; it outlives the node's kubelet.
        self.node_runtimes = {node.name: NodeRuntime(node.name) for node in self.spec.nodes}
        # The routes between nodes' pod ranges, read by every kube-proxy (see _follow_nodes).
        self.pod_network = PodNetwork()
        self.supervisor = Supervisor(self.bus, self.clock, self.ids, self.rng, self.tracer.logger)

    # -- lifecycle -------------------------------------------------------------------------------

    async def __aenter__(self) -> Cluster:
        self.clock.bind(asyncio.get_running_loop())
        if self.tracer.detail == "messages":
            self.tracer.attach(self.bus)
        self._follow_nodes()
        await self.supervisor.__aenter__()
        if self.spec.mutants:
            # Deliberate defects, for testing the test kit: say so before anything happens.
            self.log.info("mutants_enabled", mutants=list(self.spec.mutants))
        await self.supervisor.start(
            ActorSpec(
                ETCD_ADDRESS,
                lambda: Etcd(ETCD_ADDRESS, self.etcd_store),
                groups=(CONTROL_PLANE,),
            )
        )
        await self.supervisor.start(
            ActorSpec(APISERVER_ADDRESS, ApiServer, groups=(CONTROL_PLANE,))
        )
        await self._wait_until_serving()
        await self._start_controller_managers()
        await self._start_scheduler()
        await self._start_kubectl()
        await self._start_kubelets()
        await self._start_network()
        return self

    def _follow_nodes(self) -> None:
        """Keep `pod_network` in step with every Node write, as it is committed to etcd."""
        for kv in self.etcd_store.range(NODES_PREFIX, prefix=True).kvs:
            self.pod_network.set_node(kv.value)
        self.etcd_store.watch(NODES_PREFIX, prefix=True, callback=self._node_writes)

    def _node_writes(self, events: builtins.list[Event]) -> None:
        for event in events:
            if event.type is EventType.DELETE:
                self.pod_network.remove_node(event.kv.key.removeprefix(NODES_PREFIX))
            else:
                self.pod_network.set_node(event.kv.value)

    async def _start_controller_managers(self) -> None:
        found = controller_manager()
        if found is None:
            return
        factory, controllers = found
        for number in range(1, self.spec.controller_managers + 1):
            name = CONTROLLER_MANAGER if number == 1 else f"{CONTROLLER_MANAGER}-{number}"
            await self.supervisor.start(
                ActorSpec(
                    name,
                    _controller_manager_factory(factory, name, controllers, self._settings()),
                    groups=(CONTROL_PLANE,),
                )
            )

    def _settings(self) -> dict[str, Any]:
        """The component settings, with the mutants (deliberate defects) switched on."""
        return {**self.spec.config, "mutants": tuple(self.spec.mutants)}

    async def _start_scheduler(self) -> None:
        config = self._settings()
        await self.supervisor.start(
            ActorSpec(
                SCHEDULER_ADDRESS,
                lambda: KubeScheduler(SCHEDULER_ADDRESS, settings=config),
                groups=(CONTROL_PLANE,),
            )
        )

    async def _start_kubectl(self) -> None:
        factory = kubectl_actor()
        if factory is not None:
            workdir = self.workdir
            await self.supervisor.start(
                ActorSpec(
                    KUBECTL_ADDRESS,
                    lambda: factory(KUBECTL_ADDRESS, workdir=workdir),
                    groups=(USER_ADDRESS,),
                )
            )
            # The user types into kubectl on their own machine: only kubectl's requests to the
            # cluster cross the network, so network faults never lose the command itself.
            self.bus.mark_local(USER_ADDRESS, KUBECTL_ADDRESS)

    async def _start_kubelets(self) -> None:
        catalogue = _catalogue(self.spec.images)
        for index, node in enumerate(self.spec.nodes):
            config = _node_config(node, index, self.spec.mutants)
            runtime = self.node_runtimes[node.name]
            await self.supervisor.start(
                ActorSpec(
                    kubelet_address(node.name),
                    _kubelet_factory(config, runtime, catalogue),
                    groups=(node.name,),
                )
            )

    async def _start_network(self) -> None:
        """Cluster DNS, one kube-proxy per node beside its kubelet (same address group), and
        when the config asks for them the cloud-controller-manager and the ingress controller."""
        await self.supervisor.start(ActorSpec(COREDNS, CoreDns, groups=(CONTROL_PLANE,)))
        settings = dict(self.spec.config)
        if settings.get("cloudProvider") == "simulated":
            await self.supervisor.start(
                ActorSpec(
                    CLOUD_CONTROLLER_MANAGER,
                    lambda: CloudControllerManager(settings=settings),
                    groups=(CONTROL_PLANE,),
                )
            )
        if settings.get("ingressController") == "nginx":
            await self.supervisor.start(
                ActorSpec(INGRESS_CONTROLLER, IngressController, groups=(CONTROL_PLANE,))
            )
        mode = self.spec.config.get("proxyMode", "iptables")
        for node in self.spec.nodes:
            await self.supervisor.start(
                ActorSpec(
                    kube_proxy_address(node.name),
                    _kube_proxy_factory(node.name, mode, self.pod_network),
                    groups=(node.name,),
                )
            )

    async def stop_node(self, node: str) -> None:
        """The node goes down: its kubelet stops; its containers run on, unseen."""
        await self.supervisor.stop(kubelet_address(node))

    async def start_node(self, node: str) -> None:
        """The node comes back: a fresh kubelet over the runtime it left."""
        await self.supervisor.restart(kubelet_address(node))

    async def __aexit__(self, *exc: object) -> None:
        await self.supervisor.__aexit__(*exc)

    async def _wait_until_serving(self) -> None:
        while True:
            try:
                await self.get("namespaces", "", "kube-system")
                return
            except ApiError:
                await self.clock.sleep(0.1)

    # -- time ------------------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Simulated seconds since the cluster started, to the nanosecond (for reports)."""
        return round(self.clock.now(), 9)

    async def advance(self, seconds: float) -> None:
        """Let the cluster run for `seconds` of simulated time."""
        await self.clock.sleep(seconds)

    async def wait_for(
        self,
        condition: Callable[[], Awaitable[bool]],
        *,
        timeout: float,
        poll: float = 1.0,
    ) -> bool:
        """Check `condition` every `poll` seconds until it holds (True) or `timeout` passes."""
        deadline = self.clock.now() + timeout
        while True:
            if await condition():
                return True
            if self.clock.now() >= deadline:
                return False
            await self.clock.sleep(min(poll, max(0.0, deadline - self.clock.now())))

    # -- API -------------------------------------------------------------------------------------

    async def request(self, payload: Any, span: TraceContext | None = None) -> Any:
        """Send one API request as the user; the object answered, or an ApiError raised."""
        span = span or TraceContext(trace_id=self.ids.trace_id(), span_id=self.ids.span_id())
        try:
            reply = await self.bus.request(USER_ADDRESS, APISERVER_ADDRESS, payload, span)
        except KernelError as error:
            raise error_from_transport(error, APISERVER_ADDRESS) from None
        response = reply.payload
        assert isinstance(response, ApiResponse)
        if not response.ok:
            raise error_from_status(response.status)  # type: ignore[arg-type]
        return response.obj

    @property
    def has_kubectl(self) -> bool:
        return self.supervisor.actor(KUBECTL_ADDRESS) is not None

    async def kubectl(self, command: str, namespace: str = "default") -> KubectlResult:
        """Run one kubectl command line, as typed in a terminal; what the terminal would show."""
        span = TraceContext(trace_id=self.ids.trace_id(), span_id=self.ids.span_id())
        request = RunKubectl(command=command, namespace=namespace)
        reply = await self.bus.request(
            USER_ADDRESS, KUBECTL_ADDRESS, request, span, timeout=KUBECTL_TIMEOUT
        )
        result = reply.payload
        assert isinstance(result, KubectlResult)
        return result

    async def create(self, obj: Any, namespace: str | None = None) -> Any:
        info = REGISTRY.for_object(obj)
        ns = _namespace(info, namespace or obj.metadata.namespace)
        return await self.request(
            Create(resource=info.resource, group=info.group, namespace=ns, body=obj, user=self.user)
        )

    async def get(self, kind: str, namespace: str, name: str) -> Any:
        info = REGISTRY.for_name(kind)
        return await self.request(
            Get(
                resource=info.resource,
                group=info.group,
                namespace=_namespace(info, namespace),
                name=name,
                user=self.user,
            )
        )

    async def list(
        self, kind: str, namespace: str = "", label_selector: str = "", field_selector: str = ""
    ) -> builtins.list[Any]:
        info = REGISTRY.for_name(kind)
        result = await self.request(
            ListRequest(
                resource=info.resource,
                group=info.group,
                namespace=namespace if info.namespaced else "",
                label_selector=label_selector,
                field_selector=field_selector,
                user=self.user,
            )
        )
        assert isinstance(result, List)
        return list(result.items)

    async def update(self, obj: Any, subresource: str = "") -> Any:
        info = REGISTRY.for_object(obj)
        return await self.request(
            Update(
                resource=info.resource,
                group=info.group,
                namespace=_namespace(info, obj.metadata.namespace),
                name=obj.metadata.name,
                body=obj,
                subresource=subresource,
                user=self.user,
            )
        )

    async def patch(
        self,
        kind: str,
        namespace: str,
        name: str,
        patch: Any,
        patch_type: str = "application/merge-patch+json",
        subresource: str = "",
    ) -> Any:
        info = REGISTRY.for_name(kind)
        return await self.request(
            Patch(
                resource=info.resource,
                group=info.group,
                namespace=_namespace(info, namespace),
                name=name,
                patch=patch,
                patch_type=patch_type,
                subresource=subresource,
                user=self.user,
            )
        )

    async def delete(
        self, kind: str, namespace: str, name: str, options: DeleteOptions | None = None
    ) -> Any:
        info = REGISTRY.for_name(kind)
        return await self.request(
            Delete(
                resource=info.resource,
                group=info.group,
                namespace=_namespace(info, namespace),
                name=name,
                options=options,
                user=self.user,
            )
        )

    async def apply(
        self, manifests: str | Sequence[Any], source: str = "<string>"
    ) -> builtins.list[Any]:
        """Create each object, or patch the existing one with the manifest (kubectl apply).

        Like `kubectl apply`, the object is read first: an existing one is patched with what
        the manifest says, so fields the manifest leaves out (status, values the server
        allocated or defaulted) are kept, and re-applying an unchanged manifest changes nothing.
        """
        objects: Sequence[Any] = (
            load_manifests(manifests, source) if isinstance(manifests, str) else manifests
        )
        applied: builtins.list[Any] = []
        for obj in objects:
            namespace = obj.metadata.namespace or "default"
            info = REGISTRY.for_object(obj)
            try:
                resource = f"{info.resource}.{info.group}" if info.group else info.resource
                await self.get(resource, namespace, obj.metadata.name)
            except NotFound:
                try:
                    applied.append(await self.create(obj, namespace))
                    continue
                except AlreadyExists:
                    pass  # created meanwhile: patch it like an existing object
            document = to_builtins(obj)
            document.pop("status", None)
            applied.append(await self.patch(info.resource, namespace, obj.metadata.name, document))
        return applied


def _controller_manager_factory(
    factory: Callable[..., Any], name: str, controllers: list[Any], config: dict[str, Any]
) -> Callable[[], Any]:
    return lambda: factory(name, controllers=controllers, settings=dict(config))


def _kube_proxy_factory(node: str, mode: str, network: PodNetwork) -> Callable[[], Any]:
    return lambda: KubeProxy(node, "ipvs" if mode == "ipvs" else "iptables", network=network)


def _kubelet_factory(
    config: NodeConfig, runtime: NodeRuntime, catalogue: ImageCatalogue
) -> Callable[[], Any]:
    return lambda: Kubelet(config, runtime, catalogue)


def _node_config(node: NodeSpec, index: int, mutants: tuple[str, ...] = ()) -> NodeConfig:
    return NodeConfig(
        name=node.name,
        index=index,
        capacity=dict(node.capacity),
        allocatable=dict(node.allocatable),
        labels=dict(node.labels),
        taints=tuple(TaintConfig(key=t.key, value=t.value, effect=t.effect) for t in node.taints),
        mutants=mutants,
    )


def _catalogue(images: dict[str, ImageSpec]) -> ImageCatalogue:
    """The scenario's images; no `images:` section at all means every image exists."""
    if not images:
        return ImageCatalogue(None)
    return ImageCatalogue(
        {
            name: ImageBehaviour(
                pull_time=spec.pull_time,
                start_time=spec.start_time,
                ready_after=spec.ready_after,
                exit_after=spec.exit_after,
                exit_code=spec.exit_code,
                fail_liveness_after=spec.fail_liveness_after,
            )
            for name, spec in images.items()
        }
    )


def _namespace(info: ResourceInfo, namespace: str) -> str:
    if not info.namespaced:
        return ""
    return namespace or "default"


def object_to_builtins(obj: Any) -> Any:
    """The object as plain JSON-like data (what jsonpath expressions read)."""
    if isinstance(obj, msgspec.Struct):
        return to_builtins(obj)
    return obj
