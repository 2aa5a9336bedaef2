"""The kubectl actor: runs `RunKubectl` command lines against the API server, as kubectl does.

Role: the user's terminal. Each `RunKubectl` is served in a child task under a span of its own
(a child of the request's span, or a new trace), through kubectl's client-side stages, each
traced: `kubectl_command_received`, `kubectl_validated` (the parser), `kubectl_object_generated`
(create and run build their object on the client), `kubectl_discovery` (the API server's
resource list, fetched once and then read from the cache kubectl keeps in
~/.kube/cache/discovery), `kubectl_kubeconfig_loaded`, then one `kubectl_request_sent` per API
call (every call carries the command's span, so the trace's causal chain starts here), and
`kubectl_output`. The answer is a `KubectlResult` with kubectl's exit code, stdout and stderr.
Neighbours: `commands` (parsing), the verb modules, `session`, `k8s_actors.client`.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from k8s_actors.api.codec import to_builtins
from k8s_actors.api.registry import ResourceInfo
from k8s_actors.client import APISERVER, ApiError, ComponentActor, Unavailable
from k8s_actors.components.kubectl import create, delete, edit, expose, get, nodes, rollout
from k8s_actors.components.kubectl import wait as wait_verb
from k8s_actors.components.kubectl.command import Command
from k8s_actors.components.kubectl.commands import parse_command
from k8s_actors.components.kubectl.errors import KubectlError, KubectlUsageError
from k8s_actors.components.kubectl.exec import run_exec
from k8s_actors.components.kubectl.run import generate_run
from k8s_actors.components.kubectl.session import Session
from k8s_actors.kernel import Envelope, TraceContext
from k8s_actors.messages import KubectlResult, RunKubectl, UserInfo

__all__ = ["KUBECTL_ADDRESS", "USER_AGENT", "Kubectl"]

KUBECTL_ADDRESS = "kubectl"
USER_AGENT = "kubectl/v1.32.0 (linux/amd64) kubernetes/simulated"
ADMIN = UserInfo(username="kubernetes-admin")

Verb = Callable[[Session], Awaitable[None]]
_VERBS: dict[str, Verb] = {
    "get": get.run_get,
    "delete": delete.run_delete,
    "scale": edit.run_scale,
    "set image": edit.run_set_image,
    "label": edit.run_label,
    "annotate": edit.run_annotate,
    "wait": wait_verb.run_wait,
    "cordon": nodes.run_cordon,
    "uncordon": nodes.run_cordon,
    "drain": nodes.run_drain,
    "expose": expose.run_expose,
    "exec": run_exec,  # straight to the pod's kubelet (see exec.py)
}


class Kubectl(ComponentActor):
    """kubectl with the cluster's admin credentials; `workdir` is where `-f` files are read."""

    def __init__(
        self,
        name: str = KUBECTL_ADDRESS,
        *,
        server: str = APISERVER,
        workdir: Path | None = None,
        kubeconfig_env: str = "",
    ) -> None:
        super().__init__(name, server=server, user=ADMIN, user_agent=USER_AGENT)
        self.workdir = workdir if workdir is not None else Path.cwd()
        self.kubeconfig_env = kubeconfig_env
        self._discovered: list[ResourceInfo] | None = None

    def receive(self, envelope: Envelope) -> None:
        if isinstance(envelope.payload, RunKubectl):
            self.ctx.tasks.start_soon(self._serve, envelope)

    async def _serve(self, envelope: Envelope) -> None:
        request = envelope.payload
        assert isinstance(request, RunKubectl)
        span = self.ctx.child_span(envelope.ctx)
        result = await self.execute(request, span)
        self.ctx.reply(envelope, result, span)

    async def execute(self, request: RunKubectl, span: TraceContext) -> KubectlResult:
        """Run one command line through kubectl's stages; the shell's view of it."""
        log = self.ctx.log
        log.info(
            "kubectl_command_received",
            ctx=span,
            command=request.command,
            namespace=request.namespace,
        )
        try:
            command = parse_command(request.command)
        except KubectlUsageError as error:
            return self._finish(span, 1, "", f"{error}\n")
        log.info("kubectl_validated", ctx=span, verb=command.verb, args=list(command.args))
        namespace = command.namespace or request.namespace
        try:
            objects = self._objects(command, namespace, span)
            resources = await self._discover(span)
            self._load_kubeconfig(command, span)
            session = Session(self.ctx, self.api, span, command, namespace, resources)
            try:
                await self._dispatch(session, objects)
            except KubectlError as error:
                return self._finish(
                    span,
                    error.exit_code,
                    session.out.getvalue(),
                    session.err.getvalue() + error.message + "\n",
                )
            except ApiError as error:
                text = _server_error(error)
                return self._finish(span, 1, session.out.getvalue(), session.err.getvalue() + text)
            return self._finish(span, 0, session.out.getvalue(), session.err.getvalue())
        except KubectlError as error:
            return self._finish(span, error.exit_code, "", error.message + "\n")
        except ApiError as error:
            return self._finish(span, 1, "", _server_error(error))

    # -- stages ----------------------------------------------------------------------------------

    def _objects(self, command: Command, namespace: str, span: TraceContext) -> list[Any]:
        """What create, run and apply send, built (or read) before anything is sent."""
        rng = self.ctx.rng
        if command.verb.startswith("create ") and command.verb != "create":
            objects = create.generate_create(command, rng)
        elif command.verb == "run":
            objects = generate_run(command)
        elif command.verb in ("create", "apply"):
            return create.read_files(command, self.workdir)
        else:
            return []
        for obj in objects:
            self.ctx.log.info(
                "kubectl_object_generated",
                ctx=span,
                obj=obj,
                namespace=namespace if obj.kind != "Namespace" else "",
                object=to_builtins(obj),
            )
        return objects

    async def _discover(self, span: TraceContext) -> list[ResourceInfo]:
        if self._discovered is not None:
            self.ctx.log.info(
                "kubectl_discovery",
                ctx=span,
                source="cache: hit",
                cache="~/.kube/cache/discovery",
                resources=len(self._discovered),
            )
            return self._discovered
        discovered = await self.api.discovery(span=span)
        self._discovered = discovered
        self.ctx.log.info(
            "kubectl_discovery",
            ctx=span,
            source="apiserver",
            cache="~/.kube/cache/discovery",
            resources=len(discovered),
        )
        return discovered

    def _load_kubeconfig(self, command: Command, span: TraceContext) -> None:
        """kubeconfig precedence: --kubeconfig, then $KUBECONFIG, then ~/.kube/config."""
        if command.text_flag("kubeconfig"):
            source, path = "--kubeconfig", command.text_flag("kubeconfig")
        elif self.kubeconfig_env:
            source, path = "$KUBECONFIG", self.kubeconfig_env.split(os.pathsep)[0]
        else:
            source, path = "default", "~/.kube/config"
        self.ctx.log.info(
            "kubectl_kubeconfig_loaded",
            ctx=span,
            source=source,
            path=path,
            context=command.text_flag("context") or "kubernetes-admin@kubernetes",
            user=ADMIN.username,
            server=self.api.server,
            note="simulated: the cluster's in-cluster admin credentials stand for the file",
        )

    async def _dispatch(self, session: Session, objects: list[Any]) -> None:
        verb = session.command.verb
        if verb == "apply":
            await create.run_apply(session, objects)
        elif verb.startswith("create") or verb == "run":
            await create.run_create(session, objects)
        elif verb.startswith("rollout"):
            await rollout.run_rollout(session)
        else:
            await _VERBS[verb](session)

    def _finish(self, span: TraceContext, code: int, stdout: str, stderr: str) -> KubectlResult:
        self.ctx.log.info("kubectl_output", ctx=span, exit_code=code, stdout=stdout, stderr=stderr)
        return KubectlResult(exit_code=code, stdout=stdout, stderr=stderr)


def _server_error(error: ApiError) -> str:
    """How kubectl prints a refused request (cmdutil.CheckErr / StandardErrorMessage)."""
    if isinstance(error, Unavailable) and error.reason in ("ServiceUnavailable", "Timeout"):
        return f"{error}\n"
    return f"Error from server ({error.reason or 'InternalError'}): {error}\n"
