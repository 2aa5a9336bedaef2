"""End to end: etcd + kube-apiserver + one kubelet; pods bound by setting spec.nodeName."""

from __future__ import annotations

from msgspec.structs import replace

from k8s_actors.api.objects.machinery import DeleteOptions
from k8s_actors.api.objects.pod import ContainerStatus, Pod
from k8s_actors.messages import Delete, Get, ListRequest, Update
from tests.components.kubelet.harness import NODE, KubeletNode, with_kubelet

NGINX = """
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: nginx, image: "nginx:1.24"}
"""


def test_a_bound_pod_runs_with_an_ip_from_the_pod_cidr_and_becomes_ready() -> None:
    async def body(node: KubeletNode) -> None:
        await node.wait(6)
        await node.create(NGINX)
        await node.wait(1)
        pending = await node.pod("web")
        assert pending.status.phase == "Pending"
        await node.wait(5)
        pod = await node.pod("web")
        assert pod.status.phase == "Running", pod.status
        assert pod.status.pod_ip.startswith("10.244.1.")
        ready = {c.type: c.status for c in pod.status.conditions}
        assert ready["Ready"] == "True"

    with_kubelet(body)


def _status(pod: Pod, name: str) -> ContainerStatus:
    for status in (*pod.status.init_container_statuses, *pod.status.container_statuses):
        if status.name == name:
            return status
    raise LookupError(name)


def _conditions(pod: Pod) -> dict[str, str]:
    return {c.type: c.status for c in pod.status.conditions}


async def _events(node: KubeletNode) -> list[tuple[str, str]]:
    listed = await node.api.ok(ListRequest(resource="events", namespace="default"))
    return [(e.reason, e.message) for e in listed.items]


def test_registration_creates_a_ready_node_with_its_labels_addresses_and_lease() -> None:
    async def body(node: KubeletNode) -> None:
        await node.wait(12)
        registered = await node.node()
        assert registered.metadata.labels["kubernetes.io/hostname"] == NODE
        assert registered.metadata.labels["kubernetes.io/os"] == "linux"
        addresses = {a.type: a.address for a in registered.status.addresses}
        assert addresses == {"InternalIP": "172.18.0.2", "Hostname": NODE}
        ready = {c.type: (c.status, c.reason) for c in registered.status.conditions}
        assert ready["Ready"] == ("True", "KubeletReady")
        assert ready["MemoryPressure"] == ("False", "KubeletHasSufficientMemory")
        assert all(t.key != "node.kubernetes.io/not-ready" for t in registered.spec.taints)
        lease = await node.api.ok(Get(resource="leases", group="coordination.k8s.io",
                                      namespace="kube-node-lease", name=NODE))  # fmt: skip
        assert lease.spec.lease_duration_seconds == 40
        assert lease.spec.holder_identity == NODE

    with_kubelet(body)


def test_a_node_without_pod_cidr_cannot_give_pods_an_ip() -> None:
    async def body(node: KubeletNode) -> None:
        await node.wait(6)
        await node.create(NGINX)
        await node.wait(5)
        pod = await node.pod("web")
        assert pod.status.phase == "Pending"
        assert pod.status.pod_ip == ""
        reasons = [reason for reason, _ in await _events(node)]
        assert "FailedCreatePodSandBox" in reasons

    with_kubelet(body, cidr="")


CRASHY = """
apiVersion: v1
kind: Pod
metadata: {name: crashy}
spec:
  containers:
  - {name: app, image: "crashy:1"}
"""


def test_a_crashing_container_is_restarted_with_growing_back_off() -> None:
    async def body(node: KubeletNode) -> None:
        await node.wait(2)
        await node.create(CRASHY)
        await node.wait(8)  # started at ~1 s (pull), exits at ~6 s, restarted at once
        first = _status(await node.pod("crashy"), "app")
        assert first.restart_count == 1
        assert first.last_state.terminated is not None
        assert first.last_state.terminated.exit_code == 1
        await node.wait(4)  # second exit at ~11 s: back-off 10 s
        looping = _status(await node.pod("crashy"), "app")
        assert looping.state.waiting is not None
        assert looping.state.waiting.reason == "CrashLoopBackOff"
        assert "back-off 10s restarting failed container=app pod=crashy_default(" in (
            looping.state.waiting.message
        )
        await node.wait(60)
        later = _status(await node.pod("crashy"), "app")
        assert 3 <= later.restart_count <= 5
        events = await _events(node)
        assert any(reason == "BackOff" and "restarting failed container app" in message
                   for reason, message in events)  # fmt: skip
        assert (await node.pod("crashy")).status.phase == "Running"

    with_kubelet(body)


