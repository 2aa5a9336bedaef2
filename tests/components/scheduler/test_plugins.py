"""TaintToleration, NodeAffinity, ImageLocality, PodTopologySpread, InterPodAffinity, NodePorts.

Expected scores follow the formulas of the upstream plugins and the cases of their tests
(taint_toleration_test.go, node_affinity_test.go, image_locality_test.go, scoring_test.go,
interpodaffinity scoring_test.go) on small clusters.
"""

from __future__ import annotations

import random

from k8s_actors.api.labels import LabelSelector, Selector
from k8s_actors.api.objects.scheduling import (
    Affinity,
    NodeAffinity,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PodAffinity,
    PodAffinityTerm,
    PreferredSchedulingTerm,
    Taint,
    Toleration,
    WeightedPodAffinityTerm,
)
from k8s_actors.components.scheduler import Cache, CycleState, Handle, PodInfo, Scheduler
from k8s_actors.components.scheduler.plugins import default_framework
from k8s_actors.components.scheduler.plugins.image_locality import MB
from tests.components.scheduler.builders import loaded, node, pod, scores_of

PREFER = "PreferNoSchedule"


def test_taint_toleration_prefers_nodes_with_fewer_untolerated_soft_taints() -> None:
    """0 intolerable taints -> 100, 1 of 2 -> 50, 2 of 2 -> 0 (reverse normalisation)."""
    core = loaded(
        [
            node("clean"),
            node("one", taints=(Taint(key="a", value="1", effect=PREFER),)),
            node(
                "two",
                taints=(Taint(key="a", value="1", effect=PREFER), Taint(key="b", effect=PREFER)),
            ),
        ]
    )
    assert scores_of(core, "TaintToleration", pod("p", {})) == {"clean": 100, "one": 50, "two": 0}


def test_taint_toleration_counts_only_untolerated_taints() -> None:
    """A toleration of effect PreferNoSchedule (or empty) removes its taint from the count."""
    taints = (Taint(key="foo", value="bar", effect=PREFER), Taint(key="cpu", effect=PREFER))
    core = loaded([node("n1", taints=taints), node("n2", taints=taints[:1])])
    tolerant = pod(
        "p", {}, tolerations=(Toleration(key="foo", operator="Equal", value="bar", effect=PREFER),)
    )
    assert scores_of(core, "TaintToleration", tolerant) == {"n1": 0, "n2": 100}


def test_untolerated_hard_taint_message() -> None:
    """The first NoSchedule taint not tolerated names key and value."""
    core = loaded([node("n1", taints=(Taint(key="dedicated", value="gpu", effect="NoSchedule"),))])
    info = PodInfo(pod("p", {}))
    state = CycleState()
    core.framework.run_pre_filter(state, info)
    status = core.framework.run_filter_one(state, info, core.cache.node_list()[0])
    assert status is not None
    assert status.reasons == ("node(s) had untolerated taint {dedicated: gpu}",)


def _preferred(*terms: tuple[int, str, str]) -> Affinity:
    return Affinity(
        node_affinity=NodeAffinity(
            preferred_during_scheduling_ignored_during_execution=tuple(
                PreferredSchedulingTerm(
                    weight=weight,
                    preference=NodeSelectorTerm(
                        match_expressions=(
                            NodeSelectorRequirement(key=key, operator="In", values=(value,)),
                        )
                    ),
                )
                for weight, key, value in terms
            )
        )
    )


def test_node_affinity_scores_matching_preferred_weights() -> None:
    """node_affinity_test: weights 2 and 5 -> the node matching both gets 100, one 2/7 of it."""
    core = loaded(
        [
            node("n1", labels={"foo": "bar"}),
            node("n2", labels={"foo": "bar", "key": "value"}),
            node("n3"),
        ]
    )
    incoming = pod("p", {}, affinity=_preferred((2, "foo", "bar"), (5, "key", "value")))
    assert scores_of(core, "NodeAffinity", incoming) == {"n1": 28, "n2": 100, "n3": 0}


def test_node_affinity_required_terms_filter() -> None:
    """A required term the node does not match keeps the pod off with upstream's reason."""
    required = Affinity(
        node_affinity=NodeAffinity(
            required_during_scheduling_ignored_during_execution=NodeSelector(
                node_selector_terms=(
                    NodeSelectorTerm(
                        match_expressions=(
                            NodeSelectorRequirement(key="zone", operator="In", values=("a",)),
                        )
                    ),
                )
            )
        )
    )
    core = loaded([node("a", labels={"zone": "a"}), node("b", labels={"zone": "b"})])
    result = core.schedule(PodInfo(pod("p", {}, affinity=required)))
    assert result.node == "a"
    assert result.feasible == 1


