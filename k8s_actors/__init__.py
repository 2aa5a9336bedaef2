"""k8s-actors: a Kubernetes cluster simulated as asyncio actors in deterministic virtual time.

The public surface: `Cluster` (start a simulated cluster and drive it from Python), `run` (run a
coroutine on the virtual-time loop), and the scenario entry points.
"""

from k8s_actors.kernel import run
from k8s_actors.scenario import Cluster, Scenario, ScenarioError, load_scenario, run_scenario

__all__ = ["Cluster", "Scenario", "ScenarioError", "load_scenario", "run", "run_scenario"]
