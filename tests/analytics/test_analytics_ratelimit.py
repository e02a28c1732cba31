"""POST /api/v1/events is rate limited per client address or configured API key (token bucket): 429
problem+json with Retry-After and code events_rate_limited, nothing stored; SQLite locally, Redis when set."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from analytics_django_support import ev, store

from mallops.analytics import ratelimit
from mallops.analytics.store.store import EventStore
from mallops.testing.client import ApiClient

pytestmark = pytest.mark.django_db
__all__ = ["store"]


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, settings: Any, store: EventStore) -> Iterator[Clock]:
    settings.REDIS_URL = ""
    settings.MALLOPS = {
        **settings.MALLOPS,
        "EVENTS_RATE_LIMIT": {"RATE": 1.0, "BURST": 3, "KEYS": {"app-key": {"RATE": 0.5, "BURST": 5}}},
    }
    fake = Clock()
    monkeypatch.setattr(ratelimit, "_clock", fake)
    ratelimit.reset_local()
    yield fake
    ratelimit.reset_local()


def post(n: int, *, ip: str = "10.0.0.1", key: str | None = None) -> Any:
    client = ApiClient(REMOTE_ADDR=ip)
    headers = {"X-Api-Key": key} if key else None
    return client.post_json("/api/v1/events", [ev(f"rl-{ip}-{key}-{n}", "page_view", "anon-1", 0)], headers)


@pytest.mark.req("R3.1.1")
def test_bucket_per_address_answers_429_with_retry_after_and_stores_nothing(
    clock: Clock, store: EventStore
) -> None:
    assert [post(n).status_code for n in range(3)] == [200, 200, 200]
    refused = post(3)
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused["Retry-After"] == "1"
    body = refused.json()
    assert body["code"] == "events_rate_limited" and body["retry_after"] == 1
    assert store.spool.spooled_count() == 3  # the refused batch was not stored
    ratelimit.reset_local()  # another web worker: same bucket file, same verdict
    assert post(4).status_code == 429
    assert post(5, ip="10.0.0.2").status_code == 200  # another address has its own bucket
    clock.now += 1.0  # one token refilled
    assert post(6).json()["ingested"] == 1
    assert post(7).status_code == 429
    clock.now += 0.5
    assert post(8)["Retry-After"] == "1"


def test_known_api_key_has_its_own_bucket_unknown_keys_share_the_address(clock: Clock) -> None:
    assert [post(n, key="app-key").status_code for n in range(5)] == [200] * 5
    refused = post(5, key="app-key")
    assert refused.status_code == 429 and refused["Retry-After"] == "2"  # 0.5 tokens per second
    assert [post(n, key=f"made-up-{n}").status_code for n in range(4)] == [200, 200, 200, 429]
    assert post(9).status_code == 429  # the invented keys drew on the address's bucket


def test_rate_zero_turns_the_limit_off(clock: Clock, settings: Any) -> None:
    settings.MALLOPS = {**settings.MALLOPS, "EVENTS_RATE_LIMIT": {"RATE": 0, "BURST": 1}}
    assert {post(n).status_code for n in range(10)} == {200}


@pytest.mark.redis
def test_buckets_live_in_redis_when_configured(redis_url: str, settings: Any, store: EventStore) -> None:
    settings.REDIS_URL = redis_url
    settings.MALLOPS = {**settings.MALLOPS, "EVENTS_RATE_LIMIT": {"RATE": 0.2, "BURST": 2}}
    address = f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    assert [post(n, ip=address).status_code for n in range(2)] == [200, 200]
    refused = post(2, ip=address)
    assert refused.status_code == 429 and refused.json()["code"] == "events_rate_limited"
    assert int(refused["Retry-After"]) in range(1, 6)
    assert not (store.path / "ratelimit.sqlite").exists()  # Redis held the bucket, not the local file
