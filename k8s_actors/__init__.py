"""k8s-actors: a Kubernetes cluster simulated as asyncio actors in deterministic virtual time."""
