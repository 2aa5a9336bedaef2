"""k8s_actors.components."""
