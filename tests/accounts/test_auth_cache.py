"""Who a token or cookie belongs to is remembered a few seconds, and forgotten at once — in
every process — when anything that could refuse someone changes."""

from __future__ import annotations

import pytest
import redis
from sqlalchemy import event

from ticketing import create_app
from ticketing.accounts import authcache
from ticketing.accounts import services as accounts
from ticketing.core.extensions import db

from ..conftest import TEST_PASSWORD, bearer_client, make_config


def count_auth_queries(app) -> list[str]:
    """Statements reading tokens or sessions, recorded as they are sent."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def record(_conn, _cursor, statement, *_args):
        reads = statement.lstrip().upper().startswith("SELECT")
        if reads and ("api_tokens" in statement or "user_sessions" in statement):
            seen.append(statement)

    return seen


@pytest.fixture
def second_process(app):
    """Another web process: its own app, engine and cache, the same database and Redis."""
    keys = ("SQLALCHEMY_DATABASE_URI", "REDIS_URL", "RATELIMIT_STORAGE_URI", "EXPORT_DIR")
    other = create_app(make_config(**{k: app.config[k] for k in keys}))
    if not app.config.get("REDIS_URL"):  # embedded mode: share the one in-process Redis
        other.extensions["kv"] = app.extensions["kv"]
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_token_is_looked_up_once_then_remembered(app, agent_client):
    queries = count_auth_queries(app)
    for _ in range(5):
        assert agent_client.get("/api/auth/me").status_code == 200
    assert len(queries) == 1


def test_a_session_cookie_is_looked_up_once_then_remembered(app, agent_user):
    browser = app.test_client()
    answer = browser.post(
        "/api/auth/login", json={"email": agent_user.email, "password": TEST_PASSWORD}
    )
    assert answer.status_code == 200
    queries = count_auth_queries(app)
    for _ in range(5):
        assert browser.get("/api/auth/me").status_code == 200
    assert len([q for q in queries if "user_sessions" in q]) == 1


def test_a_revoked_token_is_refused_by_the_very_next_request_in_every_process(
    app, second_process, agent_user, client
):
    here, there = bearer_client(app, agent_user), bearer_client(second_process, agent_user)
    assert here.get("/api/auth/me").status_code == 200
    assert there.get("/api/auth/me").status_code == 200  # both processes remember it now

    tokens = here.get("/api/auth/tokens").get_json()["items"]
    assert here.delete(f"/api/auth/tokens/{tokens[0]['id']}").status_code == 204

    assert here.get("/api/auth/me").status_code == 401
    assert there.get("/api/auth/me").status_code == 401


def test_a_disabled_user_is_refused_at_once_in_another_process(
    app, second_process, agent_user, client
):
    there = bearer_client(second_process, agent_user)
    assert there.get("/api/auth/me").status_code == 200

    assert client.patch(f"/api/users/{agent_user.id}", json={"active": False}).status_code == 200

    assert there.get("/api/auth/me").status_code == 401


def test_a_role_change_made_elsewhere_is_seen_at_once(app, second_process, agent_user):
    here = bearer_client(app, agent_user)
    assert here.get("/api/auth/me").get_json()["user"]["role"] == "agent"
    with second_process.app_context():  # e.g. the CLI or another web process
        user = accounts.find_user(agent_user.email)
        accounts.update_user(user, {"role": "admin"})
        db.session.commit()
    assert here.get("/api/auth/me").get_json()["user"]["role"] == "admin"


def test_without_redis_every_request_reads_the_database(app, agent_client, monkeypatch):
    class Down:
        def get(self, *_a, **_k):
            raise redis.ConnectionError("down")

        set = get

    monkeypatch.setitem(app.extensions, "kv", Down())
    queries = count_auth_queries(app)
    for _ in range(3):
        assert agent_client.get("/api/auth/me").status_code == 200
    assert len(queries) == 3  # no cache while the generation cannot be read


def test_the_last_used_touch_does_not_empty_the_cache(app, agent_client):
    with app.app_context():
        generation = authcache.cache().generation()
    agent_client.get("/api/auth/me")  # the token's first use writes last_used_at
    with app.app_context():
        assert authcache.cache().generation() == generation
