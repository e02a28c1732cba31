"""The statistics module against scipy/numpy as oracles (R3.1.4, R3.2.7)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sp

from mallops.analytics import stats

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@pytest.mark.req("R3.1.4")
@settings(max_examples=150, deadline=None)
@given(st.lists(finite, min_size=2, max_size=60))
def test_describe_matches_numpy(values: list[float]) -> None:
    result = stats.describe(values)
    assert result.count == len(values)
    assert result.mean == pytest.approx(np.mean(values), rel=1e-9, abs=1e-6)
    assert result.median == pytest.approx(np.median(values), rel=1e-9, abs=1e-6)
    assert result.std == pytest.approx(np.std(values, ddof=1), rel=1e-9, abs=1e-6)


@pytest.mark.req("R3.1.4")
@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=3, max_size=60))
def test_pearson_matches_scipy(pairs: list[tuple[float, float]]) -> None:
    x = [p[0] for p in pairs]
    y = [p[1] for p in pairs]
    ours = stats.pearson(x, y)
    if np.std(x) < 1e-3 or np.std(y) < 1e-3:
        return  # near-constant columns: scipy warns and loses precision; ours answers None at exactly 0
    assert ours == pytest.approx(sp.pearsonr(x, y).statistic, abs=1e-7)


def test_describe_empty_and_constant() -> None:
    assert stats.describe([]).mean is None
    assert stats.describe([5.0]).std is None
    assert stats.pearson([1, 1, 1], [1, 2, 3]) is None


@pytest.mark.req("R3.2.7")
@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 5000).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
    st.integers(1, 5000).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
)
def test_two_proportion_z_matches_chi_square_without_correction(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    (na, xa), (nb, xb) = a, b
    result = stats.two_proportion_z(xa, na, xb, nb)
    table = np.array([[xa, na - xa], [xb, nb - xb]])
    if (table.sum(axis=0) == 0).any():
        assert result.p_value == 1.0
        return
    chi2, p, _, _ = sp.chi2_contingency(table, correction=False)
    assert result.statistic**2 == pytest.approx(chi2, rel=1e-9, abs=1e-9)
    assert result.p_value == pytest.approx(p, rel=1e-6, abs=1e-12)
    assert result.effect == pytest.approx(xb / nb - xa / na)


@pytest.mark.req("R3.2.7")
@pytest.mark.filterwarnings("ignore:Precision loss occurred:RuntimeWarning")
@settings(max_examples=150, deadline=None)
@given(st.lists(finite, min_size=2, max_size=40), st.lists(finite, min_size=2, max_size=40))
def test_welch_matches_scipy(a: list[float], b: list[float]) -> None:
    if np.var(a) < 1e-6 and np.var(b) < 1e-6:
        return
    ours = stats.welch_t(a, b)
    theirs = sp.ttest_ind(b, a, equal_var=False)
    assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-7, abs=1e-9)
    assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-6, abs=1e-12)
    assert ours.df == pytest.approx(theirs.df, rel=1e-7)
    low, high = theirs.confidence_interval(0.95)
    assert (ours.ci_low, ours.ci_high) == pytest.approx((low, high), rel=1e-6, abs=1e-6)


@pytest.mark.req("R3.2.7")
def test_cuped_keeps_the_effect_and_reduces_variance() -> None:
    rng = np.random.default_rng(7)
    n = 4000
    pre = rng.gamma(2.0, 50.0, size=2 * n)
    treated = np.r_[np.zeros(n), np.ones(n)]
    y = 0.8 * pre + 5.0 * treated + rng.normal(0, 20, size=2 * n)
    adjusted = stats.cuped(y, pre)
    assert adjusted.theta == pytest.approx(np.cov(pre, y)[0, 1] / np.var(pre, ddof=1))
    assert adjusted.variance_reduction > 0.5
    plain = stats.welch_t(y[:n], y[n:])
    reduced = stats.welch_t(adjusted.adjusted[:n], adjusted.adjusted[n:])
    assert reduced.effect == pytest.approx(5.0, abs=1.5)
    assert (reduced.ci_high - reduced.ci_low) < 0.75 * (plain.ci_high - plain.ci_low)
    assert reduced.p_value < plain.p_value


@pytest.mark.req("R3.2.7")
@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10_000), min_size=2, max_size=5), st.data())
def test_srm_matches_scipy_chisquare(observed: list[int], data: st.DataObject) -> None:
    weights = data.draw(st.lists(st.integers(1, 100), min_size=len(observed), max_size=len(observed)))
    result = stats.srm_check(observed, weights)
    if sum(observed) == 0:
        assert not result.mismatch
        return
    expected = [sum(observed) * w / sum(weights) for w in weights]
    theirs = sp.chisquare(observed, expected)
    assert result.chi2 == pytest.approx(theirs.statistic, rel=1e-9, abs=1e-9)
    assert result.p_value == pytest.approx(theirs.pvalue, rel=1e-6, abs=1e-12)
    assert result.mismatch == (theirs.pvalue < 0.001)


@pytest.mark.req("R3.2.7")
def test_srm_flags_a_broken_split_and_passes_a_fair_one() -> None:
    assert stats.srm_check([5000, 5400], [50, 50]).mismatch is True
    assert stats.srm_check([5000, 5050], [50, 50]).mismatch is False


@pytest.mark.req("R3.2.7")
def test_assignment_is_deterministic_and_follows_weights() -> None:
    variants = [("control", 70), ("treatment", 30)]
    first = [stats.assign_variant("checkout-v2", f"buyer{i}", variants) for i in range(20_000)]
    assert first == [stats.assign_variant("checkout-v2", f"buyer{i}", variants) for i in range(20_000)]
    counts = Counter(first)
    assert not stats.srm_check([counts["control"], counts["treatment"]], [70, 30]).mismatch
    other = [stats.assign_variant("other-test", f"buyer{i}", variants) for i in range(20_000)]
    assert first != other  # independent per experiment
