"""Validation of apps/v1 Deployment and ReplicaSet.

Role: ValidateDeploymentSpec / ValidateReplicaSetSpec / ValidateDeploymentStrategy /
ValidateRollingUpdateDeployment of pkg/apis/apps/validation/validation.go: selector present,
non-empty and matching the template labels, templates that restart Always, rolling-update
bounds. Neighbours: `validation.pod` (templates), `validation.meta` (selectors), `labels`.
"""

from __future__ import annotations

from k8s_actors.api.labels import LabelSelector, Selector
from k8s_actors.api.objects.common import IntOrString
from k8s_actors.api.objects.pod import PodTemplateSpec
from k8s_actors.api.objects.workloads import Deployment, DeploymentStrategy, ReplicaSet
from k8s_actors.api.validation import names
from k8s_actors.api.validation.container import non_negative
from k8s_actors.api.validation.errors import (
    FieldError,
    GoText,
    forbidden,
    int_or_string,
    invalid,
    not_supported,
    required,
)
from k8s_actors.api.validation.meta import validate_label_selector, validate_object_meta
from k8s_actors.api.validation.pod import validate_pod_template

STRATEGY_TYPES = ("Recreate", "RollingUpdate")


EMPTY_SELECTOR = GoText(
    "v1.LabelSelector{MatchLabels:map[string]string(nil), "
    "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"
)
"""%#v of an empty metav1.LabelSelector, as the real error shows it."""


def _validate_selector(selector: LabelSelector | None, path: str) -> list[FieldError]:
    if selector is None:
        return [required(path)]
    errors = validate_label_selector(selector, path)
    if not selector.match_labels and not selector.match_expressions:
        detail = "empty selector is invalid for deployment"
        errors.append(invalid(path, EMPTY_SELECTOR, detail))
    return errors


def _mismatch(selector: LabelSelector | None, template: PodTemplateSpec) -> bool:
    """A non-empty selector that does not select the template's own labels."""
    if selector is None or not (selector.match_labels or selector.match_expressions):
        return False
    return not Selector.from_label_selector(selector).matches(template.metadata.labels)


def _validate_template(
    template: PodTemplateSpec, selector: LabelSelector | None, path: str
) -> list[FieldError]:
    """Selector matches the template labels; the template restarts Always."""
    errors: list[FieldError] = []
    if _mismatch(selector, template):
        detail = "`selector` does not match template `labels`"
        errors.append(invalid(f"{path}.metadata.labels", template.metadata.labels, detail))
    errors += validate_pod_template(template, path)
    policy = template.spec.restart_policy
    if policy and policy != "Always":
        errors.append(not_supported(f"{path}.spec.restartPolicy", policy, ("Always",)))
    if template.spec.active_deadline_seconds is not None:
        at = f"{path}.spec.activeDeadlineSeconds"
        value = template.spec.active_deadline_seconds
        errors.append(invalid(at, value, "activeDeadlineSeconds in ReplicaSet is not Supported"))
    return errors


def _percent_value(value: IntOrString) -> int | None:
    if isinstance(value, str) and not names.percent(value):
        return int(value[:-1])
    return None


def _int_or_percent_errors(value: IntOrString, path: str) -> list[FieldError]:
    if isinstance(value, str):
        return [invalid(path, int_or_string(value), m) for m in names.percent(value)]
    if value < 0:
        return [invalid(path, int_or_string(value), "must be greater than or equal to 0")]
    return []


def _as_number(value: IntOrString) -> int:
    percent = _percent_value(value)
    if percent is not None:
        return percent
    return value if isinstance(value, int) else 0


def validate_strategy(strategy: DeploymentStrategy, path: str) -> list[FieldError]:
    """RollingUpdate bounds (not both zero, maxUnavailable at most 100%); Recreate has none."""
    if strategy.type == "Recreate":
        if strategy.rolling_update is not None:
            detail = "may not be specified when strategy `type` is 'Recreate'"
            return [forbidden(f"{path}.rollingUpdate", detail)]
        return []
    if strategy.type != "RollingUpdate":
        return [not_supported(path, strategy.type, STRATEGY_TYPES)]
    rolling = strategy.rolling_update
    if rolling is None:
        return [required(f"{path}.rollingUpdate", "this should be defaulted and never be nil")]
    at = f"{path}.rollingUpdate"
    unavailable = 0 if rolling.max_unavailable is None else rolling.max_unavailable
    surge = 0 if rolling.max_surge is None else rolling.max_surge
    errors = _int_or_percent_errors(unavailable, f"{at}.maxUnavailable")
    errors += _int_or_percent_errors(surge, f"{at}.maxSurge")
    if _as_number(unavailable) == 0 and _as_number(surge) == 0:
        detail = "may not be 0 when `maxSurge` is 0"
        errors.append(invalid(f"{at}.maxUnavailable", int_or_string(unavailable), detail))
    percent = _percent_value(unavailable)
    if percent is not None and percent > 100:
        detail = "must not be greater than 100%"
        errors.append(invalid(f"{at}.maxUnavailable", int_or_string(unavailable), detail))
    return errors


def validate_deployment(deployment: Deployment) -> list[FieldError]:
    spec = deployment.spec
    errors = validate_object_meta(
        deployment.metadata, namespaced=True, name_check=names.dns1123_subdomain
    )
    errors += non_negative(spec.replicas or 0, "spec.replicas")
    errors += _validate_selector(spec.selector, "spec.selector")
    errors += _validate_template(spec.template, spec.selector, "spec.template")
    errors += validate_strategy(spec.strategy, "spec.strategy")
    errors += non_negative(spec.min_ready_seconds, "spec.minReadySeconds")
    if spec.revision_history_limit is not None:
        errors += non_negative(spec.revision_history_limit, "spec.revisionHistoryLimit")
    deadline = spec.progress_deadline_seconds
    if deadline is not None:
        errors += non_negative(deadline, "spec.progressDeadlineSeconds")
        if deadline <= spec.min_ready_seconds:
            detail = "must be greater than minReadySeconds"
            errors.append(invalid("spec.progressDeadlineSeconds", deadline, detail))
    return errors


def validate_replica_set(replica_set: ReplicaSet) -> list[FieldError]:
    spec = replica_set.spec
    errors = validate_object_meta(
        replica_set.metadata, namespaced=True, name_check=names.dns1123_subdomain
    )
    errors += non_negative(spec.replicas or 0, "spec.replicas")
    errors += non_negative(spec.min_ready_seconds, "spec.minReadySeconds")
    errors += _validate_selector(spec.selector, "spec.selector")
    errors += _validate_template(spec.template, spec.selector, "spec.template")
    return errors
