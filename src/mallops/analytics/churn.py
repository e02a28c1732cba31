"""Churn-risk model (R3.2.8), pure Python + scikit-learn.

Features per user are computed from events before a cut-off; the label says whether the user did *not*
come back (no event at all) within the horizon after it. A gradient-boosting classifier is compared with a
logistic-regression baseline on a stratified held-out quarter; both AUCs are reported and the boosted
model's top features are explained by permutation importance on the held-out set (the AUC lost when a
feature is shuffled), the baseline's by its standardised coefficients.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

DAY_US: Final = 86_400_000_000
FEATURES: Final = (
    "recency_days",
    "tenure_days",
    "active_days",
    "events_30d",
    "views_30d",
    "carts_30d",
    "orders_total",
    "spend_fen_total",
    "orders_30d",
    "refunds_total",
    "complaints_total",
)


def features_and_labels(
    rows: Iterable[tuple[str, str, int, int]], *, cutoff_us: int, horizon_us: int
) -> tuple[list[str], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """From ``(distinct_id, event, ts_us, amount_fen)`` rows: users active before the cut-off, their
    feature matrix (columns :data:`FEATURES`) and label 1 when they had no event in the horizon."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    days: dict[str, set[int]] = defaultdict(set)
    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    returned: set[str] = set()
    since = cutoff_us - 30 * DAY_US
    for who, event, ts, amount in rows:
        if ts >= cutoff_us:
            if ts < cutoff_us + horizon_us:
                returned.add(who)
            continue
        first[who] = min(first.get(who, ts), ts)
        last[who] = max(last.get(who, ts), ts)
        days[who].add(ts // DAY_US)
        c = counts[who]
        recent = ts >= since
        c["events_30d"] += recent
        if event in ("page_view", "product_view", "view"):
            c["views_30d"] += recent
        elif event in ("add_to_cart", "cart"):
            c["carts_30d"] += recent
        elif event == "order_paid":
            c["orders_total"] += 1
            c["orders_30d"] += recent
            c["spend_fen_total"] += amount
        elif event == "refund":
            c["refunds_total"] += 1
        elif event == "complaint":
            c["complaints_total"] += 1
    users = sorted(first)
    matrix = np.zeros((len(users), len(FEATURES)), dtype=np.float64)
    labels = np.zeros(len(users), dtype=np.int64)
    for i, who in enumerate(users):
        c = counts[who]
        c["recency_days"] = (cutoff_us - last[who]) / DAY_US
        c["tenure_days"] = (cutoff_us - first[who]) / DAY_US
        c["active_days"] = len(days[who])
        matrix[i] = [c[name] for name in FEATURES]
        labels[i] = 0 if who in returned else 1
    return users, matrix, labels


@dataclass(frozen=True)
class ChurnModel:
    model_auc: float
    baseline_auc: float
    train_size: int
    test_size: int
    churn_rate: float
    top_features: tuple[tuple[str, float], ...]  # permutation importance (AUC drop)
    baseline_coefficients: tuple[tuple[str, float], ...]
    model: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": "gradient_boosting",
            "baseline": "logistic_regression",
            "model_auc": self.model_auc,
            "baseline_auc": self.baseline_auc,
            "train_size": self.train_size,
            "test_size": self.test_size,
            "churn_rate": self.churn_rate,
            "top_features": [{"feature": f, "importance": v} for f, v in self.top_features],
            "baseline_coefficients": [
                {"feature": f, "coefficient": v} for f, v in self.baseline_coefficients
            ],
        }


class NotEnoughData(ValueError):
    pass


def train(
    matrix: npt.NDArray[np.float64],
    labels: npt.NDArray[np.int64],
    *,
    feature_names: Sequence[str] = FEATURES,
    seed: int = 0,
    top: int = 5,
) -> ChurnModel:
    if len(labels) < 40 or labels.min() == labels.max() or min(np.bincount(labels)) < 8:
        raise NotEnoughData("need at least 40 users with at least 8 of each outcome")
    x_train, x_test, y_train, y_test = train_test_split(
        matrix, labels, test_size=0.25, random_state=seed, stratify=labels
    )
    model = GradientBoostingClassifier(random_state=seed, n_estimators=150, max_depth=3, learning_rate=0.1)
    model.fit(x_train, y_train)
    baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    baseline.fit(x_train, y_train)
    model_auc = float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))
    baseline_auc = float(roc_auc_score(y_test, baseline.predict_proba(x_test)[:, 1]))
    importance = permutation_importance(
        model, x_test, y_test, scoring="roc_auc", n_repeats=5, random_state=seed
    )
    ranked = sorted(zip(feature_names, importance.importances_mean, strict=True), key=lambda p: -p[1])
    coefficients = baseline[-1].coef_[0]
    coef_ranked = sorted(zip(feature_names, coefficients, strict=True), key=lambda p: -abs(p[1]))
    return ChurnModel(
        model_auc,
        baseline_auc,
        len(y_train),
        len(y_test),
        float(labels.mean()),
        tuple((name, float(value)) for name, value in ranked[:top]),
        tuple((name, float(value)) for name, value in coef_ranked[:top]),
        model,
    )
