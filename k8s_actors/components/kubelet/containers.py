"""Starting and stopping one container of a pod: back-off, image, config, create, start, hooks.

Role: startContainer of pkg/kubelet/kuberuntime/kuberuntime_container.go with the image manager
of pkg/kubelet/images, for the pod worker. A restart waits out the CrashLoopBackOff
(Back-off restarting failed container ...); the image is pulled as imagePullPolicy says (Never:
ErrImageNeverPull; IfNotPresent: the node's cache first; Always) one pull at a time per node,
with the pull back-off giving ImagePullBackOff; env and envFrom are resolved
(CreateContainerConfigError); then CRI CreateContainer, StartContainer (taking the image's
startTime) and the postStart hook, after which the container is running. Volumes are set up once
per pod before any of this. Neighbours: `worker` (the caller), `runtime`, `volumes`, `backoff`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k8s_actors.api.objects.config import ConfigMap, Secret
from k8s_actors.api.objects.container import Container, LifecycleHandler
from k8s_actors.client import NotFound
from k8s_actors.components.kubelet import volumes
from k8s_actors.components.kubelet.backoff import go_duration
from k8s_actors.components.kubelet.config import ImageBehaviour, normalise_image
from k8s_actors.components.kubelet.runtime import RuntimeContainer
from k8s_actors.kernel import TraceContext

if TYPE_CHECKING:
    from k8s_actors.components.kubelet.worker import PodWorker

UNKNOWN_IMAGE_PULL_TIME = 1.0


# -- volumes and configuration ---------------------------------------------------------------------


async def fetch_config(
    worker: PodWorker, span: TraceContext
) -> tuple[volumes.ConfigMaps, volumes.Secrets]:
    """The ConfigMaps and Secrets the pod refers to (None for those that do not exist)."""
    api, namespace = worker.node.api, worker.pod.metadata.namespace
    names_cm, names_secret = volumes.referenced_objects(worker.pod)
    configmaps: volumes.ConfigMaps = {}
    secrets: volumes.Secrets = {}
    for name in names_cm:
        try:
            configmaps[name] = await api.get(ConfigMap, namespace, name, span=span)
        except NotFound:
            configmaps[name] = None
    for name in names_secret:
        try:
            secrets[name] = await api.get(Secret, namespace, name, span=span)
        except NotFound:
            secrets[name] = None
    return configmaps, secrets


async def mount_volumes(worker: PodWorker, span: TraceContext) -> bool:
    """Set up the pod's volumes; False (event FailedMount) while one cannot be."""
    node, pod = worker.node, worker.pod
    if not pod.spec.volumes:
        node.log.info("kubelet_volumes_mounted", ctx=span, obj=pod, volumes={})
        return True
    configmaps, secrets = await fetch_config(worker, span)
    failed, message = volumes.mount_volumes(pod, configmaps, secrets)
    if failed:
        text = f'MountVolume.SetUp failed for volume "{failed}" : {message}'
        node.log.warning("kubelet_volume_mount_failed", ctx=span, obj=pod, volume=failed)
        await node.events.event(pod, "Warning", "FailedMount", text, span)
        return False
    node.log.info("kubelet_volumes_mounted", ctx=span, obj=pod, volumes=volumes.volume_kinds(pod))
    return True


# -- starting --------------------------------------------------------------------------------------


def crash_key(worker: PodWorker, name: str) -> str:
    meta = worker.pod.metadata
    return f"{meta.name}_{meta.namespace}_{meta.uid}_{name}"


def pod_label(worker: PodWorker) -> str:
    """format.Pod: name_namespace(uid)."""
    meta = worker.pod.metadata
    return f"{meta.name}_{meta.namespace}({meta.uid})"


