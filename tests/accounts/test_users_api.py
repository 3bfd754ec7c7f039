from .helpers import sign_in


def test_admin_creates_lists_reads_and_edits_users(client, anon_client):
    created = client.post(
        "/api/users",
        json={
            "email": " New.Agent@Example.com",
            "name": "New Agent",
            "password": "a long password 1",
        },
    )
    assert created.status_code == 201
    user = created.get_json()
    assert user["email"] == "new.agent@example.com" and user["role"] == "agent" and user["active"]
    assert created.headers["Location"].endswith(f"/api/users/{user['id']}")
    assert "password" not in user and "password_hash" not in user

    listed = client.get("/api/users?per_page=1&page=2").get_json()
    assert listed["meta"]["total"] == 2 and [u["id"] for u in listed["items"]] == [user["id"]]

    patched = client.patch(f"/api/users/{user['id']}", json={"role": "admin", "name": "Boss"})
    assert patched.status_code == 200
    assert (patched.get_json()["role"], patched.get_json()["name"]) == ("admin", "Boss")
    assert client.get(f"/api/users/{user['id']}").get_json()["role"] == "admin"

    # The new account can sign in with the password the admin set.
    login = anon_client.post(
        "/api/auth/login", json={"email": "new.agent@example.com", "password": "a long password 1"}
    )
    assert login.status_code == 200


def test_user_creation_errors_are_clear(client, agent_user):
    taken = client.post(
        "/api/users",
        json={"email": agent_user.email, "name": "Dup", "password": "a long password 1"},
    )
    assert taken.status_code == 409 and taken.get_json()["error"]["fields"] == {
        "email": ["Already taken."]
    }
    short = client.post(
        "/api/users", json={"email": "x@example.com", "name": "X", "password": "short"}
    )
    assert short.status_code == 422 and "password" in short.get_json()["error"]["fields"]
    bad = client.post(
        "/api/users",
        json={
            "email": "not-an-email",
            "name": "",
            "role": "owner",
            "password": "a long password 1",
        },
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"email", "name", "role"}
    assert client.get("/api/users/999").status_code == 404


def test_admins_cannot_lock_themselves_out(client, admin_user, make_user):
    make_user(role="admin", email="second.admin@example.com")
    for change in ({"active": False}, {"role": "agent"}):
        response = client.patch(f"/api/users/{admin_user.id}", json=change)
        assert response.status_code == 409
        assert "your own" in response.get_json()["error"]["message"]
    renamed = client.patch(f"/api/users/{admin_user.id}", json={"name": "Still Me", "active": True})
    assert renamed.status_code == 200
    assert client.get("/api/auth/me").get_json()["user"]["role"] == "admin"


def test_disabling_a_user_rejects_their_token_and_session_at_once(app, client, agent_user):
    by_cookie = sign_in(app, agent_user)
    by_token = app.test_client()
    headers = {"Authorization": f"Bearer {agent_user.token}"}
    assert by_token.get("/api/tickets", headers=headers).status_code == 200
    assert by_cookie.get("/api/tickets").status_code == 200

    assert client.patch(f"/api/users/{agent_user.id}", json={"active": False}).status_code == 200
    assert by_token.get("/api/tickets", headers=headers).status_code == 401
    assert by_cookie.get("/api/tickets").status_code == 401
    relogin = app.test_client().post(
        "/api/auth/login", json={"email": agent_user.email, "password": agent_user.password}
    )
    assert relogin.status_code == 401

    # Enabled again: neither the old token (revoked when disabled) nor the old session works.
    assert client.patch(f"/api/users/{agent_user.id}", json={"active": True}).status_code == 200
    assert by_token.get("/api/tickets", headers=headers).status_code == 401
    assert by_cookie.get("/api/tickets").status_code == 401
    tokens = client.get(f"/api/users/{agent_user.id}/tokens").get_json()["items"]
    assert tokens and all(t["revoked_at"] for t in tokens)
    assert sign_in(app, agent_user).get("/api/tickets").status_code == 200  # a new sign-in does


def test_password_reset_by_an_admin(app, client, agent_user):
    assert (
        client.patch(
            f"/api/users/{agent_user.id}", json={"password": "a brand new password"}
        ).status_code
        == 200
    )
    old = app.test_client().post(
        "/api/auth/login", json={"email": agent_user.email, "password": agent_user.password}
    )
    new = app.test_client().post(
        "/api/auth/login", json={"email": agent_user.email, "password": "a brand new password"}
    )
    assert (old.status_code, new.status_code) == (401, 200)


# --- tokens ---------------------------------------------------------------------------------


