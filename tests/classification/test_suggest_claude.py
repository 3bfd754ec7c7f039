"""Live suggestions with Claude: one short attempt, the fallback when it does not answer."""

from __future__ import annotations

import time

import pytest

from .fake_anthropic import GOOD_TRIAGE, error, hang, tool

BODY = {"subject": "Charged twice", "body": "I was charged twice on my invoice, refund please."}


@pytest.fixture
def config_overrides(claude_settings):
    return claude_settings


def test_suggest_uses_claude_when_configured(client, fake_api):
    fake_api.answer(tool())
    response = client.post("/api/classify", json=BODY)
    assert response.status_code == 200
    suggestion = response.get_json()
    assert suggestion["source"] == "claude" and suggestion["model"] == "claude-haiku-5-5"
    assert suggestion["category"] == GOOD_TRIAGE["category"]
    assert suggestion["suggested_title"] == GOOD_TRIAGE["suggested_title"]
    assert fake_api.count == 1


def test_suggest_does_not_wait_for_a_hanging_claude(client, fake_api):
    fake_api.answer(hang(10))
    started = time.monotonic()
    response = client.post("/api/classify", json=BODY)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    suggestion = response.get_json()
    assert suggestion["source"] == "fallback" and suggestion["category"] == "billing"
    assert "APITimeoutError" in suggestion["error"]
    assert fake_api.count == 1  # one attempt only: a person is waiting
    assert elapsed < 3  # CLASSIFY_SUGGEST_TIMEOUT is 0.3 s


def test_suggest_falls_back_on_overload_without_retrying(client, fake_api):
    fake_api.answer(error(529, "overloaded_error"))
    suggestion = client.post("/api/classify", json=BODY).get_json()
    assert suggestion["source"] == "fallback" and "HTTP 529" in suggestion["error"]
    assert fake_api.count == 1