async def start_container(worker: PodWorker, spec: Container, span: TraceContext) -> bool:
    """Start (or restart) the container; False when it must wait (back-off, image, config)."""
    node = worker.node
    name = spec.name
    current = node.runtime.latest(worker.uid).get(name)
    attempt = 0 if current is None else current.attempt + 1
    if (
        current is not None
        and current.state == "exited"
        and not await _past_backoff(worker, current, span)
    ):
        return False
    behaviour = await ensure_image(worker, spec, span)
    if behaviour is None:
        return False
    sandbox = node.runtime.sandbox_of(worker.uid)
    pod_ip = sandbox.ip if sandbox is not None else ""
    try:
        configmaps, secrets = await fetch_config(worker, span)
        env = volumes.container_env(
            spec, worker.pod, configmaps, secrets, pod_ip, node.config.internal_ip
        )
    except volumes.ConfigError as error:
        await _wait_with(worker, name, "CreateContainerConfigError", str(error), span)
        return False
    created = node.runtime.create_container(
        worker.uid,
        name,
        spec.image,
        attempt,
        behaviour,
        env,
        volumes.container_mounts(spec),
        node.now,
    )
    node.log.info(
        "cri_create_container", ctx=span, obj=worker.pod, container=name, container_id=created.id
    )
    await node.events.event(worker.pod, "Normal", "Created", f"Created container: {name}", span)
    await node.ctx.clock.sleep(behaviour.start_time)
    node.log.info("cri_start_container", ctx=span, obj=worker.pod, container=name)
    await node.events.event(worker.pod, "Normal", "Started", f"Started container {name}", span)
    await _post_start(worker, spec, span)
    node.runtime.start_container(created.id, node.now)
    node.runtime.prune(worker.uid, name)
    worker.waiting.pop(name, None)
    if attempt > 0:
        node.log.info(
            "container_restarted", ctx=span, obj=worker.pod, container=name, restart_count=attempt
        )
    return True


async def _past_backoff(worker: PodWorker, current: RuntimeContainer, span: TraceContext) -> bool:
    """CrashLoopBackOff: False while the container's restart delay has not run out."""
    node = worker.node
    key = crash_key(worker, current.name)
    finished = current.finished_at if current.finished_at is not None else node.now
    backoff = node.crash_backoff
    if backoff.is_in_backoff_since(key, finished, node.now):
        delay = go_duration(backoff.get(key))
        label = pod_label(worker)
        message = f"back-off {delay} restarting failed container={current.name} pod={label}"
        worker.waiting[current.name] = ("CrashLoopBackOff", message)
        node.log.info(
            "container_back_off", ctx=span, obj=worker.pod, container=current.name, delay=delay
        )
        event = f"Back-off restarting failed container {current.name} in pod {label}"
        await node.events.event(worker.pod, "Warning", "BackOff", event, span)
        worker.retry_at = node.now + node.requeue_delay()
        return False
    backoff.next(key, finished, node.now)
    return True


async def _wait_with(
    worker: PodWorker, name: str, reason: str, message: str, span: TraceContext
) -> None:
    """The container waits with `reason`; event Failed "Error: <reason>"; retried later."""
    node = worker.node
    worker.waiting[name] = (reason, message)
    node.log.warning(
        "kubelet_container_waiting", ctx=span, obj=worker.pod, container=name, reason=reason
    )
    if reason == "CreateContainerConfigError":
        await node.events.event(worker.pod, "Warning", "Failed", f"Error: {message}", span)
    else:
        await node.events.event(worker.pod, "Warning", "Failed", f"Error: {reason}", span)
    worker.retry_at = node.now + node.requeue_delay()


def pull_policy(spec: Container) -> str:
    if spec.image_pull_policy:
        return spec.image_pull_policy
    last = spec.image.rsplit("/", 1)[-1]
    tagged = ":" in last and not last.endswith(":latest")
    return "IfNotPresent" if tagged or "@" in spec.image else "Always"


