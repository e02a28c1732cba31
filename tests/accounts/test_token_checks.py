"""``accounts.tokens.token_usable``: the one decision on a bearer token (main stack and fast path)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mallops.accounts.tokens import aware, token_digest, token_prefix, token_usable

RAW = "mlp_ab12cd34_secret"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _usable(**changes: object) -> bool:
    row: dict[str, object] = {
        "raw": RAW,
        "digest": token_digest(RAW),
        "expires_at": NOW + timedelta(seconds=1),
        "revoked_at": None,
        "user_is_active": True,
        "now": NOW,
    }
    row.update(changes)
    return token_usable(**row)  # type: ignore[arg-type]


def test_a_genuine_unexpired_token_of_an_active_user_is_usable() -> None:
    assert _usable() is True


@pytest.mark.parametrize(
    "changes",
    [
        {"digest": token_digest(RAW + "x")},
        {"raw": RAW + "x"},
        {"expires_at": NOW},
        {"expires_at": NOW - timedelta(hours=1)},
        {"revoked_at": NOW - timedelta(days=1)},
        {"user_is_active": False},
    ],
    ids=["other digest", "other secret", "expires now", "expired", "revoked", "user inactive"],
)
def test_each_check_refuses_on_its_own(changes: dict[str, object]) -> None:
    assert _usable(**changes) is False


def test_raw_timestamps_from_either_database_compare_the_same() -> None:
    # SQLite hands back naive UTC (or ISO text), PostgreSQL aware values
    later = NOW + timedelta(minutes=5)
    assert aware(later.replace(tzinfo=None)) == later
    assert aware("2026-12-07 12:05:00") == later
    assert _usable(expires_at="2026-12-07 12:00:01") is True
    assert _usable(expires_at="2026-12-07 12:00:00") is False


def test_prefix_of_our_tokens_only() -> None:
    assert token_prefix(RAW) == "ab12cd34"
    assert token_prefix("Bearer mlp_x") is None
    assert token_prefix("ghp_ab12_secret") is None