MISSING_IMAGE = """
apiVersion: v1
kind: Pod
metadata: {name: ghost}
spec:
  containers:
  - {name: app, image: "ghost:1"}
"""


def test_an_image_absent_from_the_catalogue_goes_to_image_pull_back_off() -> None:
    async def body(node: KubeletNode) -> None:
        await node.wait(2)
        await node.create(MISSING_IMAGE)
        await node.wait(3)
        waiting = _status(await node.pod("ghost"), "app").state.waiting
        assert waiting is not None and waiting.reason == "ErrImagePull"
        # Retries come 10 s plus up to 50 % jitter apart; the second failure doubles the
        # back-off to 20 s, so a BackOff is certain by the third retry.
        await node.wait(45)
        seen = {reason for reason, _ in await _events(node)}
        assert {"Pulling", "Failed", "BackOff"} <= seen
        messages = [m for reason, m in await _events(node) if reason == "BackOff"]
        assert 'Back-off pulling image "ghost:1"' in messages
        pod = await node.pod("ghost")
        assert pod.status.phase == "Pending"

    with_kubelet(body)


CONFIGURED = """
apiVersion: v1
kind: Pod
metadata: {name: configured}
spec:
  volumes:
  - {name: cfg, configMap: {name: settings}}
  - {name: creds, secret: {secretName: creds}}
  - {name: scratch, emptyDir: {}}
  containers:
  - name: app
    image: "nginx:1.24"
    env:
    - name: MODE
      valueFrom: {configMapKeyRef: {name: settings, key: mode}}
    envFrom:
    - secretRef: {name: creds}
      prefix: SECRET_
    volumeMounts:
    - {name: cfg, mountPath: /etc/cfg}
"""
SETTINGS = "{apiVersion: v1, kind: ConfigMap, metadata: {name: settings}, data: {mode: slow}}"
CREDS = "{apiVersion: v1, kind: Secret, metadata: {name: creds}, data: {token: czNjcjN0}}"


def test_configmap_and_secret_feed_volumes_and_environment() -> None:
    async def body(node: KubeletNode) -> None:
        await node.wait(2)
        await node.create(CONFIGURED)
        await node.wait(3)
        assert (await node.pod("configured")).status.phase == "Pending"
        assert "FailedMount" in {reason for reason, _ in await _events(node)}
        await node.create_any(SETTINGS)
        await node.create_any(CREDS)
        await node.wait(20)
        pod = await node.pod("configured")
        assert pod.status.phase == "Running"
        (container,) = node.runtime.latest(pod.metadata.uid).values()
        assert container.env == {"SECRET_token": "s3cr3t", "MODE": "slow"}
        assert container.mounts == ("cfg:/etc/cfg",)

    with_kubelet(body)


def test_a_missing_configmap_key_is_a_create_container_config_error() -> None:
    async def body(node: KubeletNode) -> None:
        await node.wait(2)
        await node.create_any(SETTINGS.replace("mode: slow", "other: x"))
        await node.create_any(CREDS)
        await node.create(CONFIGURED)
        await node.wait(5)
        waiting = _status(await node.pod("configured"), "app").state.waiting
        assert waiting is not None
        assert waiting.reason == "CreateContainerConfigError"
        assert waiting.message == "couldn't find key mode in ConfigMap default/settings"

    with_kubelet(body)


SIDECAR = """
apiVersion: v1
kind: Pod
metadata: {name: sidecar}
spec:
  initContainers:
  - {name: setup, image: "job:1"}
  - {name: proxy, image: "busybox:1.36", restartPolicy: Always}
  containers:
  - {name: app, image: "nginx:1.24"}
"""


