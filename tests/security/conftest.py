from __future__ import annotations

import shutil

import pytest

from tests.conftest import IN_CI
from tests.security.outage import CheckCounter, PrivateRedis


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own (started), stopped and removed afterwards."""
    if shutil.which("redis-server") is None:
        if IN_CI:
            pytest.fail("CI=true but redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def password_checks(monkeypatch):
    """Counts every password check the accounts service makes."""
    from ticketing.accounts import services

    counter = CheckCounter(services.check_password_hash)
    monkeypatch.setattr(services, "check_password_hash", counter)
    return counter
