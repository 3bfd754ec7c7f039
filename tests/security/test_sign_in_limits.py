"""Sign-in limits are counted before the password is checked, atomically, in the database:
parallel guesses never get more checks than the limit, in any process, and a Redis outage
changes nothing (they never fall back to per-process memory)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import make_config
from tests.security.outage import in_parallel
from ticketing import create_app
from ticketing.core.extensions import db
from ticketing.core.ratelimits import rate_counters

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20


def login(app, email: str, password: str, address: str):
    return app.test_client().post(
        "/api/auth/login",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def statuses(responses) -> dict[int, int]:
    found: dict[int, int] = {}
    for response in responses:
        found[response.status_code] = found.get(response.status_code, 0) + 1
    return found


def test_100_parallel_wrong_passwords_for_one_account_check_at_most_the_limit(
    app, agent_user, password_checks
):
    responses = in_parallel(
        100, lambda i: login(app, agent_user.email, f"wrong {i}", f"10.1.{i // 250}.{i % 250}")
    )
    seen = statuses(responses)
    print(f"\n100 parallel guesses, one account: {password_checks.count} checked, {seen}")
    assert 1 <= password_checks.count <= ACCOUNT_LIMIT
    assert seen == {401: password_checks.count, 429: 100 - password_checks.count}
    refused = next(r for r in responses if r.status_code == 429)
    assert int(refused.headers["Retry-After"]) >= 1
    # Locked: even the right password now waits.
    assert login(app, agent_user.email, agent_user.password, "10.9.9.9").status_code == 429


def test_100_parallel_wrong_passwords_from_one_address_check_at_most_the_limit(
    app, agent_user, password_checks
):
    responses = in_parallel(
        100, lambda i: login(app, f"guess{i}@example.com", "wrong password", "10.2.0.1")
    )
    seen = statuses(responses)
    print(f"\n100 parallel guesses, one address: {password_checks.count} checked, {seen}")
    assert 1 <= password_checks.count <= ADDRESS_LIMIT
    assert seen == {401: password_checks.count, 429: 100 - password_checks.count}
    # Another address is not affected.
    assert login(app, agent_user.email, agent_user.password, "10.2.0.2").status_code == 200


def test_the_count_holds_across_app_processes(app, database_url, agent_user, password_checks):
    """Two apps on one database (two gunicorn workers): one budget, not one each."""
    other = create_app(make_config(SQLALCHEMY_DATABASE_URI=database_url))
    for n in range(ACCOUNT_LIMIT):
        target = app if n % 2 else other
        assert login(target, agent_user.email, "wrong", f"10.3.0.{n}").status_code == 401
    assert login(other, agent_user.email, "wrong", "10.3.1.1").status_code == 429
    assert login(app, agent_user.email, "wrong", "10.3.1.2").status_code == 429
    assert password_checks.count == ACCOUNT_LIMIT
    with other.app_context():
        db.engine.dispose()


def test_wrong_current_passwords_in_parallel_check_at_most_the_limit(
    app, agent_user, password_checks
):
    from tests.accounts.helpers import sign_in

    client = sign_in(app, agent_user)
    cookie = client.get_cookie("session").value
    checks_before = password_checks.count

    def change(i: int):
        one = app.test_client()
        one.set_cookie("session", cookie)
        return one.post(
            "/api/auth/password",
            json={"current_password": f"wrong {i}", "new_password": "a brand new passphrase"},
            headers={"X-CSRF-Token": client.csrf},
        )

    seen = statuses(in_parallel(50, change))
    checked = password_checks.count - checks_before
    assert 1 <= checked <= ACCOUNT_LIMIT
    assert seen == {422: checked, 429: 50 - checked}


def test_with_redis_down_sign_in_stays_limited_and_never_counts_in_memory(
    database_url, private_redis, agent_user, password_checks
):
    app = create_app(
        make_config(
            SQLALCHEMY_DATABASE_URI=database_url,
            REDIS_URL=private_redis.url,
            RATELIMIT_STORAGE_URI=private_redis.url,
        )
    )
    private_redis.stop()
    assert private_redis.is_down()
    responses = in_parallel(20, lambda i: login(app, agent_user.email, f"wrong {i}", f"10.4.0.{i}"))
    seen = statuses(responses)
    assert 1 <= password_checks.count <= ACCOUNT_LIMIT
    assert seen == {401: password_checks.count, 429: 20 - password_checks.count}
    # Another account still signs in: Redis is not needed for sign-in at all.
    with app.app_context():
        from ticketing.accounts import services

        services.create_user("bea@example.com", "Bea", "agent", "a long password 123")
        db.session.commit()
    assert login(app, "bea@example.com", "a long password 123", "10.4.1.1").status_code == 200
    with app.app_context():
        db.engine.dispose()


def test_counters_are_rows_that_upkeep_prunes(app, agent_user):
    from ticketing.core import ratelimits

    assert login(app, agent_user.email, "wrong", "10.5.0.1").status_code == 401
    with app.app_context():
        keys = set(db.session.scalars(select(rate_counters.c.counter_key)))
        assert keys == {
            f"LOGIN_RATE_LIMIT_EMAIL:login-email:{agent_user.email}",
            "LOGIN_RATE_LIMIT_IP:login-ip:10.5.0.1",
        }
        assert ratelimits.prune() == {"counters_removed": 0}  # still weighing
        db.session.execute(rate_counters.update().values(expires_at=0))
        db.session.commit()
        assert ratelimits.prune() == {"counters_removed": 2}


@pytest.mark.parametrize(
    ("previous", "current", "fraction", "expected"),
    [
        (0, 5, 0.5, 70),  # full: wait into the next window until these 5 weigh 4 (0.2 in)
        (10, 0, 0.25, 35),  # the previous window weighs 7.5 now, 4 at 0.6 of this one
    ],
)
def test_retry_after_is_when_one_more_attempt_fits(previous, current, fraction, expected):
    from ticketing.core.ratelimits import _wait

    period = 100
    wait = _wait(5, period, 1000 * period + fraction * period, previous, current)
    assert wait == pytest.approx(expected, abs=1)
