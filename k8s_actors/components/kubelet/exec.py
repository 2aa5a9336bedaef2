"""`kubectl exec` in a simulated container: curl, wget, nslookup, env, cat.

Role: the kubelet's exec handler. `ExecServer.run` finds the pod and container (the first one
unless named), then answers the command line the way the container's tools would, with their
exit codes: curl 6 (resolve), 7 (refused), 28 (timeout), 22 (-f and an HTTP error); wget and
nslookup 1 on failure; cat 1 for a missing file; 126 for a command the image does not have.
Files: /etc/resolv.conf, /etc/hostname, /etc/hosts, and the keys of mounted ConfigMap and Secret
volumes (read from the API at exec time). Simplification: curl and wget give up after 10 s when
no --connect-timeout / -T says otherwise (real curl waits up to 300 s). Traced as
`exec_started` and `exec_finished`. Neighbours: `nettraffic` (the network path), `agent`
(routes `ExecRequest` here), `volumes` (secret decoding).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable

from k8s_actors.api.objects.config import ConfigMap, Secret
from k8s_actors.api.objects.pod import Pod
from k8s_actors.client import ApiError
from k8s_actors.components.kubelet import nettraffic
from k8s_actors.components.kubelet.node import NodeContext
from k8s_actors.components.kubelet.volumes import secret_values
from k8s_actors.kernel import KernelError, TraceContext
from k8s_actors.messages import CLUSTER_DNS_IP, ExecRequest, ExecResult, pod_search_path

DEFAULT_CONNECT_TIMEOUT = 10.0
NO_UPGRADE = "error: unable to upgrade connection: "
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class ExecServer:
    """Exec sessions of one node's containers."""

    def __init__(self, node: NodeContext, pods: Callable[[], list[Pod]]) -> None:
        self.node = node
        self.pods = pods

    async def run(self, request: ExecRequest, span: TraceContext) -> ExecResult:
        log = self.node.log
        log.info(
            "exec_started",
            ctx=span,
            pod=request.pod,
            namespace=request.namespace,
            container=request.container,
            argv=list(request.argv),
        )
        result = await self._run(request, span)
        log.info(
            "exec_finished",
            ctx=span,
            pod=request.pod,
            exit_code=result.exit_code,
            stdout=result.stdout,
            stderr=result.stderr,
        )
        return result

    async def _run(self, request: ExecRequest, span: TraceContext) -> ExecResult:
        pod = next(
            (
                p
                for p in self.pods()
                if (p.metadata.namespace, p.metadata.name) == (request.namespace, request.pod)
            ),
            None,
        )
        if pod is None:
            return ExecResult(exit_code=1, error=f"{NO_UPGRADE}pod does not exist")
        container = request.container or (
            pod.spec.containers[0].name if pod.spec.containers else ""
        )
        running = self.node.runtime.latest(pod.metadata.uid).get(container)
        if running is None or running.state != "running":
            return ExecResult(
                exit_code=1,
                error=f'{NO_UPGRADE}container not found ("{container}")',
            )
        argv = list(request.argv)
        if len(argv) == 3 and argv[0] in ("sh", "/bin/sh", "bash") and argv[1] == "-c":
            argv = shlex.split(argv[2])
        if not argv:
            return ExecResult(exit_code=0)
        tool = argv[0].rsplit("/", 1)[-1]
        if tool == "curl":
            return await self._curl(pod, argv[1:], span)
        if tool == "wget":
            return await self._wget(pod, argv[1:], span)
        if tool == "nslookup":
            return await self._nslookup(pod, argv[1:], span)
        if tool == "env":
            return ExecResult(exit_code=0, stdout=self._env(pod, running.env))
        if tool == "cat":
            return await self._cat(pod, container, argv[1:], span)
        if tool == "hostname":
            return ExecResult(exit_code=0, stdout=pod.metadata.name + "\n")
        if tool in ("echo",):
            return ExecResult(exit_code=0, stdout=" ".join(argv[1:]) + "\n")
        return ExecResult(
            exit_code=126,
            stderr=(
                "OCI runtime exec failed: exec failed: unable to start container process: "
                f'exec: "{argv[0]}": executable file not found in $PATH: unknown\n'
            ),
        )

    # -- curl and wget ---------------------------------------------------------------------------

    async def _curl(self, pod: Pod, args: list[str], span: TraceContext) -> ExecResult:
        url, flags, timeout, header = "", "", DEFAULT_CONNECT_TIMEOUT, ""
        words = iter(args)
        for word in words:
            if word in ("-m", "--max-time", "--connect-timeout"):
                timeout = float(next(words, "10"))
            elif word in ("-H", "--header"):
                value = next(words, "")
                if value.lower().startswith("host:"):
                    header = value.split(":", 1)[1].strip()
            elif word.startswith("-") and not word.startswith("--"):
                flags += word[1:]
            elif not word.startswith("-"):
                url = word
        if not url:
            return ExecResult(exit_code=2, stderr="curl: no URL specified!\n")
        host, port, path = split_url(url)
        fetch = await nettraffic.http_get(
            self.node, pod, host, port, path, span, timeout=timeout, host_header=header
        )
        quiet = "s" in flags and "S" not in flags
        milliseconds = int(fetch.elapsed * 1000)
        if fetch.error == "resolve":
            return _fail(6, f"curl: (6) Could not resolve host: {host}\n", quiet)
        if fetch.error == "refused":
            text = (
                f"curl: (7) Failed to connect to {host} port {port} after {milliseconds} ms: "
                "Couldn't connect to server\n"
            )
            return _fail(7, text, quiet)
        if fetch.error or fetch.response is None:
            return _fail(
                28, f"curl: (28) Connection timed out after {milliseconds} milliseconds\n", quiet
            )
        response = fetch.response
        if "f" in flags and response.status >= 400:
            text = f"curl: (22) The requested URL returned error: {response.status}\n"
            return _fail(22, text, quiet)
        return ExecResult(exit_code=0, stdout=response.body)

    async def _wget(self, pod: Pod, args: list[str], span: TraceContext) -> ExecResult:
        url, timeout = "", DEFAULT_CONNECT_TIMEOUT
        words = iter(args)
        for word in words:
            if word == "-T":
                timeout = float(next(words, "10"))
            elif not word.startswith("-"):
                url = word
        if not url:
            return ExecResult(exit_code=1, stderr="BusyBox wget: missing URL\n")
        host, port, path = split_url(url)
        fetch = await nettraffic.http_get(self.node, pod, host, port, path, span, timeout=timeout)
        if fetch.error == "resolve":
            return ExecResult(exit_code=1, stderr=f"wget: bad address '{host}'\n")
        if fetch.error == "refused":
            text = f"wget: can't connect to remote host ({fetch.address}): Connection refused\n"
            return ExecResult(exit_code=1, stderr=text)
        if fetch.error or fetch.response is None:
            return ExecResult(exit_code=1, stderr="wget: download timed out\n")
        if fetch.response.status >= 400:
            text = f"wget: server returned error: HTTP/1.1 {fetch.response.status}\n"
            return ExecResult(exit_code=1, stderr=text)
        return ExecResult(exit_code=0, stdout=fetch.response.body)

    # -- nslookup, env, cat ----------------------------------------------------------------------

    async def _nslookup(self, pod: Pod, args: list[str], span: TraceContext) -> ExecResult:
        names = [word for word in args if not word.startswith("-")]
        if not names:
            return ExecResult(exit_code=1, stderr="usage: nslookup NAME\n")
        header = f"Server:\t\t{CLUSTER_DNS_IP}\nAddress:\t{CLUSTER_DNS_IP}#53\n\n"
        answer = await nettraffic.resolve(self.node, pod, names[0], span)
        if answer is None:
            text = ";; connection timed out; no servers could be reached\n\n"
            return ExecResult(exit_code=1, stdout=text)
        if answer.rcode != "NOERROR" or not answer.addresses:
            reason = answer.rcode if answer.rcode != "NOERROR" else "NXDOMAIN"
            text = f"{header}** server can't find {names[0]}: {reason}\n\n"
            return ExecResult(exit_code=1, stdout=text)
        found = "".join(f"Name:\t{answer.name}\nAddress: {ip}\n" for ip in answer.addresses)
        return ExecResult(exit_code=0, stdout=f"{header}{found}\n")

    def _env(self, pod: Pod, env: dict[str, str]) -> str:
        variables = {"PATH": PATH, "HOSTNAME": pod.metadata.name, **env}
        variables.update(
            {
                "KUBERNETES_SERVICE_HOST": "10.96.0.1",
                "KUBERNETES_SERVICE_PORT": "443",
                "KUBERNETES_SERVICE_PORT_HTTPS": "443",
                "KUBERNETES_PORT": "tcp://10.96.0.1:443",
                "HOME": "/root",
            }
        )
        return "".join(f"{key}={value}\n" for key, value in variables.items())

    async def _cat(
        self, pod: Pod, container: str, paths: list[str], span: TraceContext
    ) -> ExecResult:
        out: list[str] = []
        errors: list[str] = []
        for path in paths:
            text = await self._file(pod, container, path, span)
            if text is None:
                errors.append(f"cat: {path}: No such file or directory\n")
            else:
                out.append(text)
        return ExecResult(exit_code=1 if errors else 0, stdout="".join(out), stderr="".join(errors))

    async def _file(self, pod: Pod, container: str, path: str, span: TraceContext) -> str | None:
        namespace = pod.metadata.namespace
        if path == "/etc/resolv.conf":
            search = " ".join(pod_search_path(namespace))
            return f"search {search}\nnameserver {CLUSTER_DNS_IP}\noptions ndots:5\n"
        if path == "/etc/hostname":
            return pod.metadata.name + "\n"
        if path == "/etc/hosts":
            return f"127.0.0.1\tlocalhost\n{pod.status.pod_ip}\t{pod.metadata.name}\n"
        spec = next((c for c in pod.spec.containers if c.name == container), None)
        if spec is None:
            return None
        for mount in spec.volume_mounts:
            prefix = mount.mount_path.rstrip("/") + "/"
            if path.startswith(prefix):
                return await self._volume_file(pod, mount.name, path[len(prefix) :], span)
        return None

    async def _volume_file(
        self, pod: Pod, volume_name: str, relative: str, span: TraceContext
    ) -> str | None:
        volume = next((v for v in pod.spec.volumes if v.name == volume_name), None)
        if volume is None:
            return None
        api, namespace = self.node.api, pod.metadata.namespace
        try:
            if volume.config_map is not None:
                config_map = await api.get(ConfigMap, namespace, volume.config_map.name, span=span)
                return _projected(dict(config_map.data), volume.config_map.items, relative)
            if volume.secret is not None:
                secret = await api.get(Secret, namespace, volume.secret.secret_name, span=span)
                return _projected(secret_values(secret), volume.secret.items, relative)
        except (ApiError, KernelError):
            return None
        return None


def _projected(data: dict[str, str], items: tuple[object, ...], relative: str) -> str | None:
    """The key shown at `relative` (every key by its name unless items map keys to paths)."""
    if items:
        for item in items:
            if getattr(item, "path", "") == relative:
                return data.get(getattr(item, "key", ""))
        return None
    return data.get(relative)


def _fail(code: int, text: str, quiet: bool) -> ExecResult:
    return ExecResult(exit_code=code, stderr="" if quiet else text)


def split_url(url: str) -> tuple[str, int, str]:
    """(host, port, path) of http://host[:port]/path (the scheme is optional)."""
    rest = url.split("://", 1)[1] if "://" in url else url
    authority, slash, path = rest.partition("/")
    host, colon, port = authority.partition(":")
    return host, int(port) if colon and port.isdigit() else 80, "/" + path if slash else "/"
