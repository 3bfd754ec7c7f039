"""The account-and-access log: each event recorded with who, from where and what; readable
and exportable by admins; append-only (no write operation, and the database refuses)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.accounts.helpers import sign_in
from tests.conftest import bearer_client
from ticketing.core.extensions import db
from ticketing.models import AccessEvent, utcnow

AGENT = {"REMOTE_ADDR": "198.51.100.7", "HTTP_USER_AGENT": "Firefox/140 (test)"}


def log(client, **params) -> list[dict]:
    """The log as an admin reads it, newest first — without what the test's fixtures did
    before the test began (creating its users and tokens is logged too)."""
    response = client.get("/api/access-log", query_string={"per_page": 100, **params})
    assert response.status_code == 200, response.get_json()
    return [e for e in response.get_json()["items"] if e["id"] > START.get(client, 0)]


START: dict = {}


@pytest.fixture(autouse=True)
def _from_here(client, agent_user):
    """Entries written by the fixtures (users and tokens made for the test) are left out."""
    items = client.get("/api/access-log", query_string={"per_page": 1}).get_json()["items"]
    START[client] = items[0]["id"] if items else 0
    yield
    START.pop(client, None)


def actions(items) -> list[str]:
    return [e["action"] for e in items]


def login(app, email, password):
    return app.test_client().post(
        "/api/auth/login", json={"email": email, "password": password}, environ_base=AGENT
    )


def test_sign_ins_that_work_and_fail_are_logged_with_address_and_user_agent(
    app, client, agent_user
):
    assert login(app, agent_user.email, "wrong password").status_code == 401
    assert login(app, "nobody@example.com", "wrong password").status_code == 401
    assert login(app, agent_user.email, agent_user.password).status_code == 200
    items = log(client, action="sign_in,sign_in_failed")
    assert actions(items) == ["sign_in", "sign_in_failed", "sign_in_failed"]
    ok, unknown, wrong = items
    assert (ok["actor_id"], ok["actor_label"], ok["subject_id"]) == (
        agent_user.id,
        agent_user.email,
        agent_user.id,
    )
    assert (wrong["actor_id"], wrong["actor_label"]) == (None, None)  # nobody identified
    assert (wrong["subject_id"], wrong["details"]) == (agent_user.id, {"reason": "wrong_password"})
    assert (unknown["subject_id"], unknown["subject_label"]) == (None, "nobody@example.com")
    assert unknown["details"] == {"reason": "unknown_account"}
    for entry in items:
        assert entry["address"] == "198.51.100.7"
        assert entry["user_agent"] == "Firefox/140 (test)"
        assert entry["request_id"] and entry["via"] == "web"
    assert "wrong password" not in client.get("/api/access-log").get_data(as_text=True)


@pytest.mark.parametrize(
    "config_overrides", [{"LOGIN_RATE_LIMIT_EMAIL": "2/minute", "LOGIN_RATE_LIMIT_IP": "50/minute"}]
)
def test_a_throttled_account_is_logged_once_per_window(app, client, agent_user):
    for _ in range(6):
        login(app, agent_user.email, "wrong password")
    assert actions(log(client, email=agent_user.email)) == [
        "sign_in_throttled",
        "sign_in_failed",
        "sign_in_failed",
    ]


def test_sign_outs_and_password_changes_are_logged(app, client, agent_user):
    browser = sign_in(app, agent_user)
    headers = {"X-CSRF-Token": browser.csrf}
    new = "a brand new passphrase"
    body = {"current_password": agent_user.password, "new_password": new}
    assert browser.post("/api/auth/password", json=body, headers=headers).status_code == 204
    headers = {"X-CSRF-Token": browser.get("/api/auth/me").get_json()["csrf_token"]}
    assert browser.post("/api/auth/logout", headers=headers).status_code == 204
    other = sign_in(app, agent_user, password=new)
    other_headers = {"X-CSRF-Token": other.csrf}
    assert other.post("/api/auth/logout-everywhere", headers=other_headers).status_code == 204
    reset = client.patch(f"/api/users/{agent_user.id}", json={"password": "an admin reset 1"})
    assert reset.status_code == 200
    items = log(client, user_id=agent_user.id)
    assert actions(items) == [
        "password_reset",
        "sign_out_everywhere",
        "sign_in",
        "sign_out",
        "password_changed",
        "sign_in",
    ]
    assert items[0]["actor_label"] == "admin@example.com"  # by the admin, about the agent
    assert items[0]["subject_id"] == agent_user.id
    assert items[1]["details"] == {"sessions_ended": 1}
    assert all(e["actor_id"] == agent_user.id for e in items[1:])


def test_account_changes_are_logged_from_the_api_and_the_cli(app, client, runner):
    created = client.post(
        "/api/users",
        json={"email": "nia@example.com", "name": "Nia", "password": "a long password 1"},
    ).get_json()
    assert client.patch(f"/api/users/{created['id']}", json={"role": "admin"}).status_code == 200
    assert client.patch(f"/api/users/{created['id']}", json={"name": "Nia B"}).status_code == 200
    assert client.patch(f"/api/users/{created['id']}", json={"active": False}).status_code == 200
    assert client.patch(f"/api/users/{created['id']}", json={"active": True}).status_code == 200
    result = runner.invoke(args=["tickets", "users", "create", "--email", "cli@example.com",
                                 "--name", "Cli"])  # fmt: skip
    assert result.exit_code == 0, result.output
    items = log(client, action="user_created,role_changed,user_disabled,user_enabled")
    assert actions(items) == [
        "user_created",
        "user_enabled",
        "user_disabled",
        "role_changed",
        "user_created",
    ]
    cli_made, enabled, disabled, promoted, made = items
    assert (cli_made["via"], cli_made["actor_id"], cli_made["subject_label"]) == (
        "cli",
        None,
        "cli@example.com",
    )
    assert cli_made["address"] is None
    assert promoted["details"] == {"from": "agent", "to": "admin"}
    assert disabled["details"] == {"sessions_ended": 0, "tokens_revoked": 0}
    assert made["details"] == {"role": "agent", "name": "Nia"}
    assert {e["actor_label"] for e in (enabled, disabled, promoted, made)} == {"admin@example.com"}


def test_tokens_created_revoked_and_first_used_are_logged_once_each(app, client, agent_user):
    agent = bearer_client(app, agent_user)
    created = agent.post("/api/auth/tokens", json={"name": "script"}).get_json()
    script = app.test_client()
    for _ in range(3):
        headers = {"Authorization": f"Bearer {created['token']}"}
        assert script.get("/api/tickets", headers=headers, environ_base=AGENT).status_code == 200
    assert agent.delete(f"/api/auth/tokens/{created['id']}").status_code == 204
    items = log(client, action="token_created,token_first_used,token_revoked")
    mine = [e for e in items if e["details"].get("token_id") == created["id"]]
    assert actions(mine) == ["token_revoked", "token_first_used", "token_created"]
    revoked, first, made = mine
    assert made["details"] == {"token_id": created["id"], "name": "script",
                               "prefix": created["prefix"]}  # fmt: skip
    assert (first["actor_id"], first["via"], first["address"]) == (
        agent_user.id,
        "api",
        "198.51.100.7",
    )
    assert created["token"] not in client.get("/api/access-log").get_data(as_text=True)


def test_exports_are_logged_with_who_which_filters_and_how_many_rows(
    app, client, agent_user, make_ticket
):
    make_ticket(priority="high")
    make_ticket(priority="high")
    make_ticket(priority="low")
    agent = bearer_client(app, agent_user)
    export = agent.post("/api/exports", json={"priority": ["high"], "q": "fire"}).get_json()
    assert agent.get(f"/api/exports/{export['id']}/download").status_code == 200
    assert client.get(f"/api/exports/{export['id']}/download").status_code == 200  # an admin
    items = log(client, action="export_created,export_downloaded")
    assert actions(items) == ["export_downloaded", "export_downloaded", "export_created"]
    by_admin, by_agent, created = items
    assert created["actor_id"] == by_agent["actor_id"] == agent_user.id
    assert by_admin["actor_label"] == "admin@example.com"
    assert by_admin["subject_id"] == agent_user.id  # whose export it was
    assert created["details"]["filters"] == {"priority": "high", "q": "fire"}
    assert by_agent["details"]["row_count"] == 2
    assert by_agent["details"]["export_id"] == export["id"]


def test_a_settings_change_is_logged_when_a_feature_notes_it(app, client):
    from ticketing.core.context import Actor, acting_as
    from ticketing.core.events import note_access

    with (
        app.app_context(),
        acting_as(Actor(type="user", via="api", id=1, label="admin@example.com")),
    ):
        note_access("settings_changed", details={"setting": "mail.from", "to": "help@example.com"})
        db.session.commit()
    (entry,) = log(client, action="settings_changed")
    assert entry["details"] == {"setting": "mail.from", "to": "help@example.com"}


def test_the_log_filters_and_refuses_unknown_values(app, client, agent_user):
    login(app, agent_user.email, "wrong password")
    app.test_client().post(
        "/api/auth/login",
        json={"email": agent_user.email, "password": "nope"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert len(log(client, address="203.0.113.9")) == 1
    assert len(log(client, email=agent_user.email.upper())) == 2
    assert len(log(client, action="sign_in_failed", created_from=utcnow().date().isoformat())) == 2
    assert log(client, created_to="2000-01-01") == []
    page = client.get("/api/access-log", query_string={"per_page": 1}).get_json()
    assert len(page["items"]) == 1 and page["meta"]["total"] >= 2
    bad = client.get("/api/access-log", query_string={"action": "sign_in,hack"})
    assert bad.status_code == 422 and "action" in bad.get_json()["error"]["fields"]
    assert client.get("/api/access-log?user_id=x").status_code == 422


def test_the_log_downloads_as_csv_and_the_download_is_logged(app, client, agent_user):
    login(app, "=cmd|' /C calc'!A0@example.com", "wrong password")
    login(app, agent_user.email, agent_user.password)
    response = client.get("/api/access-log/export", query_string={"action": "sign_in_failed"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="access-log-')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["sign_in_failed"]
    assert rows[0]["subject_label"].startswith("'=")  # a spreadsheet shows it as text
    assert rows[0]["address"] == "198.51.100.7"
    (logged,) = log(client, action="access_log_exported")
    assert logged["details"] == {"filters": {"action": "sign_in_failed"}, "row_count": 1}
    assert logged["actor_label"] == "admin@example.com"


def test_the_api_has_no_way_to_change_or_delete_the_log(app, client):
    login(app, "someone@example.com", "wrong password")
    (entry,) = log(client)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for path in ("/api/access-log", f"/api/access-log/{entry['id']}", "/api/access-log/export"):
            assert client.open(path, method=method, json={}).status_code in (404, 405), (
                method,
                path,
            )
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/access-log")]
    assert {m for r in rules for m in r.methods} <= {"GET", "HEAD", "OPTIONS"}


def _insert(app, created_at) -> int:
    with app.app_context():
        event = AccessEvent(action="sign_in", via="web", created_at=created_at, details={})
        db.session.add(event)
        db.session.commit()
        return event.id


def test_the_database_refuses_to_change_or_delete_entries(app):
    recent = _insert(app, utcnow())
    old = _insert(app, utcnow() - timedelta(days=30))
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        refused = [
            f"UPDATE access_events SET action = 'sign_out' WHERE id = {recent}",
            f"UPDATE access_events SET address = '1.2.3.4' WHERE id = {old}",
            f"DELETE FROM access_events WHERE id = {recent}",
        ]
        if postgres:  # outside the retention prune, no entry can be deleted, however old
            refused.append(f"DELETE FROM access_events WHERE id = {old}")
        for statement in refused:
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                db.session.execute(sa.text(statement))
            db.session.rollback()
        ids = {e.id for e in db.session.query(AccessEvent)}
        assert {recent, old} <= ids


@pytest.mark.parametrize("config_overrides", [{"ACCESS_LOG_RETENTION_DAYS": 7}])
def test_upkeep_prunes_entries_past_the_retention(app, client):
    from ticketing.audit import access

    _insert(app, utcnow() - timedelta(days=8))
    kept = _insert(app, utcnow() - timedelta(days=6))
    with app.app_context():
        assert access.prune() == {"removed": 1}
        assert kept in [e.id for e in db.session.query(AccessEvent)]
        app.config["ACCESS_LOG_RETENTION_DAYS"] = 0  # keep forever
        _insert(app, utcnow() - timedelta(days=4000))
        assert access.prune() == {"removed": 0}


def test_a_tokens_first_use_is_logged_once_even_when_it_comes_in_parallel(app, client, agent_user):
    from tests.security.outage import in_parallel

    agent = bearer_client(app, agent_user)
    created = agent.post("/api/auth/tokens", json={"name": "burst"}).get_json()
    headers = {"Authorization": f"Bearer {created['token']}"}
    codes = in_parallel(10, lambda i: app.test_client().get("/api/auth/me", headers=headers))
    assert {r.status_code for r in codes} == {200}
    first = [
        e
        for e in log(client, action="token_first_used")
        if e["details"]["token_id"] == created["id"]
    ]
    assert len(first) == 1
