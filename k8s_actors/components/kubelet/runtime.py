"""The simulated container runtime of one node (what containerd is behind the CRI).

Role: pod sandboxes (each holding the pause image), containers with their states, the node's image
cache and IP allocator. A `NodeRuntime` is owned by the cluster, not by the kubelet: when the
kubelet crashes or its node goes down, containers keep running, and exits due meanwhile are
applied when somebody looks (`settle`). Identifiers are deterministic hex digests of node, pod,
container and attempt. Synchronous: the kubelet's pod workers spend the simulated time that calls
take. Neighbours: `cni` (the allocator), `config` (image behaviour), `podworker` (the caller),
`k8s_actors.scenario` (creates one per node, injects container exits and pull failures).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Literal

import msgspec

from k8s_actors.components.kubelet.cni import HostLocalIpam
from k8s_actors.components.kubelet.config import ImageBehaviour, image_id, normalise_image

PAUSE_IMAGE = "registry.k8s.io/pause:3.10"
RUNTIME_VERSION = "containerd://1.7.24"
KILLED_EXIT_CODE = 143  # 128 + SIGTERM: what a process stopped by the kubelet reports

State = Literal["created", "running", "exited"]
replace = msgspec.structs.replace


class Sandbox(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    pod_uid: str
    namespace: str
    name: str
    ip: str = ""
    ready: bool = True
    created_at: float = 0.0


class RuntimeContainer(msgspec.Struct, frozen=True, kw_only=True):
    """One attempt of one container of a pod; `attempt` is its restart count."""

    id: str
    pod_uid: str
    name: str
    image: str
    image_ref: str
    attempt: int
    behaviour: ImageBehaviour
    env: dict[str, str] = msgspec.field(default_factory=dict)
    mounts: tuple[str, ...] = ()
    state: State = "created"
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None

    @property
    def uri(self) -> str:
        return f"containerd://{self.id}"

    @property
    def reason(self) -> str:
        """containerd's reason for an exited container."""
        return "Completed" if self.exit_code == 0 else "Error"

    def exit_due(self) -> float | None:
        """When the image makes a running container exit on its own (None: never)."""
        if self.state != "running" or self.started_at is None:
            return None
        if self.behaviour.exit_after is None:
            return None
        return self.started_at + self.behaviour.exit_after


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


