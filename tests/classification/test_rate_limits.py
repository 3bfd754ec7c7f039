"""Queued classify and live suggestions are throttled per client, each with its own limit.

With TEST_REDIS_URL set the limiter counts in real Redis (the app fixture points
RATELIMIT_STORAGE_URI there); otherwise in memory.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def config_overrides():
    return {"CLASSIFY_RATE_LIMIT": "2/minute", "SUGGEST_RATE_LIMIT": "3/minute"}


def assert_throttled(response, limit: int) -> None:
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert f"limit is {limit} per 1 minute" in response.get_json()["error"]["message"]
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.headers["X-RateLimit-Limit"] == str(limit)
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Reset"]) > 0


def test_classify_is_limited_per_client_with_retry_after(app, client, make_ticket, redis_url):
    tid = make_ticket()["id"]
    first = client.post(f"/api/tickets/{tid}/classify")
    assert first.status_code == 202
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert client.post(f"/api/tickets/{tid}/classify").status_code == 202
    assert_throttled(client.post(f"/api/tickets/{tid}/classify"), 2)

    # Another client (another address) has its own allowance.
    other = client.post(f"/api/tickets/{tid}/classify", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 202
    # Suggestions are counted separately.
    assert client.post("/api/classify", json={"body": "refund please"}).status_code == 200

    if redis_url:
        import redis

        keys = redis.Redis.from_url(redis_url).keys("LIMITS*")
        assert keys, "the limiter should count in Redis when TEST_REDIS_URL is set"


def test_suggestions_have_their_own_higher_limit(client):
    for _ in range(3):
        assert client.post("/api/classify", json={"body": "my invoice is wrong"}).status_code == 200
    assert_throttled(client.post("/api/classify", json={"body": "my invoice is wrong"}), 3)


def test_default_limits_are_ten_and_sixty_per_minute(monkeypatch):
    from config import Config

    monkeypatch.delenv("CLASSIFY_RATE_LIMIT", raising=False)
    monkeypatch.delenv("SUGGEST_RATE_LIMIT", raising=False)
    cfg = Config()
    assert cfg.CLASSIFY_RATE_LIMIT == "10/minute"
    assert cfg.SUGGEST_RATE_LIMIT == "60/minute"
