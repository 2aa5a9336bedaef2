"""`k8s-actors rules SCENARIO --node NAME [--at DURATION]`: print a node's kube-proxy rules.

Role: plays the scenario on a virtual-time cluster up to `--at` (default: to its end), then
prints the rule table of the node's kube-proxy as `iptables-save` shows it (proxyMode
iptables) or as `ipvsadm -Ln` does (proxyMode ipvs). Neighbours: `k8s_actors.cli` (registers
the verb), `k8s_actors.scenario` (the play), `k8s_actors.components.kube_proxy` (rendering).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from k8s_actors.components.kube_proxy import KubeProxy, iptables_save, ipvsadm
from k8s_actors.kernel import run
from k8s_actors.messages import kube_proxy_address
from k8s_actors.scenario.cluster import Cluster
from k8s_actors.scenario.durations import DurationError, parse_duration
from k8s_actors.scenario.loader import ScenarioError, load_scenario
from k8s_actors.scenario.runner import Play

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def register(verbs: Any) -> None:
    verb = verbs.add_parser("rules", help="print a node's kube-proxy rules at a simulated time")
    verb.add_argument("scenario", metavar="SCENARIO")
    verb.add_argument("--node", required=True, metavar="NAME")
    verb.add_argument("--at", default=None, metavar="DURATION", help="simulated time to stop at")
    verb.add_argument("--seed", type=int, default=None, help="override the scenario's seed")


def run_rules(args: argparse.Namespace) -> int:
    try:
        scenario = load_scenario(Path(args.scenario))
        until = parse_duration(args.at) if args.at is not None else None
    except (ScenarioError, DurationError, OSError) as error:
        print(f"k8s-actors: {error}", file=sys.stderr)
        return EXIT_INVALID
    if args.node not in scenario.cluster.node_names():
        print(f"k8s-actors: no node {args.node!r} in {args.scenario}", file=sys.stderr)
        return EXIT_INVALID
    seed = scenario.seed if args.seed is None else args.seed

    async def main() -> str:
        async with Cluster(
            seed=seed, spec=scenario.cluster, workdir=Path(scenario.path).parent
        ) as cluster:
            await Play(cluster, scenario).run(until, None)
            proxy = cluster.supervisor.actor(kube_proxy_address(args.node))
            if not isinstance(proxy, KubeProxy):
                return ""
            if proxy.table.mode == "ipvs":
                return ipvsadm(proxy.table, tuple(sorted(proxy.node_ips)))
            return iptables_save(proxy.table, str(cluster.spec.config.get("clusterCIDR")))

    text = run(main)
    if not text:
        print(f"k8s-actors: kube-proxy of {args.node} is not running", file=sys.stderr)
        return EXIT_FAILED
    sys.stdout.write(text)
    return EXIT_OK
