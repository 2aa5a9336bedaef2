"""DefaultTolerationSeconds admission: pods tolerate not-ready and unreachable NoExecute taints
for 300 s unless they already tolerate them; other objects and subresources are left alone."""

from __future__ import annotations

import json
from typing import Any

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Namespace
from k8s_actors.api.objects.config import ConfigMap
from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import Pod, PodSpec
from k8s_actors.api.objects.scheduling import Toleration
from k8s_actors.api.registry import REGISTRY
from k8s_actors.components.apiserver.admission import (
    Attributes,
    admit,
    default_toleration_seconds,
)
from k8s_actors.kernel import run
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.spec import ClusterSpec

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"


def pod(*tolerations: Toleration) -> Pod:
    return Pod(
        metadata=ObjectMeta(name="web", namespace="default"),
        spec=PodSpec(
            containers=(Container(name="app", image="nginx:1.25"),), tolerations=tolerations
        ),
    )


def attributes(obj: Any, verb: str = "create", subresource: str = "") -> Attributes:
    info = REGISTRY.for_object(obj)
    return Attributes(verb, info, "default", "web", subresource, obj, None)


def admitted(obj: Any, verb: str = "create", subresource: str = "") -> Any:
    return default_toleration_seconds(attributes(obj, verb, subresource), lambda ns: None)


def tolerated(obj: Any) -> list[tuple[str, str, str, int | None]]:
    assert isinstance(obj, Pod)
    return [(t.key, t.operator, t.effect, t.toleration_seconds) for t in obj.spec.tolerations]


def test_a_pod_without_tolerations_gets_both_for_300_seconds() -> None:
    assert tolerated(admitted(pod())) == [
        (NOT_READY, "Exists", "NoExecute", 300),
        (UNREACHABLE, "Exists", "NoExecute", 300),
    ]


def test_a_pod_that_tolerates_one_already_gets_only_the_other() -> None:
    own = Toleration(key=NOT_READY, operator="Exists", effect="NoExecute", toleration_seconds=5)
    assert tolerated(admitted(pod(own))) == [
        (NOT_READY, "Exists", "NoExecute", 5),
        (UNREACHABLE, "Exists", "NoExecute", 300),
    ]


def test_wildcard_tolerations_count_as_tolerating() -> None:
    every_taint = Toleration(operator="Exists")
    assert tolerated(admitted(pod(every_taint))) == [("", "Exists", "", None)]
    any_effect = Toleration(key=UNREACHABLE, operator="Exists")
    assert [t[0] for t in tolerated(admitted(pod(any_effect)))] == [UNREACHABLE, NOT_READY]


def test_a_toleration_of_another_effect_does_not_count() -> None:
    no_schedule = Toleration(key=NOT_READY, operator="Exists", effect="NoSchedule")
    keys = [(t[0], t[2]) for t in tolerated(admitted(pod(no_schedule)))]
    assert keys == [
        (NOT_READY, "NoSchedule"),
        (NOT_READY, "NoExecute"),
        (UNREACHABLE, "NoExecute"),
    ]


def test_subresources_and_other_kinds_are_left_alone() -> None:
    assert tolerated(admitted(pod(), verb="update", subresource="status")) == []
    config = ConfigMap(metadata=ObjectMeta(name="settings", namespace="default"))
    assert admitted(config) is config


def test_the_plugin_runs_for_creates_and_updates_only() -> None:
    namespace = Namespace(metadata=ObjectMeta(name="default"))
    _, ran = admit(attributes(pod(), verb="delete"), lambda ns: namespace)
    assert ran == ["NamespaceLifecycle"]
    admitted_pod, ran = admit(attributes(pod(), verb="update"), lambda ns: namespace)
    assert ran == ["DefaultTolerationSeconds", "NamespaceLifecycle"]
    assert len(admitted_pod.spec.tolerations) == 2


def test_the_api_server_adds_them_once_on_create_and_keeps_them_on_update() -> None:
    async def main() -> None:
        async with Cluster(seed=1, spec=ClusterSpec(controller_managers=0)) as cluster:
            created = await cluster.create(pod())
            assert len(created.spec.tolerations) == 2
            labelled = await cluster.patch(
                "pods", "default", "web", {"metadata": {"labels": {"app": "web"}}}
            )
            assert labelled.spec.tolerations == created.spec.tolerations
            admissions = [json.loads(line) for line in cluster.lines]
            plugins = [r["plugins"] for r in admissions if r["event"] == "request_admitted"]
            assert plugins[-2:] == [["DefaultTolerationSeconds", "NamespaceLifecycle"]] * 2

    run(main)
