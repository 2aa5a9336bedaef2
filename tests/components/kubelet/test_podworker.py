"""The pod worker's core: every transition of compute_pod_actions."""

from __future__ import annotations

from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import PodSpec
from k8s_actors.components.kubelet.config import ImageBehaviour
from k8s_actors.components.kubelet.podworker import PodActions, compute_pod_actions, should_restart
from k8s_actors.components.kubelet.runtime import RuntimeContainer


def spec(policy: str = "Always", init: str = "", regular: str = "app") -> PodSpec:
    inits = tuple(
        Container(name=n.removesuffix(":side"), image="x",
                  restart_policy="Always" if n.endswith(":side") else None)
        for n in init.split()
    )  # fmt: skip
    return PodSpec(
        restart_policy=policy,
        init_containers=inits,
        containers=tuple(Container(name=n, image="x") for n in regular.split()),
    )


def rc(name: str, state: str = "running", code: int | None = None) -> RuntimeContainer:
    return RuntimeContainer(
        id=name, pod_uid="u", name=name, image="x", image_ref="x", attempt=0,
        behaviour=ImageBehaviour(), state=state, exit_code=code,  # type: ignore[arg-type]
    )  # fmt: skip


def actions(pod: PodSpec, *containers: RuntimeContainer, sandbox: bool = True,
            started: dict[str, bool] | None = None,
            unhealthy: dict[str, str] | None = None) -> PodActions:  # fmt: skip
    latest = {c.name: c for c in containers}
    ready = started if started is not None else {c.name: c.state == "running" for c in containers}
    return compute_pod_actions(pod, sandbox, latest, ready, unhealthy or {})


def test_a_new_pod_gets_a_sandbox_and_all_its_containers() -> None:
    assert actions(spec(regular="a b"), sandbox=False) == PodActions(
        create_sandbox=True, start=("a", "b")
    )


def test_a_new_pod_with_init_containers_starts_only_the_first() -> None:
    assert actions(spec(init="i1 i2"), sandbox=False).start == ("i1",)


def test_a_running_init_container_is_waited_for() -> None:
    assert actions(spec(init="i1 i2"), rc("i1")) == PodActions()


def test_the_next_init_container_starts_after_success() -> None:
    assert actions(spec(init="i1 i2"), rc("i1", "exited", 0)).start == ("i2",)


def test_init_containers_done_start_the_regular_containers() -> None:
    pod = spec(init="i1 i2", regular="a b")
    result = actions(pod, rc("i1", "exited", 0), rc("i2", "exited", 0))
    assert result.start == ("a", "b")


def test_a_failed_init_container_is_retried_unless_restart_policy_never() -> None:
    assert actions(spec(init="i1"), rc("i1", "exited", 1)).start == ("i1",)
    failed = actions(spec("Never", init="i1"), rc("i1", "exited", 1))
    assert (failed.finished, failed.failed_init) == (True, True)


def test_a_sidecar_must_have_started_before_the_next_init_container() -> None:
    pod = spec(init="proxy:side i2")
    assert actions(pod, rc("proxy"), started={"proxy": False}).start == ()
    assert actions(pod, rc("proxy"), started={"proxy": True}).start == ("i2",)


def test_an_exited_sidecar_restarts_whatever_the_restart_policy() -> None:
    pod = spec("Never", init="proxy:side")
    result = actions(pod, rc("proxy", "exited", 0), rc("app"))
    assert result.start == ("proxy",)


def test_exited_containers_restart_as_the_policy_says() -> None:
    assert actions(spec("Always"), rc("app", "exited", 0)).start == ("app",)
    assert actions(spec("OnFailure"), rc("app", "exited", 1)).start == ("app",)
    done = actions(spec("OnFailure"), rc("app", "exited", 0))
    assert (done.start, done.finished) == ((), True)
    never = actions(spec("Never"), rc("app", "exited", 1))
    assert (never.start, never.finished) == ((), True)


def test_sidecars_are_not_restarted_once_the_pod_is_done() -> None:
    pod = spec("Never", init="proxy:side")
    result = actions(pod, rc("proxy", "exited", 1), rc("app", "exited", 0))
    assert (result.start, result.finished) == ((), True)


def test_an_unhealthy_container_is_killed_and_restarted() -> None:
    message = "Container app failed liveness probe, will be restarted"
    result = actions(spec(), rc("app"), unhealthy={"app": message})
    assert result.kill == (("app", message),)
    assert result.start == ("app",)
    never = actions(spec("Never"), rc("app"), unhealthy={"app": "x"})
    assert (never.kill, never.start, never.finished) == ((("app", "x"),), (), True)


def test_a_running_pod_needs_nothing() -> None:
    assert actions(spec(regular="a b"), rc("a"), rc("b")) == PodActions()


def test_should_restart() -> None:
    assert [should_restart(p, c) for p in ("Always", "OnFailure", "Never") for c in (0, 1)] == [
        True, True, False, True, False, False,
    ]  # fmt: skip


def test_a_container_created_but_never_started_is_started_again() -> None:
    """A kubelet stopped between CreateContainer and StartContainer leaves a Created container;
    the next kubelet starts it anew instead of waiting on it forever, whatever the policy."""
    for policy in ("Always", "OnFailure", "Never"):
        assert actions(spec(policy), rc("app", "created")).start == ("app",)
