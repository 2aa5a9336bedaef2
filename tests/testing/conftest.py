"""The kit's `simulated_cluster` fixture, made available to these tests as users would."""

from k8s_actors.testing.fixtures import simulated_cluster

__all__ = ["simulated_cluster"]
