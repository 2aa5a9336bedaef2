"""ImageLocality scoring against Kubernetes' own table.

Rows of image_locality_test.go (TestImageLocalityPriority), kept as data in
data/image_locality_scores.json: named pod specs and node image lists with their sizes in MiB,
as the Go test shares them. ImageLocality has no NormalizeScore, so the scores are raw.
Neighbours: `builders`.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from k8s_actors.api.objects.container import Container
from k8s_actors.api.objects.pod import Pod
from tests.components.scheduler.builders import (
    loaded,
    node,
    pod,
    scores_of,
    upstream_cases,
    upstream_table,
)

TABLE = upstream_table("image_locality_scores")
MIB = 1024 * 1024


def _images(status: str) -> tuple[tuple[tuple[str, ...], int], ...]:
    return tuple(
        (tuple(image["names"]), image["sizeMiB"] * MIB) for image in TABLE["statuses"][status]
    )


def _pod(spec: dict[str, list[str]]) -> Pod:
    def containers(prefix: str, images: list[str]) -> tuple[Container, ...]:
        return tuple(Container(name=f"{prefix}{i}", image=im) for i, im in enumerate(images))

    bare = pod("pod1")
    with_images = msgspec.structs.replace(
        bare.spec,
        containers=containers("c", spec["containers"]),
        init_containers=containers("init", spec.get("initContainers", [])),
    )
    return msgspec.structs.replace(bare, spec=with_images)


@pytest.mark.parametrize("case", upstream_cases(TABLE))
def test_image_locality_scores_as_kubernetes(case: dict[str, Any]) -> None:
    """Image sizes scaled by their spread, clamped per container, give the upstream scores."""
    nodes = [node(name, images=_images(status)) for name, status in case["nodes"].items()]
    incoming = _pod(TABLE["pods"][case["pod"]])
    assert scores_of(loaded(nodes), "ImageLocality", incoming) == case["expected"]
