"""Probes: Kubernetes' defaults, thresholds, startup gating, and the next tick that matters."""

from __future__ import annotations

from k8s_actors.api.objects.container import HTTPGetAction, Probe
from k8s_actors.components.kubelet.config import ImageBehaviour
from k8s_actors.components.kubelet.probes import (
    ProbeConfig,
    advance,
    new_tracker,
    next_attention,
    probe_config,
)


def test_defaults_are_kubernetes_defaults() -> None:
    config = probe_config("liveness", Probe(http_get=HTTPGetAction(port=80)))
    assert config == ProbeConfig(
        kind="liveness", period=10, timeout=1, success_threshold=1, failure_threshold=3,
        handler="httpGet", target="80",
    )  # fmt: skip
    assert probe_config("readiness", None) is None


def test_readiness_turns_true_at_the_first_tick_after_ready_after() -> None:
    config = ProbeConfig(kind="readiness")
    tracker = new_tracker(config, started_at=100.0)
    behaviour = ImageBehaviour(ready_after=15.0)
    tracker, outcomes = advance(tracker, behaviour, 125.0, gate=100.0)
    assert [(o.at, o.success, o.result) for o in outcomes] == [
        (100.0, False, False), (110.0, False, False), (120.0, True, True),
    ]  # fmt: skip
    assert next_attention(tracker, behaviour, 100.0) is None


def test_liveness_fails_after_failure_threshold_consecutive_failures() -> None:
    config = ProbeConfig(kind="liveness")
    behaviour = ImageBehaviour(fail_liveness_after=25.0)
    tracker = new_tracker(config, started_at=0.0)
    assert next_attention(tracker, behaviour, 0.0) == 30.0  # successful ticks need no wake-up
    tracker, outcomes = advance(tracker, behaviour, 50.0, gate=0.0)
    assert [o.success for o in outcomes] == [True, True, True, False, False, False]
    assert [o.flipped for o in outcomes] == [False, False, False, False, False, True]
    assert tracker.result is False


def test_initial_delay_skips_early_ticks() -> None:
    config = ProbeConfig(kind="readiness", initial_delay=15.0)
    _, outcomes = advance(new_tracker(config, 0.0), ImageBehaviour(), 30.0, gate=0.0)
    assert [o.at for o in outcomes] == [20.0, 30.0]


def test_probes_gated_by_the_startup_probe_do_not_run_before_it() -> None:
    config = ProbeConfig(kind="liveness")
    behaviour = ImageBehaviour(fail_liveness_after=0.0)
    tracker, outcomes = advance(new_tracker(config, 0.0), behaviour, 100.0, gate=None)
    assert outcomes == []
    tracker, outcomes = advance(tracker, behaviour, 45.0, gate=40.0)
    assert [o.at for o in outcomes] == [40.0]


def test_the_startup_probe_stops_after_its_first_success() -> None:
    config = ProbeConfig(kind="startup")
    behaviour = ImageBehaviour(ready_after=5.0)
    tracker, outcomes = advance(new_tracker(config, 0.0), behaviour, 100.0, gate=0.0)
    assert [(o.at, o.success) for o in outcomes] == [(0.0, False), (10.0, True)]
    assert next_attention(tracker, behaviour, 0.0) is None
