"""What a kubelet is started with: its node's description and the image catalogue.

Role: the kubelet's own view of the scenario's `cluster:` section (the scenario layer sits above
the components and converts its NodeSpec and ImageSpec into these). `NodeConfig` says what the node
reports (capacity, allocatable, labels, taints, its number for the InternalIP); `ImageBehaviour`
says how a simulated image behaves once pulled; `ImageCatalogue` finds the behaviour of an image
by name. Neighbours: `agent` (registration), `runtime` (pulls and container behaviour).
"""

from __future__ import annotations

import hashlib

import msgspec

from k8s_actors.api.quantity import Quantity

DEFAULT_PULL_TIME = 1.0
"""How long a pull takes when the scenario has no image catalogue at all."""


class TaintConfig(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    value: str = ""
    effect: str = "NoSchedule"


class NodeConfig(msgspec.Struct, frozen=True, kw_only=True):
    """One node: `index` (0, 1, ...) gives its InternalIP 172.18.0.<index + 2>."""

    name: str
    index: int = 0
    capacity: dict[str, Quantity] = msgspec.field(default_factory=dict)
    allocatable: dict[str, Quantity] = msgspec.field(default_factory=dict)
    labels: dict[str, str] = msgspec.field(default_factory=dict)
    taints: tuple[TaintConfig, ...] = ()
    # Deliberate defects switched on for testing the test kit (k8s_actors.kernel.mutants).
    mutants: tuple[str, ...] = ()

    @property
    def internal_ip(self) -> str:
        # kind's docker network: 172.18.0.1 is the gateway, nodes follow from .2.
        return f"172.18.0.{self.index + 2}"


class ImageBehaviour(msgspec.Struct, frozen=True, kw_only=True):
    """Times in seconds; None: never (the container runs and stays healthy)."""

    pull_time: float = 0.0
    start_time: float = 0.0
    ready_after: float = 0.0
    exit_after: float | None = None
    exit_code: int = 0
    fail_liveness_after: float | None = None


class ImageCatalogue:
    """The images a scenario knows. Without a catalogue every image exists and pulls in 1 s."""

    def __init__(self, images: dict[str, ImageBehaviour] | None = None) -> None:
        self.images = images
        self._normalised = (
            {normalise_image(name): spec for name, spec in sorted(images.items())}
            if images is not None
            else {}
        )

    def lookup(self, image: str) -> ImageBehaviour | None:
        """How `image` behaves; None when a catalogue exists and does not list it."""
        if self.images is None:
            return ImageBehaviour(pull_time=DEFAULT_PULL_TIME)
        if image in self.images:
            return self.images[image]
        return self._normalised.get(normalise_image(image))


def normalise_image(image: str) -> str:
    """The full reference containerd reports: docker.io/library/nginx:latest for "nginx"."""
    name, digest = [*image.split("@", 1), ""][:2]
    last = name.rsplit("/", 1)[-1]
    if ":" not in last and not digest:
        name += ":latest"
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = f"docker.io/library/{name}"
    elif "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    return f"{name}@{digest}" if digest else name


def image_id(image: str) -> str:
    """A deterministic repo digest: docker.io/library/nginx@sha256:<hex>."""
    reference = normalise_image(image)
    repository = reference.split("@", 1)[0].rsplit(":", 1)[0]
    digest = hashlib.sha256(reference.encode()).hexdigest()
    return f"{repository}@sha256:{digest}"
