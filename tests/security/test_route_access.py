"""Every /api route, taken from the app's URL map (so routes added later are covered too):
401 without credentials, 403 for a role that may not, 403 without the CSRF token."""

from __future__ import annotations

import re

import pytest

from tests.accounts.helpers import sign_in
from tests.conftest import make_config
from ticketing import create_app

#: The API's interactive documentation and its files: open, like /api/openapi.json, and not
#: operations of the document they show.
DOCUMENTS = {("GET", "/api/docs"), ("GET", "/api/docs/assets/<path:filename>")}
#: The only operations anyone may call without signing in.
PUBLIC = {
    ("GET", "/api/health"),
    ("GET", "/api/openapi.json"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/forgot"),
    ("POST", "/api/auth/reset"),
    ("POST", "/api/intake"),
    ("GET", "/api/help/articles"),
    ("GET", "/api/help/articles/<int:article_id>"),
    ("POST", "/api/help/suggestions"),
    ("POST", "/api/help/suggestions/<uuid:visit_id>"),
    *DOCUMENTS,
}
#: Open to no session or API token, but to a shared secret of their own (tests/mail checks it):
#: mail services forward raw mail with INBOUND_EMAIL_TOKEN.
OWN_SECRET = {("POST", "/api/inbound/email")}
#: Operations reserved to admins. Everything else an agent may do.
ADMIN_ONLY = re.compile(
    r"^(DELETE /api/tickets/<int:ticket_id>|\w+ /api/users(/.*)?|GET /api/access-log(/.*)?"
    r"|(POST|PATCH|DELETE) /api/sla/(calendars|policies)(/.*)?"
    r"|(POST|PATCH|DELETE) /api/(teams|routing-rules)(/.*)?"
    r"|POST /api/tickets/<int:ticket_id>/merge/undo)$"
)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def api_operations() -> list[tuple[str, str]]:
    app = create_app(make_config())
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method, rule.rule))
    return sorted(found, key=lambda op: (op[1], op[0]))


OPERATIONS = api_operations()
PROTECTED = [op for op in OPERATIONS if op not in PUBLIC | OWN_SECRET]


def concrete(rule: str) -> str:
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if m.group(1) == "int" else "x", rule)


def ids(op):
    return f"{op[0]} {op[1]}"


def call(client, method, rule, **kwargs):
    body = {} if method in UNSAFE else None
    return client.open(concrete(rule), method=method, json=body, **kwargs)


def test_the_route_table_is_what_this_suite_expects():
    assert PUBLIC <= set(OPERATIONS)
    assert len(PROTECTED) >= 20


@pytest.mark.parametrize("op", PROTECTED, ids=ids)
def test_anonymous_callers_get_401_with_a_bearer_challenge(anon_client, op):
    response = call(anon_client, *op)
    assert response.status_code == 401, response.get_json()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("op", PROTECTED, ids=ids)
def test_a_wrong_or_malformed_token_gets_401(anon_client, op):
    for header in ("Bearer tkt_not-a-real-token", "Bearer ", "Basic YWRtaW46YWRtaW4="):
        response = call(anon_client, *op, headers={"Authorization": header})
        assert response.status_code == 401, (header, response.get_json())


@pytest.mark.parametrize("op", sorted(PUBLIC), ids=ids)
def test_public_operations_need_no_credentials(anon_client, op):
    assert call(anon_client, *op).status_code not in (401, 403)


@pytest.mark.parametrize("op", PROTECTED, ids=ids)
def test_agents_get_403_only_where_admins_are_required(agent_client, client, op):
    response = call(agent_client, *op)
    if ADMIN_ONLY.match(ids(op)):
        assert response.status_code == 403, response.get_json()
        assert response.get_json()["error"]["code"] == "forbidden"
        assert call(client, *op).status_code not in (401, 403)  # the admin may
    else:
        assert response.status_code not in (401, 403), response.get_json()


@pytest.mark.parametrize("op", [op for op in PROTECTED if op[0] in UNSAFE], ids=ids)
def test_cookie_sessions_get_403_without_the_csrf_token(app, admin_user, op):
    client = sign_in(app, admin_user)
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": ""}):
        response = call(client, *op, headers=headers)
        assert response.status_code == 403, (headers, response.get_json())
        assert response.get_json()["error"]["code"] == "csrf_failed"
    with_token = call(client, *op, headers={"X-CSRF-Token": client.csrf})
    assert with_token.status_code != 403


def test_openapi_declares_auth_truthfully(anon_client):
    spec = anon_client.get("/api/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert {"bearerAuth": []} in spec["security"]
    documented = {
        (method.upper(), path): operation
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method != "parameters"
    }
    for method, rule in OPERATIONS:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)
        if (method, rule) == ("GET", "/api/openapi.json") or (method, rule) in DOCUMENTS:
            continue  # the document itself and its interactive page, not operations
        operation = documented[(method, path)]
        if (method, rule) in PUBLIC:
            assert operation["security"] == [], path
            assert "401" not in operation["responses"] or path == "/api/auth/login"
        elif (method, rule) in OWN_SECRET:
            assert operation["security"] == [], path  # no bearer token: a secret of its own
            assert "401" in operation["responses"], path
        else:
            assert "security" not in operation, path
            assert "401" in operation["responses"], (method, path)
            can_403 = method in UNSAFE or ADMIN_ONLY.match(f"{method} {rule}")
            assert ("403" in operation["responses"]) == bool(can_403), (method, path)