async def ensure_image(
    worker: PodWorker, spec: Container, span: TraceContext
) -> ImageBehaviour | None:
    """The image's behaviour once present on the node; None when the container must wait."""
    node, pod, image = worker.node, worker.pod, spec.image
    runtime = node.runtime
    behaviour = node.catalogue.lookup(image)
    policy = pull_policy(spec)
    present = runtime.has_image(image) and behaviour is not None
    if policy != "Always" and present:
        message = f'Container image "{image}" already present on machine'
        await node.events.event(pod, "Normal", "Pulled", message, span)
        return behaviour
    if policy == "Never":
        message = f'Container image "{image}" is not present with pull policy of Never'
        await node.events.event(pod, "Warning", "ErrImageNeverPull", message, span)
        await _wait_with(worker, spec.name, "ErrImageNeverPull", message, span)
        return None
    key = f"{worker.uid}_{image}"
    if node.pull_backoff.is_in_backoff_since_update(key, node.now):
        message = f'Back-off pulling image "{image}"'
        node.log.info("cri_pull_image_back_off", ctx=span, obj=pod, image=image)
        await node.events.event(pod, "Normal", "BackOff", message, span)
        await _wait_with(worker, spec.name, "ImagePullBackOff", message, span)
        return None
    return await _pull(worker, spec, behaviour, key, span)


async def _pull(
    worker: PodWorker,
    spec: Container,
    behaviour: ImageBehaviour | None,
    key: str,
    span: TraceContext,
) -> ImageBehaviour | None:
    node, pod, image = worker.node, worker.pod, spec.image
    await node.events.event(pod, "Normal", "Pulling", f'Pulling image "{image}"', span)
    asked = node.now
    async with node.pull_lock:
        began = node.now
        pull_time = behaviour.pull_time if behaviour is not None else UNKNOWN_IMAGE_PULL_TIME
        await node.ctx.clock.sleep(pull_time)
    if behaviour is None or node.runtime.pull_fails(image):
        full = normalise_image(image)
        error = (
            f'rpc error: code = NotFound desc = failed to pull and unpack image "{full}": '
            f'failed to resolve reference "{full}": {full}: not found'
        )
        node.pull_backoff.next(key, node.now, node.now)
        node.log.warning("cri_pull_image_failed", ctx=span, obj=pod, image=image)
        message = f'Failed to pull image "{image}": {error}'
        await node.events.event(pod, "Warning", "Failed", message, span)
        await _wait_with(worker, spec.name, "ErrImagePull", error, span)
        return None
    node.runtime.store_image(image)
    took, total = go_duration(node.now - began), go_duration(node.now - asked)
    node.log.info("cri_pull_image", ctx=span, obj=pod, image=image, seconds=node.now - began)
    message = (
        f'Successfully pulled image "{image}" in {took} ({total} including waiting). '
        "Image size: 0 bytes."
    )
    await node.events.event(pod, "Normal", "Pulled", message, span)
    return behaviour


async def _run_hook(worker: PodWorker, hook: LifecycleHandler) -> None:
    """A hook takes the seconds of its sleep action; exec and HTTP hooks return at once."""
    if hook.sleep is not None:
        await worker.node.ctx.clock.sleep(float(hook.sleep.seconds))


async def _post_start(worker: PodWorker, spec: Container, span: TraceContext) -> None:
    hook = spec.lifecycle.post_start if spec.lifecycle is not None else None
    if hook is None:
        return
    await _run_hook(worker, hook)
    worker.node.log.info("kubelet_post_start_hook", ctx=span, obj=worker.pod, container=spec.name)


async def pre_stop(worker: PodWorker, spec: Container, span: TraceContext) -> None:
    hook = spec.lifecycle.pre_stop if spec.lifecycle is not None else None
    if hook is None:
        return
    await _run_hook(worker, hook)
    worker.node.log.info("kubelet_pre_stop_hook", ctx=span, obj=worker.pod, container=spec.name)


# -- stopping --------------------------------------------------------------------------------------


async def kill_container(
    worker: PodWorker,
    container: RuntimeContainer,
    message: str,
    span: TraceContext,
    exit_code: int,
) -> None:
    """Stop a running container (event Killing with `message` when there is one)."""
    node = worker.node
    node.runtime.stop_container(container.id, node.now, exit_code)
    worker.seen_exits[container.id] = None
    node.log.info(
        "cri_stop_container",
        ctx=span,
        obj=worker.pod,
        container=container.name,
        exit_code=exit_code,
    )
    if message:
        await node.events.event(worker.pod, "Normal", "Killing", message, span)
