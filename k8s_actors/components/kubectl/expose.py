"""`kubectl expose TYPE NAME --port=P`: a Service in front of a Deployment, Pod, ReplicaSet or
Service.

Role: pkg/cmd/expose: the selector comes from the exposed object (a workload's matchLabels, a
pod's labels, a service's selector), the port from `--port` or else the first container port
(or the service's ports), `--target-port` defaults to the port, the name to the object's.
Prints `service/NAME exposed`. Neighbours: `session`, `create` (printing).
"""

from __future__ import annotations

from typing import Any

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects import Service
from k8s_actors.api.objects.service import ServicePort, ServiceSpec
from k8s_actors.components.kubectl.create import print_result
from k8s_actors.components.kubectl.errors import KubectlError
from k8s_actors.components.kubectl.session import Session

__all__ = ["run_expose", "service_for"]

_EXPOSABLE = ("Deployment", "Pod", "ReplicaSet", "Service")


def _selector(obj: Any) -> dict[str, str]:
    if obj.kind == "Pod":
        return dict(obj.metadata.labels)
    if obj.kind == "Service":
        return dict(obj.spec.selector)
    selector = obj.spec.selector
    if selector is None or selector.match_expressions:
        raise KubectlError(
            "error: couldn't retrieve selectors via --selector flag or introspection: "
            "the selector must be made of matchLabels only"
        )
    return dict(selector.match_labels)


def _ports(obj: Any) -> list[tuple[int, str]]:
    """(port, protocol) pairs found by introspection (kubectl's PortsForObject)."""
    if obj.kind == "Service":
        return [(p.port, p.protocol or "TCP") for p in obj.spec.ports]
    spec = obj.spec if obj.kind == "Pod" else obj.spec.template.spec
    return [
        (port.container_port, port.protocol or "TCP")
        for container in spec.containers
        for port in container.ports
    ]


def _int_or_name(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def service_for(session: Session, obj: Any) -> Service:
    """The Service `expose` builds for `obj` from the command's flags."""
    command = session.command
    if obj.kind not in _EXPOSABLE:
        raise KubectlError(f"error: cannot expose a {obj.kind}")
    protocol = command.text_flag("protocol")
    if command.text_flag("port"):
        ports = [(int(p), protocol or "TCP") for p in command.text_flag("port").split(",")]
    else:
        ports = _ports(obj)
    if not ports:
        raise KubectlError("error: couldn't find port via --port flag or introspection")
    target = command.text_flag("target-port")
    service_ports = tuple(
        ServicePort(
            name=f"port-{index + 1}" if len(ports) > 1 else "",
            port=port,
            protocol=protocol or proto,
            target_port=_int_or_name(target) if target else port,
        )
        for index, (port, proto) in enumerate(ports)
    )
    selector_text = command.text_flag("selector")
    selector = (
        dict(pair.split("=", 1) for pair in selector_text.split(","))
        if selector_text
        else _selector(obj)
    )
    labels = dict(obj.metadata.labels)
    return Service(
        metadata=ObjectMeta(
            name=command.text_flag("name") or obj.metadata.name,
            namespace=obj.metadata.namespace,
            labels=labels,
        ),
        spec=ServiceSpec(
            type=command.text_flag("type"),
            selector=selector,
            ports=service_ports,
            cluster_ip=command.text_flag("cluster-ip"),
        ),
    )


async def run_expose(session: Session) -> None:
    for kind, name in session.command.targets:
        info = session.resource(kind)
        obj = await session.get(info, name)
        service = service_for(session, obj)
        created = await session.create(session.resource("services"), service)
        print_result(session, created, "exposed")
