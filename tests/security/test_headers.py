"""HSTS in production and over HTTPS, no-store on API answers and the page, nosniff on every
file — and the page's versioned files keep their long caching."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import sign_in
from tests.web.test_routes import asset_url

HTTPS = "https://localhost"


@pytest.mark.parametrize("config_overrides", [{"APP_ENV": "production"}])
def test_production_sends_hsts_on_every_answer(client, anon_client):
    for response in (
        anon_client.get("/api/health"),
        anon_client.get("/"),
        client.get("/api/tickets"),
        anon_client.get("/web/static/app.js"),
        anon_client.get("/no-such-page"),
    ):
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
        response.close()


def test_hsts_is_sent_over_https_and_not_over_plain_http_in_development(anon_client):
    assert "Strict-Transport-Security" not in anon_client.get("/api/health").headers
    secure = anon_client.get("/api/health", base_url=HTTPS)
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize(
    ("config_overrides", "expected"),
    [
        ({"HSTS_MAX_AGE": 600, "HSTS_INCLUDE_SUBDOMAINS": True}, "max-age=600; includeSubDomains"),
        ({"HSTS_MAX_AGE": 0, "HSTS_INCLUDE_SUBDOMAINS": True}, "max-age=0"),
    ],
)
def test_hsts_max_age_is_configurable(anon_client, expected):
    response = anon_client.get("/", base_url=HTTPS)
    assert response.headers["Strict-Transport-Security"] == expected


def test_api_answers_are_not_stored_by_any_cache(app, client, agent_user, anon_client):
    browser = sign_in(app, agent_user)
    for response in (
        client.get("/api/tickets"),
        client.get("/api/auth/tokens"),
        browser.get("/api/auth/me"),
        anon_client.post("/api/auth/login", json={"email": "x@example.com", "password": "y"}),
        anon_client.get("/api/tickets"),  # a 401 too
    ):
        assert response.headers["Cache-Control"] == "no-store", response.request.path
    login = app.test_client().post(
        "/api/auth/login", json={"email": agent_user.email, "password": agent_user.password}
    )
    assert login.headers["Cache-Control"] == "no-store"  # it carries the CSRF token


def test_the_page_is_not_stored_and_its_files_are_never_sniffed(app, agent_user):
    browser = sign_in(app, agent_user)
    page = browser.get("/")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    html = page.get_data(as_text=True)
    for name in ("app.js", "views/tickets.js", "app.css"):
        versioned = browser.get(asset_url(html, name))
        assert versioned.headers["X-Content-Type-Options"] == "nosniff", name
        # The long caching of versioned files is kept (and still carries nobody's cookie).
        assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Set-Cookie" not in versioned.headers
        versioned.close()
        plain = browser.get(f"/web/static/{name}")
        assert plain.headers["X-Content-Type-Options"] == "nosniff", name
        plain.close()
