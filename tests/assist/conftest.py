"""The fake Messages API for draft tests (the same server triage tests use)."""

from __future__ import annotations

import pytest

from tests.classification.fake_anthropic import FakeAnthropic


@pytest.fixture
def fake_api():
    fake = FakeAnthropic().start()
    yield fake
    fake.stop()
