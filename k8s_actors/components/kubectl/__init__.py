"""The kubectl component: the user's command line as an actor at the address "kubectl".

A scenario step `kubectl: create deployment nginx --image=nginx:1.24 --replicas=3` becomes a
`RunKubectl` request; the actor answers with a `KubectlResult` whose exit code, stdout and stderr
match kubectl 1.32's. `parse_command` is pure and checks a line without running it.
"""

from k8s_actors.components.kubectl.actor import KUBECTL_ADDRESS, Kubectl
from k8s_actors.components.kubectl.command import Command
from k8s_actors.components.kubectl.commands import parse_command
from k8s_actors.components.kubectl.errors import KubectlError, KubectlUsageError

__all__ = [
    "KUBECTL_ADDRESS",
    "Command",
    "Kubectl",
    "KubectlError",
    "KubectlUsageError",
    "parse_command",
]
