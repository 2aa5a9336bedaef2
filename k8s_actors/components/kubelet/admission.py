"""Pod admission: does a pod fit what the node has left?

Role: the kubelet's resource admission (pkg/kubelet/lifecycle/predicate.go with the scheduler's
noderesources fit): the pods count first, then cpu, memory and ephemeral-storage, each checked
against allocatable minus the requests of the pods already admitted. A pod's request is
max(sum of regular containers + sum of sidecars, the largest of each init container plus the
sidecars started before it), plus its overhead (resourcehelper.PodRequests). A refusal fails the
pod with reason OutOf<resource> and the message "Pod was rejected: Node didn't have enough
resource: cpu, requested: X, used: Y, capacity: Z" (millicores for cpu, bytes otherwise).
Pure. Neighbours: `agent` (admits each new pod in creation order), `status` (sidecars).
"""

from __future__ import annotations

from collections.abc import Iterable

from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.quantity import Quantity

CHECKED = ("cpu", "memory", "ephemeral-storage")


def _amount(resource: str, quantity: Quantity | None) -> int:
    if quantity is None:
        return 0
    return quantity.milli_value() if resource == "cpu" else quantity.value()


def _container_request(container: Container, resource: str) -> int:
    return _amount(resource, container.resources.requests.get(resource))


def pod_request(pod: Pod, resource: str) -> int:
    """The pod's effective request of one resource (millicores for cpu)."""
    spec = pod.spec
    regular = sum(_container_request(c, resource) for c in spec.containers)
    sidecars = 0
    init_peak = 0
    for container in spec.init_containers:
        amount = _container_request(container, resource)
        if container.restart_policy == "Always":
            sidecars += amount
            init_peak = max(init_peak, sidecars)
        else:
            init_peak = max(init_peak, sidecars + amount)
    total = max(regular + sidecars, init_peak)
    return total + _amount(resource, spec.overhead.get(resource))


def admit(pod: Pod, admitted: Iterable[Pod], allocatable: dict[str, Quantity]) -> tuple[str, str]:
    """("", "") when the pod fits, else (reason, message) for the rejection."""
    others = list(admitted)
    allowed_pods = _amount("pods", allocatable.get("pods")) if "pods" in allocatable else 110
    if len(others) + 1 > allowed_pods:
        return _rejection("pods", 1, len(others), allowed_pods)
    for resource in CHECKED:
        requested = pod_request(pod, resource)
        if requested == 0:
            continue
        capacity = _amount(resource, allocatable.get(resource))
        used = sum(pod_request(other, resource) for other in others)
        if requested + used > capacity:
            return _rejection(resource, requested, used, capacity)
    return "", ""


def _rejection(resource: str, requested: int, used: int, capacity: int) -> tuple[str, str]:
    detail = (
        f"Node didn't have enough resource: {resource}, requested: {requested}, "
        f"used: {used}, capacity: {capacity}"
    )
    return f"OutOf{resource}", detail
