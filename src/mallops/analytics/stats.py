"""Statistics for analytics, pure Python + numpy (no Django): descriptive statistics (R3.1.4) and the
A/B-test toolkit (R3.2.7).

* :func:`assign_variant`: deterministic bucketing by SHA-256 of ``experiment_key:distinct_id``;
* :func:`two_proportion_z`: pooled two-proportion z-test (conversion rates);
* :func:`welch_t`: Welch's unequal-variance t-test (means of a value);
* :func:`cuped`: CUPED adjustment ``y - theta * (x - mean(x))`` with ``theta = cov(x, y) / var(x)`` over
  all units, which keeps the treatment effect and removes the variance explained by the pre-period
  covariate;
* :func:`srm_check`: chi-square goodness of fit of the observed split against the configured weights;
  a p-value under 0.001 flags a sample-ratio mismatch and the results must not be trusted.

Distribution tails come from ``math.erfc`` and ``scipy.special`` (``stdtr``, ``chdtrc``); the tests compare
every figure with ``scipy.stats``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy import special

SRM_ALPHA: Final = 0.001
BUCKETS: Final = 10_000

F64 = npt.NDArray[np.float64]


def assign_variant(experiment_key: str, distinct_id: str, variants: Sequence[tuple[str, int]]) -> str:
    """The variant for a user: the same answer on every call, device and server."""
    if not variants:
        raise ValueError("an experiment needs variants")
    digest = hashlib.sha256(f"{experiment_key}:{distinct_id}".encode()).digest()
    total = sum(weight for _, weight in variants)
    point = int.from_bytes(digest[:8], "big") % (total * BUCKETS)
    edge = 0
    for key, weight in variants:
        edge += weight * BUCKETS
        if point < edge:
            return key
    return variants[-1][0]


# --- descriptive statistics (R3.1.4) ------------------------------------------------------------------


@dataclass(frozen=True)
class Describe:
    count: int
    mean: float | None
    median: float | None
    std: float | None  # sample standard deviation (ddof=1); None below 2 values
    min: float | None
    max: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "count": self.count,
            "mean": self.mean,
            "median": self.median,
            "std": self.std,
            "min": self.min,
            "max": self.max,
        }


def describe(values: Sequence[float] | F64) -> Describe:
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return Describe(0, None, None, None, None, None)
    std = float(np.std(data, ddof=1)) if data.size > 1 else None
    return Describe(
        int(data.size),
        float(np.mean(data)),
        float(np.median(data)),
        std,
        float(data.min()),
        float(data.max()),
    )


def pearson(x: Sequence[float] | F64, y: Sequence[float] | F64) -> float | None:
    """Pearson correlation; None when undefined (fewer than 2 pairs or a constant column)."""
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    if a.size != b.size:
        raise ValueError("x and y differ in length")
    if a.size < 2:
        return None
    da = a - a.mean()
    db = b - b.mean()
    denominator = math.sqrt(float(np.dot(da, da)) * float(np.dot(db, db)))
    if denominator == 0.0:
        return None
    return max(-1.0, min(1.0, float(np.dot(da, db)) / denominator))


# --- tests -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestResult:
    statistic: float
    p_value: float
    effect: float  # treatment minus control
    ci_low: float
    ci_high: float
    df: float | None = None

    def significant(self, alpha: float = 0.05) -> bool:
        return self.p_value < alpha

    def as_dict(self) -> dict[str, float | None]:
        return {
            "statistic": self.statistic,
            "p_value": self.p_value,
            "effect": self.effect,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "df": self.df,
        }


def _normal_two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


_Z975: Final = 1.959963984540054


def two_proportion_z(success_a: int, total_a: int, success_b: int, total_b: int) -> TestResult:
    """Pooled z-test of ``p_b - p_a`` (a = control); Wald 95 % interval for the difference."""
    if total_a <= 0 or total_b <= 0:
        raise ValueError("both groups need at least one unit")
    if not (0 <= success_a <= total_a and 0 <= success_b <= total_b):
        raise ValueError("successes must be between 0 and the group size")
    p_a, p_b = success_a / total_a, success_b / total_b
    pooled = (success_a + success_b) / (total_a + total_b)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / total_a + 1 / total_b))
    diff = p_b - p_a
    if se_pooled == 0.0:
        z, p = 0.0, 1.0
    else:
        z = diff / se_pooled
        p = _normal_two_sided(z)
    se = math.sqrt(p_a * (1 - p_a) / total_a + p_b * (1 - p_b) / total_b)
    return TestResult(z, p, diff, diff - _Z975 * se, diff + _Z975 * se)


def welch_t(a: Sequence[float] | F64, b: Sequence[float] | F64) -> TestResult:
    """Welch's t-test of ``mean(b) - mean(a)`` with the Welch-Satterthwaite degrees of freedom."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.size < 2 or y.size < 2:
        raise ValueError("each group needs at least two values")
    va = float(np.var(x, ddof=1)) / x.size
    vb = float(np.var(y, ddof=1)) / y.size
    diff = float(y.mean() - x.mean())
    se = math.sqrt(va + vb)
    if se == 0.0:
        return TestResult(0.0, 1.0, diff, diff, diff, float(x.size + y.size - 2))
    t = diff / se
    df = (va + vb) ** 2 / (va**2 / (x.size - 1) + vb**2 / (y.size - 1))
    p = float(2.0 * special.stdtr(df, -abs(t)))
    half = float(special.stdtrit(df, 0.975)) * se
    return TestResult(t, min(1.0, p), diff, diff - half, diff + half, df)


@dataclass(frozen=True)
class Cuped:
    theta: float
    adjusted: F64
    variance_reduction: float  # 1 - var(adjusted) / var(y)


def cuped(y: Sequence[float] | F64, x: Sequence[float] | F64) -> Cuped:
    """CUPED-adjusted metric values for units with metric ``y`` and pre-period covariate ``x``."""
    yy = np.asarray(y, dtype=np.float64)
    xx = np.asarray(x, dtype=np.float64)
    if yy.size != xx.size or yy.size < 2:
        raise ValueError("y and x need the same length, at least 2")
    var_x = float(np.var(xx, ddof=1))
    theta = 0.0 if var_x == 0.0 else float(np.cov(xx, yy, ddof=1)[0, 1]) / var_x
    adjusted = yy - theta * (xx - xx.mean())
    var_y = float(np.var(yy, ddof=1))
    reduction = 0.0 if var_y == 0.0 else 1.0 - float(np.var(adjusted, ddof=1)) / var_y
    return Cuped(theta, adjusted, reduction)


@dataclass(frozen=True)
class SrmResult:
    chi2: float
    p_value: float
    expected: tuple[float, ...]
    mismatch: bool


def srm_check(observed: Sequence[int], weights: Sequence[int | float], alpha: float = SRM_ALPHA) -> SrmResult:
    """Chi-square goodness of fit of the observed group sizes against the configured weights."""
    if len(observed) != len(weights) or len(observed) < 2:
        raise ValueError("one observed count per weight, at least two groups")
    total = sum(observed)
    weight_sum = float(sum(weights))
    if total == 0:
        return SrmResult(0.0, 1.0, tuple(0.0 for _ in weights), False)
    expected = tuple(total * w / weight_sum for w in weights)
    chi2 = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))
    p = float(special.chdtrc(len(observed) - 1, chi2))
    return SrmResult(chi2, p, expected, p < alpha)
