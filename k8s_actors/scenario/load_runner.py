"""Playing `load` steps in simulated time, and judging traffic expectations on every request.

Role: a load fires one request every 1/rps simulated seconds, each in its own task, through the
path `exec curl` takes (see `kubelet.nettraffic`): from a pod, the cluster DNS with the pod's
search path, then its node's kube-proxy, then the kubelet of the chosen endpoint's node; from a
node, the same without a search path (fully qualified names only); from outside, the cluster's
LoadBalancer / ingress path (`scenario.traffic.external_request`). Messages leave from the source
node's kubelet address, so partitions of that node cut them. Records: `load_started`, one
`load_request` per request (`pod` answered, `to` the pod the rules chose), `load_finished`
with the counts per answering pod, per chosen pod and per outcome.
Neighbours: `load` (tallies, conditions), `load_expect` (judges them), `runner` (starts
loads).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import anyio

from k8s_actors.kernel import KernelError, RequestTimeout, TraceContext
from k8s_actors.messages import (
    COREDNS,
    DnsAnswer,
    DnsQuery,
    HttpRequest,
    HttpResponse,
    ProxyRoute,
    ProxyRouteAnswer,
    kube_proxy_address,
    kubelet_address,
    pod_search_path,
)
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.faults import StepFailed
from k8s_actors.scenario.load import (
    LoadStep,
    LoadTally,
    outcome_of,
)
from k8s_actors.scenario.traffic import external_request

DNS_TIMEOUT = 5.0  # resolv.conf's default `timeout:5`
ROUTE_TIMEOUT = 1.0
Spawn = Callable[[Callable[[], Coroutine[Any, Any, None]]], None]


class Source:
    """Where requests leave from: the node whose kube-proxy routes them, the client IP."""

    def __init__(self, node: str, ip: str, search: tuple[str, ...]) -> None:
        self.node = node
        self.ip = ip
        self.search = search
        self.address = kubelet_address(node)


class LoadRun:
    """One running load: its tally, who listens to it, and whether it has finished."""

    def __init__(self, cluster: Cluster, step: LoadStep, source: Source | None) -> None:
        self.cluster = cluster
        self.step = step
        self.source = source
        self.tally = LoadTally()
        self.destinations: dict[str, int] = {}  # requests per pod the rules chose
        self.finished = anyio.Event()
        self.listeners: list[Callable[[], None]] = []
        self.log = cluster.tracer.logger(f"load/{step.name}")

    async def play(self) -> None:
        step, clock = self.step, self.cluster.clock
        start = clock.now()
        try:
            async with anyio.create_task_group() as requests:
                for number in range(step.count):
                    await clock.sleep_until(start + number / step.rps)
                    requests.start_soon(self._one, number)
        finally:
            self.log.info(
                "load_finished",
                load=step.name,
                requests=len(self.tally.results),
                ok=self.tally.per_outcome().get("ok", 0),
                pods=self.tally.per_pod(),
                destinations=dict(sorted(self.destinations.items())),
                outcomes=self.tally.per_outcome(),
            )
            self.finished.set()
            self._notify()

    async def _one(self, number: int) -> None:
        span = TraceContext(
            trace_id=self.cluster.ids.trace_id(), span_id=self.cluster.ids.span_id()
        )
        started = self.cluster.clock.now()
        client = Client(self.cluster, self.source, self.step) if self.source else None
        if client is None:
            status, error, pod = await _external(self.cluster, self.step.url)
        else:
            status, error, pod = await client.get(span)
        outcome = outcome_of(status, error)
        short = pod.rpartition("/")[2]
        self.tally.add(self.cluster.now, outcome, short)
        to = client.destination.rpartition("/")[2] if client else ""
        if to:
            self.destinations[to] = self.destinations.get(to, 0) + 1
        elapsed = round(self.cluster.clock.now() - started, 6)
        self.log.info(
            "load_request",
            ctx=span,
            load=self.step.name,
            n=number,
            outcome=outcome,
            pod=short,
            to=to,
            elapsed=elapsed,
        )
        self._notify()

    def _notify(self) -> None:
        for listener in list(self.listeners):
            listener()


class Client:
    """One request from a pod or node: resolve, route, deliver (as `nettraffic.http_get`)."""

    def __init__(self, cluster: Cluster, source: Source, step: LoadStep) -> None:
        self.cluster = cluster
        self.source = source
        self.url = step.target
        self.timeout = step.timeout
        self.started = cluster.clock.now()
        self.destination = ""  # the pod the node's rules chose, whether or not it answered

    async def _ask(self, dst: str, payload: object, span: TraceContext, timeout: float) -> Any:
        reply = await self.cluster.bus.request(
            self.source.address, dst, payload, span, timeout=timeout
        )
        return reply.payload

    async def get(self, span: TraceContext) -> tuple[int, str, str]:
        """(status, error, serving pod) of one GET."""
        address = self.url.host
        if not _is_ip(address):
            query = DnsQuery(name=address, search=self.source.search, client_ip=self.source.ip)
            try:
                answer = await self._ask(COREDNS, query, span, DNS_TIMEOUT)
            except KernelError:
                answer = None
            if not isinstance(answer, DnsAnswer) or not answer.addresses:
                return 0, "resolve", ""
            address = answer.addresses[0]
        query_route = ProxyRoute(dst_ip=address, port=self.url.port, client_ip=self.source.ip)
        try:
            route = await self._ask(
                kube_proxy_address(self.source.node), query_route, span, ROUTE_TIMEOUT
            )
        except KernelError:
            route = None
        if isinstance(route, ProxyRouteAnswer) and route.outcome == "no_endpoints":
            return 0, "no_endpoints", ""
        if not isinstance(route, ProxyRouteAnswer) or route.outcome in ("dropped", "no_route"):
            return await self._time_out()
        if not route.node:
            return await self._time_out()
        self.destination = route.pod
        try:
            return await self._deliver(route, span)
        finally:
            if (closed := route.connection_closed()) is not None:
                self.cluster.bus.send(
                    self.source.address, kube_proxy_address(self.source.node), closed, span
                )

    async def _deliver(self, route: ProxyRouteAnswer, span: TraceContext) -> tuple[int, str, str]:
        request = HttpRequest(
            src_ip=self.source.ip,
            dst_ip=route.endpoint_ip,
            port=route.endpoint_port,
            host=self.url.host,
            path=self.url.path,
            src_node=self.source.node,
            hops=(self.source.address, kube_proxy_address(self.source.node)),
        )
        remaining = max(0.001, self.started + self.timeout - self.cluster.clock.now())
        try:
            response = await self._ask(kubelet_address(route.node), request, span, remaining)
        except RequestTimeout:
            return 0, "timeout", ""
        except KernelError:  # the node is down: nothing answers, the client waits out its timeout
            return await self._time_out()
        assert isinstance(response, HttpResponse)
        return response.status, response.error, response.served_by_pod

    async def _time_out(self) -> tuple[int, str, str]:
        clock = self.cluster.clock
        await clock.sleep(max(0.0, self.started + self.timeout - clock.now()))
        return 0, "timeout", ""


def _is_ip(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(part.isdigit() and int(part) < 256 for part in parts)


async def _external(cluster: Cluster, url: str) -> tuple[int, str, str]:
    response = await external_request(cluster, url)
    return response.status, response.error, response.served_by_pod


async def source_of(cluster: Cluster, step: LoadStep) -> Source | None:
    """The pod's or node's place in the network (None: outside the cluster); StepFailed if none."""
    if step.source_kind == "external":
        return None
    try:
        found = await cluster.get(f"{step.source_kind}s", step.namespace, step.source_name)
    except Exception as error:  # an ApiError: say which source is missing
        raise StepFailed(f"{step.source_kind}/{step.source_name} not found: {error}") from None
    if step.source_kind == "node":
        ips = [a.address for a in found.status.addresses or () if a.type == "InternalIP"]
        return Source(step.source_name, ips[0] if ips else "", ())
    if not found.spec.node_name or not found.status.pod_ip:
        raise StepFailed(f"pod {step.namespace}/{step.source_name} has no IP yet")
    search = pod_search_path(step.namespace)
    return Source(found.spec.node_name, found.status.pod_ip, search)


async def start_load(cluster: Cluster, step: LoadStep, spawn: Spawn) -> LoadRun:
    """Check the source now, then play the load in the background."""
    source = await source_of(cluster, step)
    run = LoadRun(cluster, step, source)
    run.log.info(
        "load_started",
        load=step.name,
        source=f"{step.source_kind}/{step.source_name}".rstrip("/"),
        url=step.url,
        rps=step.rps,
        duration=step.duration,
        requests=step.count,
    )
    spawn(run.play)
    return run


async def wait_for_loads(loads: dict[str, LoadRun]) -> None:
    """Let every started load run to its end."""
    for load in list(loads.values()):
        await load.finished.wait()
