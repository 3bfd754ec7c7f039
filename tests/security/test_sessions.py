"""Revocation cannot fail open: sessions are database rows, so a sign-out, a sign-out
everywhere, a role change or a disabled account holds whatever Redis does, and a sign-out that
cannot be recorded says so (503) instead of pretending."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from tests.accounts.helpers import sign_in
from tests.conftest import make_config
from ticketing import create_app
from ticketing.core.extensions import db


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def logout(client, everywhere: bool = False):
    path = "/api/auth/logout-everywhere" if everywhere else "/api/auth/logout"
    return client.post(path, headers={"X-CSRF-Token": client.csrf})


def test_a_logout_that_cannot_be_recorded_is_a_503_and_the_session_stays(
    app, agent_user, monkeypatch
):
    client = sign_in(app, agent_user)
    stolen = copy_of(app, client)

    def database_gone(*args, **kwargs):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    with app.app_context():
        monkeypatch.setattr(db.session, "commit", database_gone)
        refused = logout(client)
        monkeypatch.undo()
    assert refused.status_code == 503
    assert refused.get_json()["error"]["code"] == "database_unavailable"
    # Nothing pretended: the browser is still signed in, and knows it; it can retry.
    assert client.get("/api/auth/me").status_code == 200
    assert logout(client).status_code == 204
    assert stolen.get("/api/auth/me").status_code == 401
    assert client.get("/api/auth/me").status_code == 401


def test_with_redis_down_a_logout_is_recorded_and_no_revoked_cookie_works_again(
    database_url, private_redis, make_user
):
    app = create_app(
        make_config(
            SQLALCHEMY_DATABASE_URI=database_url,
            REDIS_URL=private_redis.url,
            RATELIMIT_STORAGE_URI=private_redis.url,
        )
    )
    user = make_user(email="olga@example.com")
    laptop, phone = sign_in(app, user), sign_in(app, user)
    laptop_copy, phone_copy = copy_of(app, laptop), copy_of(app, phone)

    private_redis.stop()
    assert private_redis.is_down()
    assert logout(laptop).status_code == 204
    assert logout(phone, everywhere=True).status_code == 204
    for client in (laptop, phone, laptop_copy, phone_copy):
        assert client.get("/api/auth/me").status_code == 401
    assert sign_in(app, user).get("/api/auth/me").status_code == 200  # sign-in still works

    private_redis.start()  # Redis comes back, empty or not: nothing was kept there
    for client in (laptop_copy, phone_copy):
        assert client.get("/api/auth/me").status_code == 401
        assert client.get("/api/tickets").status_code == 401
    with app.app_context():
        db.engine.dispose()


def test_sign_out_everywhere_ends_every_browser_but_not_the_tokens(app, agent_user):
    laptop, phone = sign_in(app, agent_user), sign_in(app, agent_user)
    assert logout(phone, everywhere=True).status_code == 204
    assert laptop.get("/api/auth/me").status_code == 401
    assert phone.get("/api/auth/me").status_code == 401
    bearer = {"Authorization": f"Bearer {agent_user.token}"}
    assert app.test_client().get("/api/auth/me", headers=bearer).status_code == 200


def test_a_disabled_users_cookie_and_tokens_stop_at_once_and_stay_stopped(app, client, agent_user):
    browser = sign_in(app, agent_user)
    stolen = copy_of(app, browser)
    bearer = {"Authorization": f"Bearer {agent_user.token}"}
    assert app.test_client().get("/api/tickets", headers=bearer).status_code == 200

    assert client.patch(f"/api/users/{agent_user.id}", json={"active": False}).status_code == 200
    for caller, headers in ((browser, {}), (stolen, {}), (app.test_client(), bearer)):
        assert caller.get("/api/tickets", headers=headers).status_code == 401

    assert client.patch(f"/api/users/{agent_user.id}", json={"active": True}).status_code == 200
    for caller, headers in ((browser, {}), (stolen, {}), (app.test_client(), bearer)):
        assert caller.get("/api/tickets", headers=headers).status_code == 401


@pytest.mark.parametrize("change", [{"role": "admin"}, {"password": "a reset password 1"}])
def test_a_role_change_or_password_reset_ends_the_persons_sessions(app, client, agent_user, change):
    browser = sign_in(app, agent_user)
    assert client.patch(f"/api/users/{agent_user.id}", json=change).status_code == 200
    assert browser.get("/api/auth/me").status_code == 401


def test_a_renamed_user_stays_signed_in(app, client, agent_user):
    browser = sign_in(app, agent_user)
    assert client.patch(f"/api/users/{agent_user.id}", json={"name": "Renamed"}).status_code == 200
    assert browser.get("/api/auth/me").get_json()["user"]["name"] == "Renamed"


def test_a_session_past_its_lifetime_is_refused(app, agent_user):
    from ticketing.models import UserSession, utcnow

    browser = sign_in(app, agent_user)
    with app.app_context():
        db.session.query(UserSession).update({"expires_at": utcnow()})
        db.session.commit()
    assert browser.get("/api/auth/me").status_code == 401


def test_upkeep_forgets_sessions_over_a_day_past_their_end(app, agent_user):
    from datetime import timedelta

    from ticketing.accounts import services
    from ticketing.models import UserSession, utcnow

    sign_in(app, agent_user)
    live = sign_in(app, agent_user)
    with app.app_context():
        first = db.session.query(UserSession).order_by(UserSession.created_at).first()
        first.ended_at = utcnow() - timedelta(days=2)
        db.session.commit()
        assert services.prune_sessions() == {"sessions_removed": 1}
        assert db.session.query(UserSession).count() == 1
    assert live.get("/api/auth/me").status_code == 200


def test_signing_in_again_on_a_browser_ends_the_session_it_had(app, agent_user, make_user):
    browser = sign_in(app, agent_user)
    earlier = copy_of(app, browser)
    other = make_user(email="other@example.com")
    again = browser.post("/api/auth/login", json={"email": other.email, "password": other.password})
    assert again.status_code == 200
    assert browser.get("/api/auth/me").get_json()["user"]["email"] == other.email
    assert earlier.get("/api/auth/me").status_code == 401  # the agent's session is over
