"""Writes of the analytics app: event ingestion, server-side tracking, identity merge, tasks, experiments."""

from __future__ import annotations

import re
import uuid as uuid_module
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.analytics.errors import AnalyticsCode
from mallops.analytics.models import Experiment, ExperimentExposure, IdentityAlias, Task
from mallops.analytics.personal import filter_properties
from mallops.analytics.stats import assign_variant
from mallops.analytics.storage import get_store
from mallops.analytics.store.events import EventError, normalise_event
from mallops.analytics.store.ingest import MAX_API_BATCH, IngestResult, ingest_events
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, not_found, validation_error
from mallops.dsr.binding import events_consent_bind

IDENTIFY_EVENT = "$identify"
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")
ANON_PROPERTY = "$anon_distinct_id"


def batch_too_large(size: int) -> DomainError:
    return DomainError(
        detail=f"A batch holds at most {MAX_API_BATCH} events; this one has {size}.",
        code=AnalyticsCode.BATCH_TOO_LARGE,
        status=413,
        title="Payload too large",
        extra={"max_events": MAX_API_BATCH},
    )


def _prepare(raw: Any) -> Any:
    """The event with personal properties filtered (other shapes pass through for the store to reject)."""
    if isinstance(raw, dict) and isinstance(raw.get("properties"), Mapping):
        return {**raw, "properties": filter_properties(raw["properties"])}
    return raw


def events_ingest(*, events: list[Any]) -> IngestResult:
    """Spool a batch (R3.1.1): personal properties filtered (R3.1.2), repeated uuids counted once.

    ``$identify`` events (``distinct_id`` = the signed-in id, ``properties.$anon_distinct_id`` = the
    anonymous id used before) also merge the two identities (R4.1.3). Durable on return.
    """
    if len(events) > MAX_API_BATCH:
        raise batch_too_large(len(events))
    # consent binds (dsr): events of buyers without ``analytics`` consent are stored without the person
    prepared: list[Any] = events_consent_bind([_prepare(raw) for raw in events])
    store = get_store()
    merges: list[tuple[str, str]] = []
    for raw in prepared:
        if isinstance(raw, dict) and raw.get("event") == IDENTIFY_EVENT:
            try:
                record = normalise_event(raw, store.property_filter)
            except EventError:
                continue
            anon = (raw.get("properties") or {}).get(ANON_PROPERTY)
            if isinstance(anon, str) and anon:
                merges.append((anon, record.distinct_id))
    result = ingest_events(store, prepared)
    for alias_id, distinct_id in merges:
        identity_merge(alias_id=alias_id, distinct_id=distinct_id)
    return result


def analytics_track(
    *,
    event: str,
    distinct_id: str,
    properties: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    uuid: str | None = None,
) -> bool:
    """Record a server-side event (order paid, refund, review, ticket...); True when newly stored.

    Pass a stable ``uuid`` (e.g. ``f"order_paid:{order.pk}"``) so that a retried job counts once.
    """
    moment = at or timezone.now()
    if timezone.is_naive(moment):
        raise ValueError("analytics_track needs an aware datetime")
    result = events_ingest(
        events=[
            {
                "uuid": uuid or str(uuid_module.uuid4()),
                "event": event,
                "distinct_id": distinct_id,
                "timestamp": moment.isoformat(),
                "properties": dict(properties or {}),
            }
        ]
    )
    if result.rejected:
        raise ValueError(f"event rejected: {result.errors[0].msg}")
    return result.ingested == 1


@transaction.atomic
def identity_merge(*, alias_id: str, distinct_id: str) -> IdentityAlias | None:
    """Record that ``alias_id`` is the person ``distinct_id``; the first merge of an alias wins.

    Chains are flattened so that every alias points at a canonical id that is not itself an alias.
    Returns the alias row, or None when there is nothing to record (same id, or a cycle).
    """
    if not alias_id or not distinct_id or alias_id == distinct_id:
        return None
    if max(len(alias_id), len(distinct_id)) > 200:
        return None
    existing = IdentityAlias.objects.filter(alias_id=alias_id).first()
    if existing is not None:
        return existing
    target = IdentityAlias.objects.filter(alias_id=distinct_id).values_list("distinct_id", flat=True).first()
    canonical = target or distinct_id
    if canonical == alias_id:
        return None
    IdentityAlias.objects.filter(distinct_id=alias_id).update(distinct_id=canonical)
    return IdentityAlias.objects.create(alias_id=alias_id, distinct_id=canonical)


