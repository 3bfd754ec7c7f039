"""Macros (a reply with placeholders plus actions, personal or shared, applied in one click)
and saved views (built in and saved, each with a count equal to the list's total)."""

from __future__ import annotations

from tests.conftest import bearer_client


def test_a_macro_replies_with_placeholders_and_applies_its_actions(
    app, client, agent_user, make_ticket
):
    agent = bearer_client(app, agent_user)
    macro = agent.post(
        "/api/macros",
        json={
            "name": "Refund sent",
            "body": "Hi {requester_name}, ticket #{ticket_id}: refund sent. {agent_name} {unknown}",
            "actions": {"status": "pending", "tags_add": ["refund"], "assignee_id": agent_user.id},
        },
    )
    assert macro.status_code == 201, macro.get_json()
    ticket = make_ticket(requester_name="Dana", requester_email="dana@example.com")
    applied = agent.post(f"/api/tickets/{ticket['id']}/macros/{macro.get_json()['id']}")
    assert applied.status_code == 200, applied.get_json()
    after = applied.get_json()
    assert (after["status"], after["tags"], after["assignee_id"]) == (
        "pending",
        ["refund"],
        agent_user.id,
    )
    replies = agent.get(f"/api/tickets/{ticket['id']}/replies").get_json()["items"]
    assert replies[-1]["body"] == (
        f"Hi Dana, ticket #{ticket['id']}: refund sent. {agent_user.name} {{unknown}}"
    )
    assert replies[-1]["author_email"] == agent_user.email


def test_personal_macros_are_private_and_shared_ones_are_for_everyone(
    app, client, agent_user, make_user
):
    agent, other = bearer_client(app, agent_user), bearer_client(app, make_user())
    mine = agent.post("/api/macros", json={"name": "Mine", "body": "x"}).get_json()
    shared = agent.post(
        "/api/macros", json={"name": "Ours", "body": "y", "shared": True}
    ).get_json()
    names = [m["name"] for m in other.get("/api/macros").get_json()["items"]]
    assert names == ["Ours"]
    assert other.get(f"/api/macros/{mine['id']}").status_code == 404
    assert other.patch(f"/api/macros/{shared['id']}", json={"name": "Hijacked"}).status_code == 403
    assert client.patch(f"/api/macros/{shared['id']}", json={"name": "Ours v2"}).status_code == 200
    assert agent.delete(f"/api/macros/{mine['id']}").status_code == 204
    assert agent.post("/api/macros", json={"name": "Empty"}).status_code == 422


def test_a_stale_if_match_refuses_a_macro(client, make_ticket):
    macro = client.post("/api/macros", json={"name": "Close", "actions": {"status": "closed"}})
    ticket = make_ticket()
    etag = client.get(f"/api/tickets/{ticket['id']}").headers["ETag"]
    client.patch(f"/api/tickets/{ticket['id']}", json={"note": "changed"})
    refused = client.post(
        f"/api/tickets/{ticket['id']}/macros/{macro.get_json()['id']}", headers={"If-Match": etag}
    )
    assert refused.status_code == 412
    assert client.get(f"/api/tickets/{ticket['id']}").get_json()["status"] == "open"


def test_view_counts_equal_the_lists_totals(app, client, agent_user, make_user, make_ticket):
    agent = bearer_client(app, agent_user)
    make_ticket(assignee_id=agent_user.id)
    make_ticket(assignee_id=agent_user.id, status="resolved")
    make_ticket(priority="critical")
    make_ticket(status="pending")
    make_ticket()
    saved = agent.post(
        "/api/views", json={"name": "Critical or high", "filters": {"priority": "critical,high"}}
    )
    assert saved.status_code == 201, saved.get_json()
    views = agent.get("/api/views").get_json()["items"]
    assert [v["name"] for v in views][:4] == ["My open", "Unassigned", "Urgent", "Pending"]
    for view in views:
        query = "&".join(f"{k}={v}" for k, v in view["filters"].items())
        listed = agent.get(f"/api/tickets?{query}").get_json()["meta"]["total"]
        assert view["count"] == listed, view
    counts = {v["name"]: v["count"] for v in views}
    assert counts["My open"] == 1 and counts["Pending"] == 1 and counts["Urgent"] == 1
    assert (
        agent.post("/api/views", json={"name": "Bad", "filters": {"status": "nope"}}).status_code
        == 422
    )
    other = bearer_client(app, make_user())
    assert other.get(f"/api/views/{saved.get_json()['id']}").status_code == 404
