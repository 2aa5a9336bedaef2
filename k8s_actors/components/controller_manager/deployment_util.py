"""Pure helpers of the Deployment controller: fenceposts, replica arithmetic, annotations,
revisions, template identity and hashing, conditions and the rollout predicates.

Role: k8s.io/kubernetes/pkg/controller/deployment/util (deployment_util.go, replicaset_util.go,
hash.go) and the ReplicaSet sort orders of pkg/controller/controller_utils.go. Nothing here
awaits or reads a clock: times are absolute epoch seconds passed in by the caller, written
timestamps are strings the caller supplies. Objects are frozen; functions return new values.
Neighbours: `deployment` (the controller), `deployment_sync`, `deployment_rolling`,
`deployment_recreate`, `deployment_progress`, `deployment_rollback` (the callers).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from msgspec.structs import replace

from k8s_actors.api.codec import to_builtins
from k8s_actors.api.labels import Selector
from k8s_actors.api.objects.common import IntOrString
from k8s_actors.api.objects.pod import PodTemplateSpec
from k8s_actors.api.objects.workloads import (
    Deployment,
    DeploymentStatus,
    ReplicaSet,
    WorkloadCondition,
)

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
DEPRECATED_ROLLBACK_TO = "deprecated.deployment.rollback.to"
LAST_APPLIED_CONFIG_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
UNIQUE_LABEL_KEY = "pod-template-hash"
MAX_INT32 = 2147483647
MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000  # sync.go maxRevHistoryLengthInChars
ROLLING_UPDATE = "RollingUpdate"
RECREATE = "Recreate"

# Event reasons (deployment_util.go).
ROLLBACK_REVISION_NOT_FOUND = "DeploymentRollbackRevisionNotFound"
ROLLBACK_TEMPLATE_UNCHANGED = "DeploymentRollbackTemplateUnchanged"
ROLLBACK_DONE = "DeploymentRollback"
# Condition types and reasons.
PROGRESSING = "Progressing"
AVAILABLE = "Available"
REPLICA_FAILURE = "ReplicaFailure"
REPLICA_SET_UPDATED_REASON = "ReplicaSetUpdated"
FAILED_RS_CREATE_REASON = "ReplicaSetCreateError"
NEW_REPLICA_SET_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
PAUSED_DEPLOY_REASON = "DeploymentPaused"
RESUMED_DEPLOY_REASON = "DeploymentResumed"
MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"

_ANNOTATIONS_TO_SKIP = (
    LAST_APPLIED_CONFIG_ANNOTATION,
    REVISION_ANNOTATION,
    REVISION_HISTORY_ANNOTATION,
    DESIRED_REPLICAS_ANNOTATION,
    MAX_REPLICAS_ANNOTATION,
    DEPRECATED_ROLLBACK_TO,
)
_GO_INT = re.compile(r"[+-]?[0-9]+")

MaybeRS = ReplicaSet | None


# -- times -----------------------------------------------------------------------------------


def to_seconds(stamp: str | None) -> float:
    """Epoch seconds of an RFC 3339 timestamp (metav1.Time); 0 for a zero time."""
    if not stamp:
        return 0.0
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


# -- replicas and fenceposts -----------------------------------------------------------------


def replicas(obj: Deployment | ReplicaSet) -> int:
    """spec.replicas, with the API default of 1 when unset (defaults.GetReplicasOrDefault)."""
    value = obj.spec.replicas
    return 1 if value is None else value


def scaled_value(value: IntOrString, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: a count as is, "N%" of total rounded."""
    if isinstance(value, int):
        return value
    if not value.endswith("%"):
        raise ValueError("invalid value for IntOrString: invalid type: string is not a percentage")
    digits = value[:-1]
    if not _GO_INT.fullmatch(digits):
        raise ValueError(
            f'invalid value for IntOrString: invalid value "{value}": '
            f'strconv.Atoi: parsing "{digits}": invalid syntax'
        )
    exact = int(digits) * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def resolve_fenceposts(
    max_surge: IntOrString | None, max_unavailable: IntOrString | None, desired: int
) -> tuple[int, int]:
    """(surge, unavailable): surge rounds up, unavailable down; both 0 means unavailable 1.

    deployment_util.go ResolveFenceposts: validation forbids both zero, but rounding down a
    percentage may reach it; one unavailable pod is allowed then, in case surge is blocked by
    quota.
    """
    surge = scaled_value(0 if max_surge is None else max_surge, desired, True)
    unavailable = scaled_value(0 if max_unavailable is None else max_unavailable, desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def is_rolling_update(d: Deployment) -> bool:
    return d.spec.strategy.type == ROLLING_UPDATE


def _fenceposts(d: Deployment) -> tuple[int, int]:
    rolling = d.spec.strategy.rolling_update
    if rolling is None:
        return resolve_fenceposts(None, None, replicas(d))
    return resolve_fenceposts(rolling.max_surge, rolling.max_unavailable, replicas(d))


def max_unavailable(d: Deployment) -> int:
    """0 unless rolling with replicas > 0; never more than the replicas."""
    if not is_rolling_update(d) or replicas(d) == 0:
        return 0
    return min(_fenceposts(d)[1], replicas(d))


def min_available(d: Deployment) -> int:
    if not is_rolling_update(d):
        return 0
    return replicas(d) - max_unavailable(d)


def max_surge(d: Deployment) -> int:
    """The surge of ResolveFenceposts (not clamped), 0 unless rolling."""
    if not is_rolling_update(d):
        return 0
    return _fenceposts(d)[0]


def new_rs_new_replicas(
    d: Deployment, all_rss: Sequence[MaybeRS], new_rs: ReplicaSet, mutants: Sequence[str] = ()
) -> int:
    """deployment_util.go NewRSNewReplicas: how far the new ReplicaSet may grow now."""
    if d.spec.strategy.type == RECREATE:
        return replicas(d)
    if d.spec.strategy.type != ROLLING_UPDATE:
        raise ValueError(f"deployment type {d.spec.strategy.type} isn't supported")
    rolling = d.spec.strategy.rolling_update
    surge_value = rolling.max_surge if rolling is not None else None
    round_up = "maxSurgeRoundedDown" not in mutants  # the mutant rounds the wrong way
    surge = scaled_value(0 if surge_value is None else surge_value, replicas(d), round_up)
    current = replica_count(all_rss)
    max_total = replicas(d) + surge
    if current >= max_total:
        return replicas(new_rs)
    scale_up = min(max_total - current, replicas(d) - replicas(new_rs))
    return replicas(new_rs) + scale_up


def replica_count(rss: Iterable[MaybeRS]) -> int:
    """Σ spec.replicas (GetReplicaCountForReplicaSets)."""
    return sum(replicas(rs) for rs in rss if rs is not None)


def actual_replica_count(rss: Iterable[MaybeRS]) -> int:
    """Σ status.replicas (GetActualReplicaCountForReplicaSets)."""
    return sum(rs.status.replicas for rs in rss if rs is not None)


def ready_replica_count(rss: Iterable[MaybeRS]) -> int:
    return sum(rs.status.ready_replicas for rs in rss if rs is not None)


def available_replica_count(rss: Iterable[MaybeRS]) -> int:
    return sum(rs.status.available_replicas for rs in rss if rs is not None)


def filter_active(rss: Iterable[MaybeRS]) -> list[ReplicaSet]:
    """controller.FilterActiveReplicaSets: those with spec.replicas > 0."""
    return [rs for rs in rss if rs is not None and replicas(rs) > 0]


# -- orderings (controller_utils.go, replicaset_util.go) -------------------------------------


def by_creation(rss: Iterable[ReplicaSet]) -> list[ReplicaSet]:
    """ReplicaSetsByCreationTimestamp: oldest first, then by name."""
    return sorted(
        rss, key=lambda rs: (to_seconds(rs.metadata.creation_timestamp), rs.metadata.name)
    )


def by_size_newer(rss: Iterable[ReplicaSet]) -> list[ReplicaSet]:
    """ReplicaSetsBySizeNewer: larger first; equal sizes newest first."""
    newest = list(reversed(by_creation(rss)))
    return sorted(newest, key=lambda rs: -replicas(rs))


def by_size_older(rss: Iterable[ReplicaSet]) -> list[ReplicaSet]:
    """ReplicaSetsBySizeOlder: larger first; equal sizes oldest first."""
    return sorted(by_creation(rss), key=lambda rs: -replicas(rs))


def by_revision(rss: Iterable[ReplicaSet]) -> list[ReplicaSet]:
    """ReplicaSetsByRevision: lowest revision first; unparsable ones by creation order."""

    def key(rs: ReplicaSet) -> tuple[int, int, float, str]:
        meta = rs.metadata
        created = to_seconds(meta.creation_timestamp)
        try:
            return (0, revision(rs), created, meta.name)
        except ValueError:
            return (1, 0, created, meta.name)

    return sorted(rss, key=key)


# -- revisions and annotations ---------------------------------------------------------------


def revision(obj: Deployment | ReplicaSet) -> int:
    """The revision annotation as an int64; 0 when absent; ValueError when unparsable."""
    value = obj.metadata.annotations.get(REVISION_ANNOTATION)
    if value is None:
        return 0
    if not _GO_INT.fullmatch(value):
        raise ValueError(f'strconv.ParseInt: parsing "{value}": invalid syntax')
    return int(value)


def max_revision(rss: Iterable[MaybeRS]) -> int:
    best = 0
    for rs in rss:
        if rs is None:
            continue
        try:
            best = max(best, revision(rs))
        except ValueError:
            continue  # unparsable revisions are skipped
    return best


def last_revision(rss: Iterable[MaybeRS]) -> int:
    """The second highest revision (LastRevision), 0 if there is none."""
    top = second = 0
    for rs in rss:
        if rs is None:
            continue
        try:
            value = revision(rs)
        except ValueError:
            continue
        if value >= top:
            top, second = value, top
        elif value > second:
            second = value
    return second


def skip_copy_annotation(key: str) -> bool:
    return key in _ANNOTATIONS_TO_SKIP


def set_new_replica_set_annotations(
    d: Deployment,
    rs_annotations: dict[str, str],
    new_revision: str,
    exists: bool,
    history_limit: int = MAX_REV_HISTORY_LENGTH_IN_CHARS,
) -> tuple[dict[str, str], bool]:
    """SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the revision
    (appending the previous one to revision-history when an old RS becomes new again), and
    on creation set the replicas annotations. Returns (annotations, changed)."""
    annotations = dict(rs_annotations)
    changed = False
    for key, value in sorted(d.metadata.annotations.items()):
        if skip_copy_annotation(key) or annotations.get(key) == value:
            continue
        annotations[key] = value
        changed = True
    old_revision = annotations.get(REVISION_ANNOTATION)
    if old_revision is not None and old_revision != "" and not _GO_INT.fullmatch(old_revision):
        return annotations, False  # a non-integer revision is left alone
    old_value = int(old_revision) if old_revision else 0
    new_value = int(new_revision)
    if old_value < new_value:
        annotations[REVISION_ANNOTATION] = new_revision
        changed = True
        if old_revision is not None:
            _append_revision_history(annotations, old_revision, history_limit)
    if not exists:
        annotations, updated = set_replicas_annotations(
            annotations, replicas(d), replicas(d) + max_surge(d)
        )
        changed = changed or updated
    return annotations, changed


def _append_revision_history(annotations: dict[str, str], old: str, limit: int) -> None:
    """Keep the revisions this RS served, oldest dropped past `limit` characters."""
    history = annotations.get(REVISION_HISTORY_ANNOTATION, "")
    previous = history.split(",")
    if not previous[0]:
        annotations[REVISION_HISTORY_ANNOTATION] = old
        return
    total = len(history) + len(old) + 1
    start = 0
    while total > limit and start < len(previous):
        total -= len(previous[start]) + 1
        start += 1
    if total <= limit:
        annotations[REVISION_HISTORY_ANNOTATION] = ",".join([*previous[start:], old])


def set_deployment_annotations_to(d: Deployment, rs: ReplicaSet) -> dict[str, str]:
    """SetDeploymentAnnotationsTo (rollback): keep the skipped keys, take the RS's others."""
    annotations = {k: v for k, v in d.metadata.annotations.items() if skip_copy_annotation(k)}
    for key, value in rs.metadata.annotations.items():
        if not skip_copy_annotation(key):
            annotations[key] = value
    return annotations


def set_replicas_annotations(
    annotations: dict[str, str], desired: int, maximum: int
) -> tuple[dict[str, str], bool]:
    """desired-replicas and max-replicas; returns (annotations, changed)."""
    result = dict(annotations)
    changed = False
    for key, value in ((DESIRED_REPLICAS_ANNOTATION, desired), (MAX_REPLICAS_ANNOTATION, maximum)):
        if result.get(key) != str(value):
            result[key] = str(value)
            changed = True
    return result, changed


def replicas_annotations_need_update(rs: ReplicaSet, desired: int, maximum: int) -> bool:
    annotations = rs.metadata.annotations
    return annotations.get(DESIRED_REPLICAS_ANNOTATION) != str(desired) or annotations.get(
        MAX_REPLICAS_ANNOTATION
    ) != str(maximum)


def non_negative_int32_annotation(rs: ReplicaSet, key: str) -> tuple[int, bool, str | None]:
    """getNonNegativeInt32FromAnnotation: (value, valid, error) with strconv.ParseUint's rules."""
    value = rs.metadata.annotations.get(key)
    if value is None:
        return 0, False, None
    if not value.isascii() or not value.isdigit():
        return 0, False, f'strconv.ParseUint: parsing "{value}": invalid syntax'
    number = int(value)
    if number > 0xFFFFFFFF:
        return 0, False, f'strconv.ParseUint: parsing "{value}": value out of range'
    if number > MAX_INT32:
        return 0, False, f"value {value} is out of range"
    return number, True, None


def desired_replicas_annotation(rs: ReplicaSet) -> tuple[int, bool]:
    value, valid, _ = non_negative_int32_annotation(rs, DESIRED_REPLICAS_ANNOTATION)
    return value, valid


def max_replicas_annotation(rs: ReplicaSet) -> tuple[int, bool]:
    value, valid, _ = non_negative_int32_annotation(rs, MAX_REPLICAS_ANNOTATION)
    return value, valid


# -- proportional scaling --------------------------------------------------------------------


def find_active_or_latest(new_rs: MaybeRS, old_rss: Sequence[ReplicaSet]) -> MaybeRS:
    """The only active RS, or the newest one when none is active; None if several are."""
    if new_rs is None and not old_rss:
        return None
    newest_first = list(reversed(by_creation(old_rss)))
    active = filter_active([*newest_first, new_rs])
    if not active:
        return new_rs if new_rs is not None else newest_first[0]
    return active[0] if len(active) == 1 else None


def replica_set_fraction(rs: ReplicaSet, d: Deployment) -> int:
    """getReplicaSetFraction: the RS's share of a resize, from its max-replicas annotation."""
    if replicas(d) == 0:
        return -replicas(rs)
    deployment_max = replicas(d) + max_surge(d)
    annotated, valid = max_replicas_annotation(rs)
    if not valid or annotated == 0:
        # A missing or zeroed annotation falls back to the current size; with that unknown
        # too the RS keeps its size (the 1.32+ guard against dividing by zero).
        annotated = d.status.replicas
        if annotated == 0:
            return 0
    size = replicas(rs) * deployment_max / annotated
    return round_half_away(size) - replicas(rs)


def round_half_away(value: float) -> int:
    """k8s.io/utils/integer.RoundToInt32: halves round away from zero."""
    return math.floor(value + 0.5) if value >= 0 else math.ceil(value - 0.5)


def get_proportion(rs: MaybeRS, d: Deployment, to_add: int, added: int) -> int:
    """GetProportion: the fraction, bounded by what is still left to add (or remove)."""
    if rs is None or replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = replica_set_fraction(rs, d)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def is_saturated(d: Deployment, rs: MaybeRS) -> bool:
    """The RS owns every desired replica: sized, annotated and fully available."""
    if rs is None:
        return False
    desired, valid = desired_replicas_annotation(rs)
    if not valid:
        return False
    want = replicas(d)
    return replicas(rs) == want and desired == want and rs.status.available_replicas == want


# -- templates, new and old ReplicaSets ------------------------------------------------------


def _without_hash(template: PodTemplateSpec) -> PodTemplateSpec:
    labels = {k: v for k, v in template.metadata.labels.items() if k != UNIQUE_LABEL_KEY}
    return replace(template, metadata=replace(template.metadata, labels=labels))


def equal_ignore_hash(first: PodTemplateSpec, second: PodTemplateSpec) -> bool:
    """Templates equal once the pod-template-hash label is set aside."""
    return _without_hash(first) == _without_hash(second)


def find_new_replica_set(d: Deployment, rss: Sequence[ReplicaSet]) -> MaybeRS:
    """The oldest RS whose template matches the Deployment's (issue 40415: several may)."""
    for rs in by_creation(rss):
        if equal_ignore_hash(rs.spec.template, d.spec.template):
            return rs
    return None


def find_old_replica_sets(
    d: Deployment, rss: Sequence[ReplicaSet]
) -> tuple[list[ReplicaSet], list[ReplicaSet]]:
    """(old RSs with replicas, all old RSs), in the order given."""
    new_rs = find_new_replica_set(d, rss)
    all_old = [rs for rs in rss if new_rs is None or rs.metadata.uid != new_rs.metadata.uid]
    return [rs for rs in all_old if replicas(rs) != 0], all_old


def template_from_replica_set(template: PodTemplateSpec) -> PodTemplateSpec:
    """SetFromReplicaSetTemplate: the RS template without its pod-template-hash label."""
    return _without_hash(template)


# -- hashing (controller.ComputeHash, hash.go) -----------------------------------------------

SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def safe_encode_string(text: str) -> str:
    """k8s.io/apimachinery/pkg/util/rand.SafeEncodeString: each byte to a safe character."""
    return "".join(SAFE_ALPHABET[byte % len(SAFE_ALPHABET)] for byte in text.encode())


def fnv32a(data: bytes) -> int:
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def compute_hash(template: PodTemplateSpec, collision_count: int | None) -> str:
    """The pod-template-hash: FNV-32a, rendered as SafeEncodeString of the decimal sum.

    Kubernetes feeds FNV-32a a spew dump of the Go struct, which cannot be reproduced
    outside Go; here the input is the template's canonical JSON (sorted keys, no spaces).
    The shape of the result is the same (6-10 characters of the safe alphabet), the values
    differ from a real cluster's. As in Kubernetes, a collisionCount is appended as 8
    little-endian bytes so that bumping it changes the hash.
    """
    document = json.dumps(to_builtins(template), sort_keys=True, separators=(",", ":"))
    data = document.encode()
    if collision_count is not None:
        data += (collision_count & 0xFFFFFFFF).to_bytes(4, "little") + bytes(4)
    return safe_encode_string(str(fnv32a(data)))


# -- conditions ------------------------------------------------------------------------------


def new_condition(
    type_: str, status: str, reason: str, message: str, now: str
) -> WorkloadCondition:
    return WorkloadCondition(
        type=type_,
        status=status,
        last_update_time=now,
        last_transition_time=now,
        reason=reason,
        message=message,
    )


def get_condition(status: DeploymentStatus, type_: str) -> WorkloadCondition | None:
    for condition in status.conditions:
        if condition.type == type_:
            return condition
    return None


def set_condition(status: DeploymentStatus, condition: WorkloadCondition) -> DeploymentStatus:
    """SetDeploymentCondition: no-op for the same status and reason; keeps the transition
    time while the status is unchanged; the new entry goes last."""
    current = get_condition(status, condition.type)
    if current is not None and current.status == condition.status:
        if current.reason == condition.reason:
            return status
        condition = replace(condition, last_transition_time=current.last_transition_time)
    kept = tuple(c for c in status.conditions if c.type != condition.type)
    return replace(status, conditions=(*kept, condition))


def remove_condition(status: DeploymentStatus, type_: str) -> DeploymentStatus:
    return replace(status, conditions=tuple(c for c in status.conditions if c.type != type_))


def replica_set_to_deployment_condition(condition: WorkloadCondition) -> WorkloadCondition:
    """A ReplicaSet condition as a Deployment one; both times are its transition time."""
    return replace(condition, last_update_time=condition.last_transition_time)


# -- rollout predicates ----------------------------------------------------------------------


def has_progress_deadline(d: Deployment) -> bool:
    deadline = d.spec.progress_deadline_seconds
    return deadline is not None and deadline != MAX_INT32


def has_revision_history_limit(d: Deployment) -> bool:
    limit = d.spec.revision_history_limit
    return limit is not None and limit != MAX_INT32


def deployment_complete(d: Deployment, status: DeploymentStatus) -> bool:
    """Every desired replica updated and available, nothing old left, generation observed."""
    want = replicas(d)
    return (
        status.updated_replicas == want
        and status.replicas == want
        and status.available_replicas == want
        and status.observed_generation >= d.metadata.generation
    )


def deployment_progressing(d: Deployment, status: DeploymentStatus) -> bool:
    """More updated, fewer old, more ready or more available replicas than last observed."""
    old = d.status
    return (
        status.updated_replicas > old.updated_replicas
        or status.replicas - status.updated_replicas < old.replicas - old.updated_replicas
        or status.ready_replicas > old.ready_replicas
        or status.available_replicas > old.available_replicas
    )


def deployment_timed_out(d: Deployment, status: DeploymentStatus, now: float) -> bool:
    """No progress reported within progressDeadlineSeconds of the last update (strict)."""
    if not has_progress_deadline(d):
        return False
    condition = get_condition(status, PROGRESSING)
    if condition is None or condition.reason == NEW_RS_AVAILABLE_REASON:
        return False
    if condition.reason == TIMED_OUT_REASON:
        return True
    deadline = d.spec.progress_deadline_seconds or 0
    return to_seconds(condition.last_update_time) + deadline < now


# -- ownership -------------------------------------------------------------------------------


def deployments_for_replica_set(
    deployments: Sequence[Deployment], rs: ReplicaSet
) -> list[Deployment]:
    """GetDeploymentsForReplicaSet: Deployments whose (non-empty) selector matches the RS."""
    if not rs.metadata.labels:
        return []
    matching: list[Deployment] = []
    for d in deployments:
        try:
            selector = Selector.from_label_selector(d.spec.selector)
        except ValueError:
            continue
        if selector.empty or not selector.matches(rs.metadata.labels):
            continue
        matching.append(d)
    return matching


def set_deployment_revision(d: Deployment, value: str) -> tuple[Deployment, bool]:
    """The Deployment carrying revision `value`; (d, False) when it already does."""
    if d.metadata.annotations.get(REVISION_ANNOTATION) == value:
        return d, False
    annotations = {**d.metadata.annotations, REVISION_ANNOTATION: value}
    return replace(d, metadata=replace(d.metadata, annotations=annotations)), True


def rollback_to(d: Deployment) -> int | None:
    """The revision asked for by the deprecated rollback annotation (an invalid one is
    ignored, as rollback.go getRollbackTo does)."""
    value = d.metadata.annotations.get(DEPRECATED_ROLLBACK_TO, "")
    if not value or not _GO_INT.fullmatch(value):
        return None
    return int(value)
