"""Scenarios (layer 4): the `Cluster` API, scenario files, their loader and their runner."""

from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.loader import ScenarioError, load_scenario
from k8s_actors.scenario.model import Scenario
from k8s_actors.scenario.runner import Outcome, RunResult, run_scenario
from k8s_actors.scenario.spec import ClusterSpec, ImageSpec, NodeSpec, TaintSpec

__all__ = [
    "Cluster",
    "ClusterSpec",
    "ImageSpec",
    "NodeSpec",
    "Outcome",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "TaintSpec",
    "load_scenario",
    "run_scenario",
]
