"""Fixtures for triage tests: the fake Messages API and an app that points the SDK at it."""

from __future__ import annotations

import pytest

from .fake_anthropic import FakeAnthropic


@pytest.fixture
def fake_api():
    """A fake Anthropic Messages API on 127.0.0.1 (free port), stopped after the test."""
    fake = FakeAnthropic().start()
    yield fake
    fake.stop()


@pytest.fixture
def claude_settings(fake_api) -> dict:
    """Settings that make the app triage with Claude through the fake server."""
    return {
        "ANTHROPIC_API_KEY": "sk-ant-test-key",
        "ANTHROPIC_BASE_URL": fake_api.base_url,
        "CLASSIFY_MODEL": "claude-haiku-5-5",
        "CLASSIFY_TIMEOUT": 0.5,
        "CLASSIFY_SUGGEST_TIMEOUT": 0.3,
        "CLASSIFY_MAX_RETRIES": 2,  # three attempts in all
        "CLASSIFY_BACKOFF_BASE": 0.01,
        "CLASSIFY_BACKOFF_MAX": 0.05,
        "CLASSIFY_RETRY_AFTER_MAX": 2.0,
    }