def test_image_locality_scores_by_size_and_spread() -> None:
    """image_locality_test: 250 MB on 1 of 2 nodes -> (125 MB - 23 MB) / (1000 - 23) MB."""
    image = ("gcr.io/250:latest",)
    core = loaded([node("with", images=((image, 250 * MB),)), node("without")])
    incoming = pod("p", images=("gcr.io/250",))
    expected = 100 * (125 * MB - 23 * MB) // (1000 * MB - 23 * MB)
    assert scores_of(core, "ImageLocality", incoming) == {"with": expected, "without": 0}


def _selected_by_service(labels: dict[str, str]) -> Scheduler:
    cache = Cache()
    for name, zone in (("n1", "a"), ("n2", "a"), ("n3", "b")):
        cache.add_node(node(name, labels={"topology.kubernetes.io/zone": zone}))
    for index, where in enumerate(("n1", "n1", "n2")):
        cache.add_pod(PodInfo(pod(f"e{index}", {}, node_name=where, labels=labels)))
    selector = Selector.from_set(labels)
    handle = Handle(cache, rng=random.Random(0), selectors=lambda info: [selector])
    return Scheduler(cache, default_framework(handle), handle.rng)


def test_topology_spread_system_defaults_prefer_emptier_domains() -> None:
    """Default constraints (hostname 3, zone 5): the empty node in the empty zone scores 100."""
    core = _selected_by_service({"app": "web"})
    scores = scores_of(core, "PodTopologySpread", pod("p", {}, labels={"app": "web"}))
    assert scores["n3"] == 100
    assert scores["n1"] < scores["n2"] < scores["n3"]


def test_topology_spread_skips_pods_nothing_selects() -> None:
    """Without an owning Service or controller there is no default constraint: Skip."""
    core = loaded([node("n1")])
    plugin = core.framework.plugin("PodTopologySpread")
    assert plugin is not None
    status = plugin.pre_score(CycleState(), PodInfo(pod("p", {})), core.cache.node_list())
    assert status is not None and status.code.name == "SKIP"


def _anti(labels: dict[str, str], weight: int = 0) -> Affinity:
    term = PodAffinityTerm(
        topology_key="kubernetes.io/hostname", label_selector=LabelSelector(match_labels=labels)
    )
    if weight:
        preferred = (WeightedPodAffinityTerm(weight=weight, pod_affinity_term=term),)
        return Affinity(
            pod_affinity=PodAffinity(preferred_during_scheduling_ignored_during_execution=preferred)
        )
    return Affinity(
        pod_anti_affinity=PodAffinity(required_during_scheduling_ignored_during_execution=(term,))
    )


def test_required_anti_affinity_keeps_pods_apart() -> None:
    """A pod refusing app=db next to it is not placed on the node that runs one."""
    core = loaded([node("n1"), node("n2")], [pod("db", {}, node_name="n1", labels={"app": "db"})])
    result = core.schedule(PodInfo(pod("p", {}, affinity=_anti({"app": "db"}))))
    assert result.node == "n2"


def test_existing_pods_anti_affinity_is_symmetric() -> None:
    """An existing pod's required anti-affinity keeps a matching newcomer off its node."""
    loner = pod("loner", {}, node_name="n1", affinity=_anti({"app": "web"}))
    core = loaded([node("n1"), node("n2")], [loner])
    result = core.schedule(PodInfo(pod("p", {}, labels={"app": "web"})))
    assert result.node == "n2"


def test_preferred_pod_affinity_scores_the_node_with_the_match() -> None:
    """Preferred affinity to app=cache: its node 100, the other 0 (min-max normalisation)."""
    core = loaded([node("n1"), node("n2")], [pod("c", {}, node_name="n2", labels={"app": "cache"})])
    incoming = pod("p", {}, affinity=_anti({"app": "cache"}, weight=5))
    assert scores_of(core, "InterPodAffinity", incoming) == {"n1": 0, "n2": 100}


def test_host_port_conflict_filters_the_node() -> None:
    """Two pods asking for host port 8080 cannot share a node."""
    core = loaded([node("n1"), node("n2")], [pod("a", {}, node_name="n1", host_port=8080)])
    result = core.schedule(PodInfo(pod("b", {}, host_port=8080)))
    assert result.node == "n2"
