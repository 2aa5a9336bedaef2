"""`trace follow`: the life of one object with what changed on each record."""

from __future__ import annotations

from k8s_actors.trace.tools import Line, ObjectRef, render_follow


def test_follow_tells_the_life_of_a_pod(handmade: list[Line]) -> None:
    assert render_follow(handmade, ObjectRef.parse("po/web-6b8f9c7d5f-x2k4p")) == (
        "Pod/web-6b8f9c7d5f-x2k4p: 3 records\n"
        "    2.000s  default-scheduler  pod_bound       rv=10   uid=pod-1 node=node-1\n"
        "    4.000s  kubelet-node-1     pod_running     rv=12   phase=Running pod_ip=10.244.1.2\n"
        "    5.000s  kube-apiserver     object_removed  rv=14\n"
    )


def test_unchanged_values_are_not_repeated(handmade: list[Line]) -> None:
    text = render_follow(handmade, ObjectRef.parse("deployment/web"))
    status_lines = [line for line in text.splitlines() if "deployment_status" in line]
    assert status_lines[0].endswith("replicas=2 ready_replicas=0")
    assert status_lines[1].endswith("ready_replicas=2")


def test_an_unknown_object_says_so(handmade: list[Line]) -> None:
    assert render_follow(handmade, ObjectRef.parse("svc/web")) == (
        "no record about Service/web in this trace\n"
    )


def test_follow_a_configmap_of_a_real_run_to_its_removal(real: list[Line]) -> None:
    lines = render_follow(real, ObjectRef.parse("cm/web-settings", "shop")).splitlines()
    assert lines[0].startswith("ConfigMap/web-settings in shop: ")
    stored = next(line for line in lines if "object_stored" in line)
    assert " create uid=" in stored
    removed = next(line for line in lines if "object_removed" in line)
    assert removed.split()[0] == "30.000s"
