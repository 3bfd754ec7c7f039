"""Passwords and tokens never appear in logs or responses (except a new token, once)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from tests.accounts.helpers import sign_in
from ticketing.core.extensions import db
from ticketing.models import ApiToken, User

PASSWORD = "very secret password 42"


def test_secrets_stay_out_of_logs_and_responses(app, client, caplog, runner):
    caplog.set_level(logging.DEBUG)
    # Alembic's fileConfig (run by the migrating fixture) disables loggers that existed then.
    for logger in logging.Logger.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.disabled = False
    # A request that fails on purpose logs a traceback: it must not carry the secrets either.
    app.add_url_rule("/api/_boom", view_func=lambda: 1 / 0)
    seen: list[str] = []

    def keep(response):
        seen.append(response.get_data(as_text=True))
        seen.extend(f"{k}: {v}" for k, v in response.headers.items() if k != "Set-Cookie")
        return response

    created = keep(
        client.post(
            "/api/users", json={"email": "sec@example.com", "name": "Sec", "password": PASSWORD}
        )
    )
    user_id = created.get_json()["id"]
    anon = app.test_client()
    keep(
        anon.post(
            "/api/auth/login", json={"email": "sec@example.com", "password": "wrong " + PASSWORD}
        )
    )
    keep(anon.post("/api/auth/login", json={"email": "sec@example.com", "password": PASSWORD}))
    keep(anon.get("/api/auth/me"))
    keep(client.patch(f"/api/users/{user_id}", json={"password": PASSWORD + "!"}))
    new_token = keep(client.post(f"/api/users/{user_id}/tokens", json={"name": "x"}))
    token_text = new_token.get_json()["token"]
    keep(client.get(f"/api/users/{user_id}/tokens"))
    keep(client.get("/api/users"))
    keep(client.get(f"/api/users/{user_id}"))
    keep(anon.get("/api/auth/me", headers={"Authorization": f"Bearer {token_text}"}))
    keep(client.delete(f"/api/users/{user_id}/tokens/{new_token.get_json()['id']}"))
    keep(anon.get("/api/auth/me", headers={"Authorization": f"Bearer {token_text}"}))
    cli = runner.invoke(args=["tickets", "users", "token", "create", "--email", "sec@example.com"])
    cli_token = cli.stdout.strip().splitlines()[-1]
    keep(anon.get("/api/tickets", headers={"Authorization": f"Bearer {cli_token}"}))
    keep(anon.get("/api/_boom", headers={"Authorization": f"Bearer {cli_token}"}))

    with app.app_context():
        hashes = list(db.session.scalars(select(User.password_hash)))
        token_hashes = list(db.session.scalars(select(ApiToken.token_hash)))
    secrets = [PASSWORD, PASSWORD + "!", cli_token, *hashes, *token_hashes]
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "unhandled error on GET /api/_boom" in logged  # logging was on
    for secret in secrets:
        assert secret not in logged
    # The token text appears in exactly one response: the one that created it.
    assert sum(token_text in text for text in seen) == 1
    for secret in secrets:
        assert not any(secret in text for text in seen), secret
    for text in seen:
        assert "password_hash" not in text and "token_hash" not in text


def test_the_session_cookie_holds_no_password(app, agent_user):
    client = sign_in(app, agent_user)
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert agent_user.password not in cookie.value
    assert agent_user.token not in cookie.value
