"""Signing a test client in the way the web page does (session cookie + CSRF token)."""

from __future__ import annotations


def sign_in(app, user, password: str | None = None):
    """A fresh test client signed in with ``user``'s e-mail and password (cookie session)."""
    client = app.test_client()
    response = client.post(
        "/api/auth/login", json={"email": user.email, "password": password or user.password}
    )
    assert response.status_code == 200, response.get_json()
    client.csrf = response.get_json()["csrf_token"]
    return client


def session_cookie(response) -> str:
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert cookies, response.headers
    return cookies[0]