def test_own_tokens_create_list_use_and_revoke(app, agent_client):
    created = agent_client.post("/api/auth/tokens", json={"name": "laptop script"})
    assert created.status_code == 201
    token = created.get_json()
    text = token["token"]
    assert text.startswith(token["prefix"]) and token["active"] and token["revoked_at"] is None

    listed = agent_client.get("/api/auth/tokens").get_json()["items"]
    assert [t["name"] for t in listed] == ["tests", "laptop script"]
    assert all("token" not in t for t in listed)
    assert text not in str(listed)

    fresh = app.test_client()
    headers = {"Authorization": f"Bearer {text}"}
    me = fresh.get("/api/auth/me", headers=headers).get_json()
    assert me["user"]["email"] == "agent@example.com"
    used = agent_client.get("/api/auth/tokens").get_json()["items"][1]
    assert used["last_used_at"] is not None

    assert agent_client.delete(f"/api/auth/tokens/{token['id']}").status_code == 204
    # Revocation takes effect on the very next request.
    refused = fresh.get("/api/auth/me", headers=headers)
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    after = agent_client.get("/api/auth/tokens").get_json()["items"][1]
    assert after["active"] is False and after["revoked_at"] is not None
    # Revoking again is harmless.
    assert agent_client.delete(f"/api/auth/tokens/{token['id']}").status_code == 204


def test_a_user_cannot_see_or_revoke_another_users_token(agent_client, client):
    admin_tokens = client.get("/api/auth/tokens").get_json()["items"]
    response = agent_client.delete(f"/api/auth/tokens/{admin_tokens[0]['id']}")
    assert response.status_code == 404
    assert client.get("/api/auth/me").status_code == 200


def test_admin_manages_another_users_tokens(app, client, agent_user):
    created = client.post(f"/api/users/{agent_user.id}/tokens", json={"name": "integration"})
    assert created.status_code == 201
    token = created.get_json()
    assert token["user_id"] == agent_user.id
    names = [
        t["name"] for t in client.get(f"/api/users/{agent_user.id}/tokens").get_json()["items"]
    ]
    assert names == ["tests", "integration"]
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert app.test_client().get("/api/tickets", headers=headers).status_code == 200
    gone = client.delete(f"/api/users/{agent_user.id}/tokens/{token['id']}")
    assert gone.status_code == 204
    assert app.test_client().get("/api/tickets", headers=headers).status_code == 401
    assert client.delete(f"/api/users/{agent_user.id + 99}/tokens/{token['id']}").status_code == 404


def test_agents_cannot_manage_users_or_delete_tickets(agent_client, client, make_ticket):
    ticket = make_ticket()
    for method, url in (
        ("GET", "/api/users"),
        ("POST", "/api/users"),
        ("PATCH", "/api/users/1"),
        ("DELETE", f"/api/tickets/{ticket['id']}"),
    ):
        response = agent_client.open(url, method=method, json={} if method != "GET" else None)
        assert response.status_code == 403, (method, url)
        assert response.get_json()["error"]["code"] == "forbidden"
    assert client.get(f"/api/tickets/{ticket['id']}").status_code == 200
    # What agents may do: triage, edit, reply, read stats.
    url = f"/api/tickets/{ticket['id']}"
    assert agent_client.patch(url, json={"status": "in_progress"}).status_code == 200
    assert agent_client.post(f"{url}/replies", json={"body": "On it."}).status_code == 201
    assert agent_client.get("/api/stats").status_code == 200
    assert client.delete(url).status_code == 204


def test_replies_and_tickets_record_who_wrote_them(app, agent_client, make_ticket):
    from ticketing.core.extensions import db
    from ticketing.models import Reply, Ticket

    created = agent_client.post("/api/tickets", json={"subject": "Mine", "body": "By the agent"})
    ticket_id = created.get_json()["id"]
    reply = agent_client.post(f"/api/tickets/{ticket_id}/replies", json={"body": "Hello"})
    assert reply.get_json()["author_name"] == "Test Agent"
    assert reply.get_json()["author_email"] == "agent@example.com"
    assert reply.get_json()["on_behalf_of"] is None
    # The author is whoever is signed in: nobody can claim another name ...
    named = agent_client.post(
        f"/api/tickets/{ticket_id}/replies", json={"body": "Hi", "author_name": "Admin"}
    )
    assert named.status_code == 422 and "author_name" in named.get_json()["error"]["fields"]
    # ... and only an admin may post on someone's behalf.
    behalf = {"body": "Hi", "on_behalf_of": {"name": "Customer", "email": "c@example.com"}}
    refused = agent_client.post(f"/api/tickets/{ticket_id}/replies", json=behalf)
    assert refused.status_code == 403
    with app.app_context():
        agent_id = db.session.get(Ticket, ticket_id).created_by_id
        assert agent_id is not None
        assert {r.user_id for r in db.session.query(Reply)} == {agent_id}