class NodeRuntime:
    """Everything the runtime of one node holds; survives the node's kubelet."""

    def __init__(self, node: str) -> None:
        self.node = node
        self.ipam = HostLocalIpam()
        self.images: dict[str, str] = {normalise_image(PAUSE_IMAGE): image_id(PAUSE_IMAGE)}
        self.failing_images: dict[str, None] = {}
        self.sandboxes: dict[str, Sandbox] = {}
        self.containers: dict[str, RuntimeContainer] = {}
        # Called when something outside the kubelet changes a container (a fault).
        self.listener: Callable[[str], None] | None = None

    # -- images ----------------------------------------------------------------------------------

    def has_image(self, image: str) -> bool:
        return normalise_image(image) in self.images

    def pull_fails(self, image: str) -> bool:
        return image in self.failing_images or normalise_image(image) in self.failing_images

    def store_image(self, image: str) -> str:
        """Keep a pulled image; its image id."""
        ref = image_id(image)
        self.images[normalise_image(image)] = ref
        return ref

    # -- sandboxes -------------------------------------------------------------------------------

    def run_pod_sandbox(self, pod_uid: str, namespace: str, name: str, now: float) -> Sandbox:
        sandbox = Sandbox(
            id=_digest(self.node, pod_uid, "sandbox"),
            pod_uid=pod_uid,
            namespace=namespace,
            name=name,
            created_at=now,
        )
        self.sandboxes[sandbox.id] = sandbox
        return sandbox

    def set_sandbox_ip(self, sandbox_id: str, ip: str) -> None:
        self.sandboxes[sandbox_id] = replace(self.sandboxes[sandbox_id], ip=ip)

    def sandbox_of(self, pod_uid: str) -> Sandbox | None:
        for sandbox in self.sandboxes.values():
            if sandbox.pod_uid == pod_uid:
                return sandbox
        return None

    def remove_pod_sandbox(self, pod_uid: str) -> Sandbox | None:
        sandbox = self.sandbox_of(pod_uid)
        if sandbox is not None:
            del self.sandboxes[sandbox.id]
        for container in self.containers_of(pod_uid):
            del self.containers[container.id]
        return sandbox

    def pod_uids(self) -> list[str]:
        """Pods with a sandbox, in creation order."""
        return [sandbox.pod_uid for sandbox in self.sandboxes.values()]

    # -- containers ------------------------------------------------------------------------------

    def create_container(
        self,
        pod_uid: str,
        name: str,
        image: str,
        attempt: int,
        behaviour: ImageBehaviour,
        env: dict[str, str],
        mounts: tuple[str, ...],
        now: float,
    ) -> RuntimeContainer:
        container = RuntimeContainer(
            id=_digest(self.node, pod_uid, name, str(attempt)),
            pod_uid=pod_uid,
            name=name,
            image=image,
            image_ref=self.images.get(normalise_image(image), image_id(image)),
            attempt=attempt,
            behaviour=behaviour,
            env=env,
            mounts=mounts,
            created_at=now,
        )
        self.containers[container.id] = container
        return container

    def start_container(self, container_id: str, now: float) -> RuntimeContainer:
        started = replace(self.containers[container_id], state="running", started_at=now)
        self.containers[container_id] = started
        return started

    def stop_container(
        self, container_id: str, now: float, exit_code: int = KILLED_EXIT_CODE
    ) -> RuntimeContainer:
        container = self.containers[container_id]
        if container.state == "exited":
            return container
        stopped = replace(container, state="exited", finished_at=now, exit_code=exit_code)
        self.containers[container_id] = stopped
        return stopped

    def containers_of(self, pod_uid: str) -> list[RuntimeContainer]:
        """Every container of the pod, oldest attempt first."""
        found = [c for c in self.containers.values() if c.pod_uid == pod_uid]
        return sorted(found, key=lambda c: (c.name, c.attempt))

    def latest(self, pod_uid: str) -> dict[str, RuntimeContainer]:
        """The newest attempt of each container of the pod, by name."""
        return {c.name: c for c in self.containers_of(pod_uid)}

    def previous(self, pod_uid: str, name: str) -> RuntimeContainer | None:
        """The attempt before the newest one of a container."""
        attempts = [c for c in self.containers_of(pod_uid) if c.name == name]
        return attempts[-2] if len(attempts) > 1 else None

    def prune(self, pod_uid: str, name: str) -> None:
        """Remove attempts older than the two newest (the kubelet keeps one dead container)."""
        attempts = [c for c in self.containers_of(pod_uid) if c.name == name]
        for old in attempts[:-2]:
            del self.containers[old.id]

    # -- time passing ----------------------------------------------------------------------------

    def settle(self, now: float) -> list[RuntimeContainer]:
        """Apply the exits that images make happen by `now`; the containers that exited."""
        exited: list[RuntimeContainer] = []
        for container in list(self.containers.values()):
            due = container.exit_due()
            if due is not None and due <= now:
                code = container.behaviour.exit_code
                exited.append(self.stop_container(container.id, due, code))
        return exited

    def next_exit(self, pod_uid: str) -> float | None:
        """When the next container of the pod exits on its own."""
        times = [t for c in self.containers_of(pod_uid) if (t := c.exit_due()) is not None]
        return min(times) if times else None

    def exit_container(self, pod_uid: str, name: str, code: int, now: float) -> bool:
        """A fault: the running container `name` of the pod exits with `code`."""
        running = self.latest(pod_uid).get(name)
        if running is None or running.state != "running":
            return False
        self.stop_container(running.id, now, code)
        if self.listener is not None:
            self.listener(pod_uid)
        return True
