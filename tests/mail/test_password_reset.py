""" "Forgot your password?": a reset link mailed through the outbox (no ticket), used once."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from tests.accounts.helpers import sign_in
from ticketing.core.extensions import db
from ticketing.models import AccessEvent, OutboundMail

ANSWER = "If an account exists for this address, we have sent it a link to choose a new password."
NEW = "a freshly chosen passphrase"


@pytest.fixture
def config_overrides():
    return {"MAIL_FROM": "Acme Support <support@acme.test>", "MAIL_RETRY_SECONDS": 0.0}


@pytest.fixture
def smtp_app(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    return app


def _forgot(app, email: str):
    return app.test_client().post("/api/auth/forgot", json={"email": email})


def _reset(app, token: str, password: str = NEW):
    return app.test_client().post(
        "/api/auth/reset", json={"token": token, "new_password": password}
    )


def _rows(app):
    with app.app_context():
        rows = db.session.query(OutboundMail).order_by(OutboundMail.id).all()
        result = [(m.kind, m.status, m.to_address, m.ticket_id) for m in rows]
        db.session.remove()
    return result


def _link(message) -> str:
    match = re.search(r"(http://\S+/#/reset\?token=(\S+))", message.get_content())
    assert match, message.get_content()
    return match.group(2)


def _login(app, email: str, password: str) -> int:
    response = app.test_client().post(
        "/api/auth/login", json={"email": email, "password": password}
    )
    return response.status_code


def test_known_and_unknown_addresses_get_the_same_202_and_only_the_user_is_mailed(
    smtp_app, agent_user, smtp_server
):
    unknown = _forgot(smtp_app, "nobody@example.com")
    known = _forgot(smtp_app, agent_user.email.upper())
    assert (unknown.status_code, known.status_code) == (202, 202)
    assert unknown.get_json() == known.get_json() == {"message": ANSWER}
    assert _rows(smtp_app) == [("password_reset", "sent", agent_user.email, None)]
    [(_, recipients, message)] = smtp_server.received
    assert recipients == [agent_user.email]
    # About no ticket: no thread, no reply address a customer mail could land on.
    for header in ("In-Reply-To", "References", "Reply-To", "X-Ticket-Reference"):
        assert message[header] is None
    assert message["Auto-Submitted"] == "auto-generated"
    assert "60 minutes" in message.get_content()
    assert _link(message)


def test_a_disabled_user_is_not_mailed(smtp_app, make_user, smtp_server):
    gone = make_user(email="gone@example.com", active=False)
    assert _forgot(smtp_app, gone.email).status_code == 202
    assert _rows(smtp_app) == []
    assert smtp_server.received == []


def test_without_a_mail_server_nothing_is_queued(app, agent_user):
    assert not app.config.get("SMTP_URL")
    response = _forgot(app, agent_user.email)
    assert response.status_code == 202
    assert response.get_json() == {"message": ANSWER}
    assert _rows(app) == []


def test_the_link_sets_the_password_once_and_ends_every_session(smtp_app, agent_user, smtp_server):
    browser = sign_in(smtp_app, agent_user)
    assert _forgot(smtp_app, agent_user.email).status_code == 202
    token = _link(smtp_server.messages[0])

    assert _reset(smtp_app, token).status_code == 204
    assert browser.get("/api/auth/me").status_code == 401
    assert _login(smtp_app, agent_user.email, agent_user.password) == 401
    assert _login(smtp_app, agent_user.email, NEW) == 200

    again = _reset(smtp_app, token, "yet another passphrase")
    assert again.status_code == 422
    error = again.get_json()["error"]
    assert error["code"] == "invalid_reset_link"
    assert error["message"] == "This link has already been used or is no longer valid."
    assert _login(smtp_app, agent_user.email, NEW) == 200
    with smtp_app.app_context():
        events = db.session.query(AccessEvent).filter_by(action="password_reset").all()
        assert [(e.subject_id, e.details["by"]) for e in events] == [(agent_user.id, "email_link")]
        db.session.remove()


def test_a_password_change_by_any_other_way_spends_the_link(
    smtp_app, client, agent_user, smtp_server
):
    assert _forgot(smtp_app, agent_user.email).status_code == 202
    token = _link(smtp_server.messages[0])
    changed = client.patch(f"/api/users/{agent_user.id}", json={"password": "admin chosen pass"})
    assert changed.status_code == 200
    assert _reset(smtp_app, token).status_code == 422
    assert _login(smtp_app, agent_user.email, "admin chosen pass") == 200


def test_an_expired_or_forged_link_is_refused_with_a_plain_message(smtp_app, agent_user):
    assert _forgot(smtp_app, agent_user.email).status_code == 202
    with smtp_app.app_context():
        raw = db.session.query(OutboundMail).one().raw
        db.session.remove()
    assert "reset?token=" in raw
    smtp_app.config["PASSWORD_RESET_MAX_AGE"] = 1
    with smtp_app.app_context():
        from ticketing.accounts import services

        user = db.session.get(services.User, agent_user.id)
        token = services.password_reset_token(user)
        db.session.remove()
    time.sleep(2.1)
    expired = _reset(smtp_app, token)
    assert expired.status_code == 422
    assert expired.get_json()["error"]["message"] == "This link has expired. Ask for a new one."

    smtp_app.config["PASSWORD_RESET_MAX_AGE"] = 3600
    forged = URLSafeTimedSerializer("not our secret", salt="ticketing.password-reset").dumps(
        {"u": agent_user.id, "p": "x"}
    )
    for bad in (forged, "garbage", token[:-3] + "abc"):
        response = _reset(smtp_app, bad)
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert error["message"] == "This link is not valid. Ask for a new one."
        assert error["fields"]["token"] == [error["message"]]
    assert _login(smtp_app, agent_user.email, agent_user.password) == 200


def test_the_new_password_follows_the_password_rules(smtp_app, agent_user, smtp_server):
    assert _forgot(smtp_app, agent_user.email).status_code == 202
    token = _link(smtp_server.messages[0])
    short = _reset(smtp_app, token, "short")
    assert short.status_code == 422
    assert "new_password" in short.get_json()["error"]["fields"]
    # The refused attempt did not spend the link.
    assert _reset(smtp_app, token).status_code == 204


def test_asking_for_links_is_rate_limited_whether_or_not_the_account_exists(smtp_app, agent_user):
    smtp_app.config["FORGOT_RATE_LIMIT_EMAIL"] = "2/hour"
    for email in (agent_user.email, "nobody@example.com"):
        assert _forgot(smtp_app, email).status_code == 202
        assert _forgot(smtp_app, email).status_code == 202
        limited = _forgot(smtp_app, email)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
    assert len(_rows(smtp_app)) == 2
