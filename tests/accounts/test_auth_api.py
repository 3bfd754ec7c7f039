import pytest

from ticketing.core.context import current_actor

from .helpers import session_cookie, sign_in


def test_login_returns_the_user_and_a_csrf_token_and_sets_a_safe_cookie(app, agent_user):
    client = app.test_client()
    response = client.post(
        "/api/auth/login", json={"email": "AGENT@example.com ", "password": agent_user.password}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["email"] == "agent@example.com"
    assert body["user"]["role"] == "agent"
    assert len(body["csrf_token"]) >= 32
    cookie = session_cookie(response).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie.replace("httponly", "")  # plain http: no Secure flag
    me = client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.get_json()["csrf_token"] == body["csrf_token"]
    assert me.get_json()["user"]["id"] == agent_user.id
    assert me.get_json()["user"]["last_login_at"] is not None


def test_cookie_is_secure_when_served_over_https(app, agent_user):
    client = app.test_client()
    response = client.post(
        "/api/auth/login",
        json={"email": agent_user.email, "password": agent_user.password},
        base_url="https://tickets.example.com",
    )
    assert response.status_code == 200
    assert "; secure" in session_cookie(response).lower()


@pytest.mark.parametrize("config_overrides", [{"SESSION_COOKIE_SECURE": True}])
def test_cookie_secure_can_be_forced(app, agent_user):
    response = app.test_client().post(
        "/api/auth/login", json={"email": agent_user.email, "password": agent_user.password}
    )
    assert "; secure" in session_cookie(response).lower()


def test_wrong_password_and_unknown_email_get_the_same_401(anon_client, agent_user):
    wrong = anon_client.post(
        "/api/auth/login", json={"email": agent_user.email, "password": "not the password"}
    )
    unknown = anon_client.post(
        "/api/auth/login", json={"email": "ghost@example.com", "password": "not the password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["error"]["message"] == "Wrong e-mail or password."
    assert "session=" not in " ".join(wrong.headers.getlist("Set-Cookie"))


def test_login_validates_its_body(anon_client):
    response = anon_client.post("/api/auth/login", json={"email": "a@example.com"})
    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["fields"]


def test_me_without_credentials_is_401_with_a_bearer_challenge(anon_client):
    response = anon_client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_me_with_a_bearer_token_has_no_csrf_token(agent_client):
    body = agent_client.get("/api/auth/me").get_json()
    assert body["user"]["email"] == "agent@example.com"
    assert body["csrf_token"] is None


def test_logout_ends_the_session(app, agent_user):
    client = sign_in(app, agent_user)
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": client.csrf}).status_code == 204
    assert client.get("/api/auth/me").status_code == 401
    assert client.get("/api/tickets").status_code == 401


def test_a_copy_of_the_cookie_is_worthless_after_logout(app, agent_user):
    client = sign_in(app, agent_user)
    stolen = client.get_cookie("session").value  # e.g. copied off a shared computer
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": client.csrf}).status_code == 204

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/api/auth/me").status_code == 401
    assert thief.get("/api/tickets").status_code == 401
    # Signing in again on the same browser gives a new, working session.
    assert sign_in(app, agent_user).get("/api/auth/me").status_code == 200


def test_a_session_from_before_sign_in_is_not_reused(app, agent_user, make_user):
    client = sign_in(app, agent_user)
    first = client.csrf
    other = make_user(email="other@example.com")
    again = client.post("/api/auth/login", json={"email": other.email, "password": other.password})
    assert again.get_json()["csrf_token"] != first
    assert client.get("/api/auth/me").get_json()["user"]["email"] == "other@example.com"


# --- CSRF ---------------------------------------------------------------------------------


def test_cookie_requests_need_the_csrf_header_for_unsafe_methods(app, agent_user, make_ticket):
    ticket = make_ticket()
    client = sign_in(app, agent_user)
    url = f"/api/tickets/{ticket['id']}"
    assert client.get(url).status_code == 200  # safe methods need no token
    missing = client.patch(url, json={"status": "resolved"})
    wrong = client.patch(url, json={"status": "resolved"}, headers={"X-CSRF-Token": "nope"})
    for response in (missing, wrong):
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "csrf_failed"
    assert client.get(url).get_json()["status"] == "open"  # nothing changed
    ok = client.patch(url, json={"status": "resolved"}, headers={"X-CSRF-Token": client.csrf})
    assert ok.status_code == 200 and ok.get_json()["status"] == "resolved"


def test_bearer_requests_need_no_csrf_header(agent_client):
    response = agent_client.post("/api/tickets", json={"subject": "Hi", "body": "There"})
    assert response.status_code == 201


def test_a_bad_bearer_token_is_not_rescued_by_a_session_cookie(app, agent_user):
    client = sign_in(app, agent_user)
    response = client.get("/api/tickets", headers={"Authorization": "Bearer tkt_forged"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


# --- the actor the audit trail reads ------------------------------------------------------


def _whoami(app):
    def whoami():
        actor = current_actor()
        return {
            "type": actor.type,
            "via": actor.via,
            "id": actor.id,
            "label": actor.label,
            "role": actor.role,
        }

    app.add_url_rule("/api/_whoami", view_func=whoami, methods=["GET"])


def test_each_request_sets_the_actor_by_how_it_signed_in(app, agent_user):
    _whoami(app)
    by_token = (
        app.test_client()
        .get("/api/_whoami", headers={"Authorization": f"Bearer {agent_user.token}"})
        .get_json()
    )
    assert by_token == {
        "type": "user",
        "via": "api",
        "id": agent_user.id,
        "label": "agent@example.com",
        "role": "agent",
    }
    by_cookie = sign_in(app, agent_user).get("/api/_whoami").get_json()
    assert by_cookie["via"] == "web" and by_cookie["id"] == agent_user.id
    assert current_actor().type == "system"  # nothing leaks out of the request


# --- sign-in throttling ---------------------------------------------------------------------

LIMITS = {"LOGIN_RATE_LIMIT_EMAIL": "3/minute", "LOGIN_RATE_LIMIT_IP": "5/minute"}


def _login(client, email, password, addr="10.0.0.1"):
    return client.post(
        "/api/auth/login",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": addr},
    )


@pytest.mark.parametrize("config_overrides", [LIMITS])
def test_failed_logins_are_limited_per_account(anon_client, agent_user):
    for n in range(3):
        assert _login(anon_client, agent_user.email, "wrong", f"10.0.0.{n}").status_code == 401
    # Locked: even the right password from a new address waits.
    locked = _login(anon_client, agent_user.email, agent_user.password, "10.0.9.9")
    assert locked.status_code == 429
    assert locked.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(locked.headers["Retry-After"]) <= 2 * 60  # the window slides
    assert "Try again in" in locked.get_json()["error"]["message"]


@pytest.mark.parametrize("config_overrides", [LIMITS])
def test_failed_logins_are_limited_per_address(anon_client, agent_user, make_user):
    for n in range(5):
        assert _login(anon_client, f"guess{n}@example.com", "wrong").status_code == 401
    assert _login(anon_client, agent_user.email, agent_user.password).status_code == 429
    # Another address is not affected.
    assert _login(anon_client, agent_user.email, agent_user.password, "10.0.0.2").status_code == 200


@pytest.mark.parametrize("config_overrides", [LIMITS])
def test_successful_logins_do_not_count_and_reset_the_account_counter(anon_client, agent_user):
    for _ in range(2):
        assert _login(anon_client, agent_user.email, "wrong").status_code == 401
    for _ in range(4):
        assert _login(anon_client, agent_user.email, agent_user.password).status_code == 200
    for _ in range(2):
        assert _login(anon_client, agent_user.email, "wrong", "10.0.0.3").status_code == 401
    assert _login(anon_client, agent_user.email, agent_user.password).status_code == 200


def test_people_change_their_own_password_with_the_current_one(app, agent_user):
    client = sign_in(app, agent_user)
    new = "a brand new passphrase"
    wrong = client.post(
        "/api/auth/password",
        json={"current_password": "not it at all", "new_password": new},
        headers={"X-CSRF-Token": client.csrf},
    )
    assert wrong.status_code == 422
    assert "current_password" in wrong.get_json()["error"]["fields"]
    too_short = client.post(
        "/api/auth/password",
        json={"current_password": agent_user.password, "new_password": "short"},
        headers={"X-CSRF-Token": client.csrf},
    )
    assert too_short.status_code == 422
    assert "new_password" in too_short.get_json()["error"]["fields"]
    old_cookie = client.get_cookie("session").value

    changed = client.post(
        "/api/auth/password",
        json={"current_password": agent_user.password, "new_password": new},
        headers={"X-CSRF-Token": client.csrf},
    )
    assert changed.status_code == 204
    # This browser carries on with a fresh session; the cookie from before is worthless.
    assert client.get("/api/auth/me").status_code == 200
    stale = app.test_client()
    stale.set_cookie("session", old_cookie)
    assert stale.get("/api/auth/me").status_code == 401
    # Only the new password signs in now.
    assert anon_login(app, agent_user.email, agent_user.password) == 401
    assert anon_login(app, agent_user.email, new) == 200


def test_a_password_change_needs_the_csrf_header_on_a_cookie_session(app, agent_user):
    client = sign_in(app, agent_user)
    response = client.post(
        "/api/auth/password",
        json={"current_password": agent_user.password, "new_password": "another passphrase"},
    )
    assert response.status_code == 403
    assert anon_login(app, agent_user.email, agent_user.password) == 200


def test_guessing_the_current_password_is_throttled(app, agent_client, agent_user):
    app.config["LOGIN_RATE_LIMIT_EMAIL"] = "2/15 minutes"
    attempt = {"current_password": "guess guess guess", "new_password": "whatever passphrase"}
    assert agent_client.post("/api/auth/password", json=attempt).status_code == 422
    assert agent_client.post("/api/auth/password", json=attempt).status_code == 422
    limited = agent_client.post("/api/auth/password", json=attempt)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0


def anon_login(app, email: str, password: str) -> int:
    return (
        app.test_client()
        .post("/api/auth/login", json={"email": email, "password": password})
        .status_code
    )


def test_a_new_password_signs_the_person_out_of_every_other_browser(app, agent_user, client):
    laptop, phone = sign_in(app, agent_user), sign_in(app, agent_user)
    new = "a completely new passphrase"
    changed = laptop.post(
        "/api/auth/password",
        json={"current_password": agent_user.password, "new_password": new},
        headers={"X-CSRF-Token": laptop.csrf},
    )
    assert changed.status_code == 204
    assert laptop.get("/api/auth/me").status_code == 200
    assert phone.get("/api/auth/me").status_code == 401  # e.g. a stolen session ends here

    # An admin resetting the password ends the person's sessions too.
    tablet = sign_in(app, agent_user, password=new)
    reset = client.patch(f"/api/users/{agent_user.id}", json={"password": "admin chosen pass 1"})
    assert reset.status_code == 200
    assert tablet.get("/api/auth/me").status_code == 401
    assert laptop.get("/api/auth/me").status_code == 401
