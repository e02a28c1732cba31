"""A/B test results (R3.2.7): exposures from the database, outcomes from the event store.

For every exposed user (identity-resolved) the outcome window runs from the exposure to the experiment's
end (or now). Per variant against the control (the first variant):

* conversion: the share of users with at least one ``metric_event`` -> two-proportion z-test;
* value (when ``value_property`` is set): the per-user sum of that property over ``metric_event`` ->
  Welch t-test, plain and CUPED-adjusted with the per-user sum (or count) of ``covariate_event`` (default:
  the metric event) in the 14 days before the experiment started as covariate;
* guard-rails: the share of users with each guard-rail event; a significant increase (p < 0.05) fails it;
* sample-ratio mismatch: chi-square of exposures per variant against the weights; on a mismatch the
  result says so and the verdict is "invalid".
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext

from mallops.analytics import querying, stats
from mallops.analytics.models import Experiment
from mallops.analytics.selectors import alias_map, to_us
from mallops.analytics.store.events import shanghai_day
from mallops.analytics.store.queries import sql_string

PRE_PERIOD = timedelta(days=14)
ALPHA = 0.05


def variant_names(variants: list[dict[str, Any]]) -> dict[str, str]:
    """What the console calls each variant: its ``name`` when the experiment gave one, else 对照组 for the
    first variant (the control) and 实验组 (实验组 1, 2, ... when there are several) for the others. The
    key stays the code that assignment, exposures and the API use."""
    treatments = len(variants) - 1
    names: dict[str, str] = {}
    for i, variant in enumerate(variants):
        name = str(variant.get("name") or "").strip()
        if not name:
            if i == 0:
                name = gettext("Control variant")
            elif treatments == 1:
                name = gettext("Treatment variant")
            else:
                name = f"{gettext('Treatment variant')} {i}"
        names[str(variant["key"])] = name
    return names


def _per_user(
    rows: list[tuple[str, str, int, str]],
    exposed_at: dict[str, int],
    event: str,
    prop: str,
    *,
    before: int | None,
) -> dict[str, float]:
    """Per exposed user: sum of ``prop`` (or count when ``prop`` is empty) of ``event`` in the window."""
    totals: dict[str, float] = defaultdict(float)
    for distinct_id, name, ts, properties in rows:
        if name != event or distinct_id not in exposed_at:
            continue
        if before is not None:
            if ts >= before:
                continue
        elif ts < exposed_at[distinct_id]:
            continue
        if prop:
            value = json.loads(properties).get(prop)
            if isinstance(value, int | float) and not isinstance(value, bool):
                totals[distinct_id] += float(value)
        else:
            totals[distinct_id] += 1.0
    return totals


def experiment_results(experiment: Experiment, *, now: datetime | None = None) -> dict[str, Any]:
    aliases = alias_map()
    exposures: dict[str, tuple[str, int]] = {}
    for distinct_id, variant, seen in experiment.exposures.values_list(
        "distinct_id", "variant", "exposed_at"
    ):
        person = aliases.get(distinct_id, distinct_id)
        moment = to_us(seen)
        if person not in exposures or moment < exposures[person][1]:
            exposures[person] = (variant, moment)
    start_us = to_us(experiment.started_at)
    end_us = to_us(experiment.ended_at or now or timezone.now()) + 1
    pre_us = start_us - int(PRE_PERIOD.total_seconds() * 1_000_000)
    covariate_event = experiment.covariate_event or experiment.metric_event
    names = {experiment.metric_event, covariate_event, *experiment.guardrails}
    rows: list[tuple[str, str, int, str]] = []
    with querying.events(shanghai_day(pre_us), shanghai_day(end_us), aliases) as query:
        if query.source is not None and exposures:
            rows = query.fetch(
                f"SELECT distinct_id, event, ts_us, properties FROM {query.source} "
                f"WHERE event IN ({', '.join(sql_string(n) for n in sorted(names))}) "
                f"AND ts_us >= {pre_us} AND ts_us < {end_us}"
            )
    first_seen = {person: moment for person, (_, moment) in exposures.items()}
    conversions = _per_user(rows, first_seen, experiment.metric_event, "", before=None)
    values = _per_user(rows, first_seen, experiment.metric_event, experiment.value_property, before=None)
    covariates = _per_user(rows, first_seen, covariate_event, experiment.value_property, before=start_us)
    guard_hits = {g: _per_user(rows, first_seen, g, "", before=None) for g in experiment.guardrails}

    variant_keys = [str(v["key"]) for v in experiment.variants]
    members: dict[str, list[str]] = {key: [] for key in variant_keys}
    for person, (variant, _) in sorted(exposures.items()):
        members.setdefault(variant, []).append(person)
    srm = stats.srm_check(
        [len(members[k]) for k in variant_keys], [int(v["weight"]) for v in experiment.variants]
    )

    control = variant_keys[0]
    y_all = np.array([values.get(p, 0.0) for k in variant_keys for p in members[k]], dtype=np.float64)
    x_all = np.array([covariates.get(p, 0.0) for k in variant_keys for p in members[k]], dtype=np.float64)
    adjusted_all = stats.cuped(y_all, x_all) if y_all.size >= 2 else None
    adjusted: dict[str, list[float]] = {}
    offset = 0
    for key in variant_keys:
        n = len(members[key])
        adjusted[key] = [] if adjusted_all is None else adjusted_all.adjusted[offset : offset + n].tolist()
        offset += n

    def conv(key: str) -> int:
        return sum(1 for p in members[key] if conversions.get(p, 0.0) > 0)

    variants: list[dict[str, Any]] = []
    guard_failed = False
    for key in variant_keys:
        n = len(members[key])
        row: dict[str, Any] = {
            "key": key,
            "users": n,
            "conversions": conv(key),
            "conversion_rate": conv(key) / n if n else None,
            "mean_value": float(np.mean([values.get(p, 0.0) for p in members[key]])) if n else None,
        }
        if key != control and n and members[control]:
            row["conversion_test"] = stats.two_proportion_z(
                conv(control), len(members[control]), conv(key), n
            ).as_dict()
            if experiment.value_property and n >= 2 and len(members[control]) >= 2:
                a = [values.get(p, 0.0) for p in members[control]]
                b = [values.get(p, 0.0) for p in members[key]]
                row["value_test"] = stats.welch_t(a, b).as_dict()
                row["value_test_cuped"] = stats.welch_t(adjusted[control], adjusted[key]).as_dict()
            guards = []
            for guard in experiment.guardrails:
                hits_c = sum(1 for p in members[control] if guard_hits[guard].get(p))
                hits_t = sum(1 for p in members[key] if guard_hits[guard].get(p))
                test = stats.two_proportion_z(hits_c, len(members[control]), hits_t, n)
                failed = test.p_value < ALPHA and test.effect > 0
                guard_failed = guard_failed or failed
                guards.append(
                    {
                        "event": guard,
                        "control": hits_c,
                        "treatment": hits_t,
                        **test.as_dict(),
                        "failed": failed,
                    }
                )
            row["guardrails"] = guards
        variants.append(row)
    if srm.mismatch:
        verdict = "invalid: sample ratio mismatch"
    elif guard_failed:
        verdict = "stop: a guard-rail metric got worse"
    elif any(v.get("conversion_test", {}).get("p_value", 1.0) < ALPHA for v in variants):
        verdict = "significant"
    else:
        verdict = "not significant"
    return {
        "experiment": experiment.key,
        "metric_event": experiment.metric_event,
        "value_property": experiment.value_property,
        "srm": {
            "chi2": srm.chi2,
            "p_value": srm.p_value,
            "expected": list(srm.expected),
            "mismatch": srm.mismatch,
        },
        "cuped": None
        if adjusted_all is None
        else {"theta": adjusted_all.theta, "variance_reduction": adjusted_all.variance_reduction},
        "variants": variants,
        "verdict": verdict,
    }
