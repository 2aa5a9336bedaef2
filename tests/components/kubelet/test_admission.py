"""Kubelet admission: pods count, then cpu, memory; Kubernetes' reasons and messages."""

from __future__ import annotations

from k8s_actors.api.manifest import load_manifests
from k8s_actors.api.objects.pod import Pod
from k8s_actors.api.quantity import Quantity
from k8s_actors.components.kubelet.admission import admit, pod_request

ALLOCATABLE = {"cpu": Quantity.parse("2"), "memory": Quantity.parse("1Gi"),
               "pods": Quantity.parse("3")}  # fmt: skip


def pod(cpu: str = "500m", memory: str = "100Mi", init: str = "") -> Pod:
    init_part = (
        f"  initContainers: [{{name: i, image: x, resources: {{requests: {{cpu: {init}}}}}}}]\n"
        if init
        else ""
    )
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n" + init_part
        + f"  containers: [{{name: c, image: x, resources: {{requests: {{cpu: {cpu}, "
        f"memory: {memory}}}}}}}]\n"
    )  # fmt: skip
    (obj,) = load_manifests(text)
    assert isinstance(obj, Pod)
    return obj


def test_a_pod_that_fits_is_admitted() -> None:
    assert admit(pod(), [pod()], ALLOCATABLE) == ("", "")


def test_cpu_overflow_is_out_of_cpu_in_millicores() -> None:
    reason, message = admit(pod("1500m"), [pod("1")], ALLOCATABLE)
    assert reason == "OutOfcpu"
    assert message == (
        "Node didn't have enough resource: cpu, requested: 1500, used: 1000, capacity: 2000"
    )


def test_memory_overflow_is_out_of_memory_in_bytes() -> None:
    reason, message = admit(pod("1m", "900Mi"), [pod("1m", "200Mi")], ALLOCATABLE)
    assert reason == "OutOfmemory"
    assert "requested: 943718400, used: 209715200, capacity: 1073741824" in message


def test_the_pod_count_is_checked_first() -> None:
    reason, message = admit(pod("5"), [pod(), pod(), pod()], ALLOCATABLE)
    assert (reason, message) == (
        "OutOfpods",
        "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3",
    )


def test_an_init_container_larger_than_the_app_sets_the_request() -> None:
    assert pod_request(pod("100m", init="700m"), "cpu") == 700
    assert pod_request(pod("900m", init="700m"), "cpu") == 900