# --- tasks (R3.4.2) ---------------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    actor: Actor,
    title: str,
    team: str,
    metric: str = "",
    finding: Mapping[str, Any] | None = None,
    due_on: date | None = None,
    request: Any = None,
) -> Task:
    """Turn a KPI finding into a task for a team."""
    require_permission(actor, "analytics.view")
    errors: list[FieldError] = []
    if not title.strip():
        errors.append(FieldError(("body", "title"), "A title is required.", "required"))
    if len(metric) > 40:
        errors.append(FieldError(("body", "metric"), "At most 40 characters.", "max_length"))
    if team not in Task.Team.values:
        errors.append(
            FieldError(("body", "team"), f"Unknown team; one of {', '.join(Task.Team.values)}.", "choice")
        )
    if errors:
        raise validation_error(errors)
    task = Task.objects.create(
        title=title.strip()[:200],
        team=team,
        metric=metric,
        finding=dict(finding or {}),
        created_by_id=actor.user_id or 0,  # require_permission: signed in
        due_on=due_on,
    )
    audit_record(
        actor=actor,
        action="analytics.task_create",
        obj=task,
        before=None,
        after={"title": task.title, "team": team},
    )
    return task


# --- experiments (R3.2.7) ---------------------------------------------------------------------------


@transaction.atomic
def experiment_create(
    *,
    actor: Actor,
    key: str,
    title: str,
    variants: list[dict[str, Any]],
    metric_event: str,
    value_property: str = "",
    covariate_event: str = "",
    guardrails: list[str] | None = None,
    started_at: datetime | None = None,
    request: Any = None,
) -> Experiment:
    require_permission(actor, "analytics.manage")
    errors: list[FieldError] = []
    if not _SLUG.fullmatch(key) or Experiment.objects.filter(key=key).exists():
        errors.append(
            FieldError(("body", "key"), "Letters, digits, - and _ (at most 80), not used before.", "unique")
        )
    for name, value in (
        ("title", title),
        ("metric_event", metric_event),
        ("value_property", value_property),
        ("covariate_event", covariate_event),
    ):
        if len(value) > (200 if name == "title" else 100):
            errors.append(FieldError(("body", name), "Too long.", "max_length"))
    if any(len(g) > 100 for g in guardrails or []) or len(guardrails or []) > 20:
        errors.append(
            FieldError(("body", "guardrails"), "At most 20 event names of 100 characters.", "max_length")
        )
    keys = [str(v.get("key", "")) for v in variants if isinstance(v, dict)]
    weights = [v.get("weight") for v in variants if isinstance(v, dict)]
    # the name people see (对照组, 一页式结算); optional, the key stays the code
    names = [str(v.get("name") or "").strip() for v in variants if isinstance(v, dict)]
    if any(len(n) > 50 for n in names):
        errors.append(
            FieldError(("body", "variants"), "A variant name has at most 50 characters.", "max_length")
        )
    if any(
        not isinstance(v.get("key", ""), str) or not isinstance(v.get("name") or "", str)
        for v in variants
        if isinstance(v, dict)
    ):  # an object, list, number or boolean was stored as Python's text of it ("{'a': 1}", "True")
        errors.append(FieldError(("body", "variants"), "A variant's key and name are text.", "type"))
    if (
        len(keys) < 2
        or len(keys) != len(variants)
        or len(set(keys)) != len(keys)
        or not all(keys)
        or any(len(k) > 50 for k in keys)
        or len(keys) > 10
        or not all(isinstance(w, int) and not isinstance(w, bool) and 0 < w <= 10_000 for w in weights)
    ):
        errors.append(
            FieldError(
                ("body", "variants"), "Two or more variants with distinct keys and positive integer weights."
            )
        )
    if not metric_event:
        errors.append(FieldError(("body", "metric_event"), "A metric event is required.", "required"))
    if errors:
        raise validation_error(errors)
    experiment = Experiment.objects.create(
        key=key,
        title=title or key,
        variants=[
            {"key": k, "weight": w, **({"name": n} if n else {})}
            for k, w, n in zip(keys, weights, names, strict=True)
        ],
        metric_event=metric_event,
        value_property=value_property,
        covariate_event=covariate_event,
        guardrails=list(guardrails or []),
        started_at=started_at or timezone.now(),
    )
    audit_record(
        actor=actor,
        action="analytics.experiment_create",
        obj=experiment,
        before=None,
        after={"key": key, "variants": experiment.variants},
    )
    return experiment


def experiment_assign(*, experiment: Experiment, distinct_id: str, log_exposure: bool = True) -> str:
    """The variant of ``distinct_id`` (deterministic: hash of experiment key and id); logs the first exposure."""
    if not distinct_id or len(distinct_id) > 200:
        raise validation_error([FieldError(("body", "distinct_id"), "1 to 200 characters.", "length")])
    if experiment.status != Experiment.Status.RUNNING:
        return str(experiment.variants[0]["key"])
    variant = assign_variant(
        experiment.key, distinct_id, [(str(v["key"]), int(v["weight"])) for v in experiment.variants]
    )
    if log_exposure:
        ExperimentExposure.objects.get_or_create(
            experiment=experiment,
            distinct_id=distinct_id,
            defaults={"variant": variant, "exposed_at": timezone.now()},
        )
    return variant


def experiment_by_key(key: str) -> Experiment:
    experiment = Experiment.objects.filter(key=key).first()
    if experiment is None:
        raise not_found("experiment")
    return experiment