def test_init_container_then_sidecar_then_app() -> None:
    async def body(node: KubeletNode) -> None:
        await node.wait(2)
        await node.create(SIDECAR)
        await node.wait(2)
        early = await node.pod("sidecar")
        assert _status(early, "app").state.waiting is not None
        assert _status(early, "app").state.waiting.reason == "PodInitializing"  # type: ignore[union-attr]
        assert _conditions(early)["Initialized"] == "False"
        await node.wait(15)
        pod = await node.pod("sidecar")
        assert pod.status.phase == "Running"
        setup = _status(pod, "setup").state.terminated
        assert setup is not None and setup.reason == "Completed"
        assert _status(pod, "proxy").state.running is not None
        assert _status(pod, "app").state.running is not None
        assert _conditions(pod) == {
            "PodReadyToStartContainers": "True",
            "Initialized": "True",
            "Ready": "True",
            "ContainersReady": "True",
            "PodScheduled": "True",
        }
        runtime = node.runtime.latest(pod.metadata.uid)
        assert runtime["proxy"].started_at is not None and runtime["app"].started_at is not None
        assert runtime["setup"].finished_at is not None
        assert runtime["setup"].finished_at <= runtime["proxy"].started_at
        assert runtime["proxy"].started_at <= runtime["app"].started_at

    with_kubelet(body)


GRACEFUL = """
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - name: nginx
    image: "nginx:1.24"
    lifecycle: {preStop: {sleep: {seconds: 3}}}
"""


def test_a_graceful_delete_runs_pre_stop_then_removes_the_pod() -> None:
    async def body(node: KubeletNode) -> None:
        await node.wait(2)
        pod = await node.create(GRACEFUL)
        await node.wait(8)
        await node.api.ok(Delete(resource="pods", namespace="default", name="web"))
        await node.wait(1)
        assert (await node.pod("web")).metadata.deletion_timestamp is not None
        await node.wait(4)
        response = await node.api.call(Get(resource="pods", namespace="default", name="web"))
        assert response.code == 404
        assert node.runtime.sandbox_of(pod.metadata.uid) is None
        assert node.runtime.ipam.allocated() == {}

    with_kubelet(body)


def test_a_restarted_kubelet_adopts_running_containers_and_kills_orphans() -> None:
    async def body(node: KubeletNode) -> None:
        await node.wait(2)
        kept = await node.create(NGINX)
        gone = await node.create(
            CRASHY.replace("crashy}", "doomed}").replace("crashy:1", "nginx:1.24")
        )
        await node.wait(8)
        running = node.runtime.latest(kept.metadata.uid)["nginx"]
        await node.api.supervisor.crash(node.address)
        options = DeleteOptions(grace_period_seconds=0)
        await node.api.ok(
            Delete(resource="pods", namespace="default", name="doomed", options=options)
        )
        await node.wait(5)
        await node.api.supervisor.restart(node.address)
        await node.wait(5)
        assert node.runtime.latest(kept.metadata.uid)["nginx"] == running
        assert node.runtime.sandbox_of(gone.metadata.uid) is None
        assert (await node.pod("web")).status.phase == "Running"

    with_kubelet(body)


def test_a_stopped_kubelet_stops_renewing_its_lease() -> None:
    async def body(node: KubeletNode) -> None:
        await node.wait(12)
        where = Get(
            resource="leases", group="coordination.k8s.io", namespace="kube-node-lease", name=NODE
        )
        before = (await node.api.ok(where)).spec.renew_time
        await node.api.supervisor.stop(node.address)
        await node.wait(60)
        assert (await node.api.ok(where)).spec.renew_time == before

    with_kubelet(body)


def test_a_ready_false_written_by_another_party_is_rewritten_within_the_sync_period() -> None:
    """The status manager's reconcile (syncPeriod 10 s): MarkPodsNotReady does not stick on a
    pod whose containers are ready; the original lastTransitionTime comes back with it."""

    async def body(node: KubeletNode) -> None:
        await node.wait(6)
        await node.create(NGINX)
        await node.wait(8)
        pod = await node.pod("web")
        ready = next(c for c in pod.status.conditions if c.type == "Ready")
        assert ready.status == "True"
        marked = tuple(
            replace(c, status="False", last_transition_time="2030-01-01T00:00:00Z")
            if c.type == "Ready"
            else c
            for c in pod.status.conditions
        )
        body_ = replace(pod, status=replace(pod.status, conditions=marked))
        request = Update(
            resource="pods", namespace="default", name="web", subresource="status", body=body_
        )
        await node.api.ok(request)
        await node.wait(1)
        assert _conditions(await node.pod("web"))["Ready"] == "False"
        await node.wait(10)
        healed = await node.pod("web")
        again = next(c for c in healed.status.conditions if c.type == "Ready")
        assert again.status == "True"
        assert again.last_transition_time == ready.last_transition_time

    with_kubelet(body)
