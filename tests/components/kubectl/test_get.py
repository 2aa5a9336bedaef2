"""get: kubectl's tables with simulated ages, the other output formats, and missing objects."""

from __future__ import annotations

from k8s_actors.messages import KubectlResult
from tests.components.kubectl.conftest import Shell, shell


def test_deployment_table_with_age_from_the_simulated_clock() -> None:
    """NAME READY UP-TO-DATE AVAILABLE AGE, the age written as kubectl writes it."""

    async def body(sh: Shell) -> str:
        await sh.ok("create deployment nginx --image=nginx --replicas=3")
        await sh.clock.sleep(182)
        return await sh.ok("get deployments")

    assert shell(body) == (
        "NAME    READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "nginx   0/3     0            0           3m2s\n"
    )


def test_pod_table_and_wide_columns() -> None:
    """Pods show READY, STATUS, RESTARTS; -o wide adds IP and NODE."""

    async def body(sh: Shell) -> tuple[str, str]:
        await sh.ok("run web --image=nginx")
        await sh.clock.sleep(5)
        return await sh.ok("get pods"), await sh.ok("get pod web -o wide")

    table, wide = shell(body)
    assert table == (
        "NAME   READY   STATUS    RESTARTS   AGE\nweb    0/1     Pending   0          5s\n"
    )
    assert wide.splitlines()[0].split() == [
        "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE",
        "READINESS", "GATES",
    ]  # fmt: skip
    assert wide.splitlines()[1].split()[5:7] == ["<none>", "<none>"]


def test_namespaces_and_all_namespaces() -> None:
    """Namespaces list with STATUS; -A adds a NAMESPACE column."""

    async def body(sh: Shell) -> tuple[str, str]:
        await sh.ok("create configmap cfg --from-literal=a=b")
        await sh.ok("create configmap other -n kube-system")
        return await sh.ok("get ns"), await sh.ok("get cm -A")

    namespaces, configmaps = shell(body)
    assert namespaces.splitlines()[0].split() == ["NAME", "STATUS", "AGE"]
    assert [line.split()[0] for line in namespaces.splitlines()[1:]] == [
        "default",
        "kube-node-lease",
        "kube-public",
        "kube-system",
    ]
    rows = [line.split()[:3] for line in configmaps.splitlines()]
    assert rows == [
        ["NAMESPACE", "NAME", "DATA"],
        ["default", "cfg", "1"],
        ["kube-system", "other", "0"],
    ]


def test_output_name_json_and_jsonpath() -> None:
    """-o name, -o json and -o jsonpath read the same object."""

    async def body(sh: Shell) -> tuple[str, str, str]:
        await sh.ok("create deployment nginx --image=nginx --replicas=2")
        return (
            await sh.ok("get deploy -o name"),
            await sh.ok("get deploy nginx -o json"),
            await sh.ok("get deploy nginx -o jsonpath={.spec.replicas}/{.metadata.name}"),
        )

    name, document, path = shell(body)
    assert name == "deployment.apps/nginx\n"
    assert '    "kind": "Deployment",' in document
    assert path == "2/nginx"


def test_label_selector_and_empty_results() -> None:
    """-l filters on the server; nothing found is kubectl's message on stderr."""

    async def body(sh: Shell) -> tuple[str, KubectlResult]:
        await sh.ok("run a --image=nginx --labels=tier=front")
        await sh.ok("run b --image=nginx --labels=tier=back")
        return await sh.ok("get pods -l tier=front -o name"), await sh("get pods -l tier=none")

    found, empty = shell(body)
    assert found == "pod/a\n"
    assert (empty.exit_code, empty.stdout, empty.stderr) == (
        0,
        "",
        "No resources found in default namespace.\n",
    )


def test_missing_object_and_unknown_type() -> None:
    """NotFound from the server; an unknown type is refused after discovery."""

    async def body(sh: Shell) -> tuple[KubectlResult, KubectlResult]:
        return await sh("get deploy x"), await sh("get frobs")

    missing, unknown = shell(body)
    assert missing.stderr == 'Error from server (NotFound): deployments.apps "x" not found\n'
    assert unknown.stderr == 'error: the server doesn\'t have a resource type "frobs"\n'
    assert missing.exit_code == unknown.exit_code == 1
