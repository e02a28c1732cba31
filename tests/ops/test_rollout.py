"""The pure gray-release arithmetic (R6.4.2): versions, the stable hash rollout and cohorts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallops.ops.rollout import BUCKETS, Subject, bucket, decide, in_rollout, parse_version

subjects = st.builds(Subject, st.sampled_from(["merchant", "buyer", "staff"]), st.integers(1, 2**53 - 1))
flag_names = st.from_regex(r"[a-z][a-z0-9_-]{0,20}", fullmatch=True)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("1.0.0", (1, 0, 0)),
        ("0.12.3", (0, 12, 3)),
        ("10.0.20", (10, 0, 20)),
        ("1.0", None),
        ("1.0.0.0", None),
        ("01.0.0", None),
        ("v1.0.0", None),
        ("1.0.0-rc1", None),
        ("1.٣.0", None),
    ],
)
def test_parse_version(text: str, parsed: tuple[int, int, int] | None) -> None:
    assert parse_version(text) == parsed


@pytest.mark.req("R6.4.2")
@given(flag_names, subjects, st.integers(0, 100), st.integers(0, 100))
def test_rollout_is_monotone_as_the_percentage_grows(
    flag: str, subject: Subject, low: int, high: int
) -> None:
    low, high = sorted((low, high))
    # oracle: a subject on at the lower percentage stays on at the higher one
    if in_rollout(flag, subject, low):
        assert in_rollout(flag, subject, high)
    assert in_rollout(flag, subject, 0) is False
    assert in_rollout(flag, subject, 100) is True
    assert 0 <= bucket(flag, subject) < BUCKETS
    assert in_rollout(flag, subject, high) == (bucket(flag, subject) < high * 100)


@pytest.mark.req("R6.4.2")
@pytest.mark.parametrize("percentage", [1, 5, 10, 25, 50, 90])
@pytest.mark.parametrize("kind", ["merchant", "buyer", "staff"])
def test_rollout_reaches_about_p_percent_of_10000_ids(percentage: int, kind: str) -> None:
    on = sum(in_rollout("new-checkout", Subject(kind, i), percentage) for i in range(1, 10_001))  # type: ignore[arg-type]
    assert abs(on - percentage * 100) <= 200  # ±2 % of 10,000


def test_rollout_differs_between_flags() -> None:
    ids = range(1, 1001)
    a = {i for i in ids if in_rollout("flag-a", Subject("buyer", i), 50)}
    b = {i for i in ids if in_rollout("flag-b", Subject("buyer", i), 50)}
    assert a != b  # not the same half of the users for every flag


@given(flag_names, subjects, st.integers(0, 100))
def test_decide_cohorts_and_switch(flag: str, subject: Subject, percentage: int) -> None:
    cohort: dict[str, list[int]] = {subject.kind: [subject.id]}
    assert decide(flag, subject, is_enabled=True, percentage=percentage, cohorts=cohort) is True
    assert decide(flag, subject, is_enabled=False, percentage=100, cohorts=cohort) is False
    other_kind = {"merchant": "buyer", "buyer": "staff", "staff": "merchant"}[subject.kind]
    assert decide(
        flag, subject, is_enabled=True, percentage=percentage, cohorts={other_kind: [subject.id]}
    ) == (in_rollout(flag, subject, percentage))
    assert decide(flag, None, is_enabled=True, percentage=percentage, cohorts={}) == (percentage == 100)
