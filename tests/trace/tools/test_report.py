"""`trace report`: one self-contained HTML page with the summary and plots over time."""

from __future__ import annotations

import re

from k8s_actors.trace.tools import Line, render_report
from k8s_actors.trace.tools.report import (
    object_count_series,
    pods_per_node_series,
    replica_series,
)


def test_replica_counts_of_deployments_become_series(handmade: list[Line]) -> None:
    assert replica_series(handmade) == {
        "shop/web replicas": [(1.0, 2.0), (4.0, 2.0)],
        "shop/web ready_replicas": [(1.0, 0.0), (4.0, 2.0)],
    }


def test_pods_per_node_count_placements_and_removals(handmade: list[Line]) -> None:
    assert pods_per_node_series(handmade) == {
        "node-1": [(0.0, 0.0), (2.0, 1.0), (5.0, 0.0)],
        "node-2": [(0.0, 0.0), (3.0, 1.0)],
    }


def test_objects_per_kind_when_no_replica_counts(real: list[Line]) -> None:
    counts = object_count_series(real)
    assert counts["Namespace"][-1][1] >= 5  # default, kube-node-lease, kube-public, ...
    assert counts["ConfigMap"][-1] == (30.0, 0.0)


def test_the_page_is_self_contained_with_plots(handmade: list[Line]) -> None:
    page = render_report(handmade, "mini.jsonl")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"(src|href)=|https?://(?!www\.w3\.org/2000/svg)", page)
    assert page.count('<path class="series"') == 4  # 2 replica series, 2 nodes
    assert '<span class="verdict passed">passed</span>' in page
    assert '<td class="pass">pass</td>' in page


def test_empty_plots_say_why(real: list[Line]) -> None:
    # A run without workloads: no replica counts and no pod placements to plot.
    workloads = ("Deployment", "ReplicaSet", "Pod")
    real = [line for line in real if line.record.get("kind") not in workloads]
    page = render_report(real)
    assert "no pod placements in this trace" in page
    assert "showing live objects per kind" in page
    assert page.count('<path class="series"') == len(object_count_series(real))
    assert "delete configmaps/web-settings" in page
