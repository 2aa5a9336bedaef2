"""The kubectl protocol: what the user's terminal asks of the kubectl actor, and its answer.

Role: a scenario step `kubectl: ...` becomes a `RunKubectl` request to the `kubectl` actor, which
answers with what a shell would show: the exit code, standard output and standard error.
Neighbours: component `kubectl` (serves it), `k8s_actors.scenario` (sends it).
"""

from __future__ import annotations

from k8s_actors.messages.base import Message


class RunKubectl(Message, frozen=True, kw_only=True):
    """Run one kubectl command line (the words after `kubectl`)."""

    command: str
    namespace: str = "default"


class KubectlResult(Message, frozen=True, kw_only=True):
    exit_code: int
    stdout: str = ""
    stderr: str = ""
