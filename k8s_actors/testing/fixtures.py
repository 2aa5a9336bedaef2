"""`simulated_cluster`: a cluster for synchronous tests, and the pytest fixture around it.

Role: `simulated_cluster(...)` opens a virtual-time cluster of a `Topology` in a `ClusterDriver`
and closes it at the end of a `with` block; `call` runs one coroutine on it. The pytest fixture
of the same name (enable with `pytest_plugins = ["k8s_actors.testing.fixtures"]`) gives a
two-node cluster with the default images. Neighbours: `driver`, `topology`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from k8s_actors.testing.driver import ClusterDriver
from k8s_actors.testing.topology import Topology, cluster_spec


@contextmanager
def open_cluster(topology: Topology | None = None, seed: int = 0) -> Iterator[ClusterDriver]:
    """A running cluster of `topology` (default: two nodes), closed when the block ends."""
    driver = ClusterDriver(seed, cluster_spec((topology or Topology()).cluster_section()))
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def simulated_cluster() -> Iterator[ClusterDriver]:
    """A two-node simulated cluster; `simulated_cluster.call(coroutine_function)` drives it."""
    with open_cluster() as driver:
        yield driver
