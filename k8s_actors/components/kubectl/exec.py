"""`kubectl exec POD [-c CONTAINER] -- COMMAND...`: run a command in a simulated container.

Role: in a real cluster kubectl POSTs to the pod's `exec` subresource and the API server
upgrades the connection and proxies the stream to the kubelet of the pod's node. Simplified
here: kubectl reads the pod through the API (kubectl_request_sent, as the real client's GET),
then sends `ExecRequest` straight to "kubelet/<node>" and prints the `ExecResult`. A non-zero
exit of the command prints "command terminated with exit code N" and exits N, as kubectl does.
Neighbours: `actor` (dispatches here), `session`, the kubelet (over the bus).
"""

from __future__ import annotations

from k8s_actors.components.kubectl.errors import KubectlError
from k8s_actors.components.kubectl.session import Session
from k8s_actors.kernel import KernelError
from k8s_actors.messages import ExecRequest, ExecResult, kubelet_address

EXEC_TIMEOUT = 3600.0


async def run_exec(session: Session) -> None:
    command = session.command
    name = command.args[0].removeprefix("pod/").removeprefix("pods/")
    argv = command.after_dash or command.args[1:]
    pod = await session.get(session.resource("pods"), name)
    if pod.status.phase in ("Succeeded", "Failed"):
        raise KubectlError(
            "error: cannot exec into a container in a completed pod; "
            f"current phase is {pod.status.phase}"
        )
    container = command.text_flag("container")
    if not pod.spec.node_name:
        first = container or (pod.spec.containers[0].name if pod.spec.containers else "")
        raise KubectlError(f'error: unable to upgrade connection: container not found ("{first}")')
    request = ExecRequest(
        pod=name, namespace=pod.metadata.namespace, container=container, argv=tuple(argv)
    )
    try:
        reply = await session.ctx.request(
            kubelet_address(pod.spec.node_name), request, session.span, timeout=EXEC_TIMEOUT
        )
    except KernelError:
        host = pod.status.host_ip or pod.spec.node_name
        raise KubectlError(
            f"Error from server: error dialing backend: dial tcp {host}:10250: i/o timeout"
        ) from None
    result = reply.payload
    assert isinstance(result, ExecResult)
    if result.error:
        raise KubectlError(result.error)
    session.out.write(result.stdout)
    session.err.write(result.stderr)
    if result.exit_code != 0:
        raise KubectlError(
            f"command terminated with exit code {result.exit_code}", result.exit_code
        )
