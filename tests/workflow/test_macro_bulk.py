"""A macro applied to many tickets at once (the list's bulk bar): each gets its reply, with its
own placeholders, and the actions, audited per ticket; all or none; capped."""

from __future__ import annotations

from tests.conftest import bearer_client


def test_a_macro_is_applied_to_each_checked_ticket(app, client, agent_user, make_ticket):
    agent = bearer_client(app, agent_user)
    macro = agent.post(
        "/api/macros",
        json={
            "name": "Spam",
            "body": "Closing #{ticket_id} as spam.",
            "internal": True,
            "actions": {"status": "closed", "tags_add": ["spam"]},
        },
    ).get_json()
    first, second, other = (make_ticket(subject=f"Win money {n}")["id"] for n in range(3))
    answer = agent.post(f"/api/macros/{macro['id']}/apply", json={"ids": [first, second, 999999]})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"total": 2, "applied": 2}
    for tid in (first, second):
        ticket = agent.get(f"/api/tickets/{tid}").get_json()
        assert (ticket["status"], ticket["tags"]) == ("closed", ["spam"])
        notes = agent.get(f"/api/tickets/{tid}/replies").get_json()["items"]
        assert [(r["body"], r["internal"]) for r in notes] == [(f"Closing #{tid} as spam.", True)]
        trail = agent.get(f"/api/tickets/{tid}/events").get_json()["items"]
        assert any(e["field"] == "status" and e["new_value"] == "closed" for e in trail)
    assert agent.get(f"/api/tickets/{other}").get_json()["status"] != "closed"


def test_select_all_matching_applies_to_the_filter_and_is_capped(app, client, make_ticket):
    macro = client.post(
        "/api/macros", json={"name": "Bump", "actions": {"priority": "high"}, "shared": True}
    ).get_json()
    tagged = [make_ticket(tags=["bump-me"])["id"] for _ in range(3)]
    make_ticket()
    answer = client.post(f"/api/macros/{macro['id']}/apply", json={"filter": {"tag": "bump-me"}})
    assert answer.get_json() == {"total": 3, "applied": 3}
    assert {client.get(f"/api/tickets/{t}").get_json()["priority"] for t in tagged} == {"high"}
    app.config["BULK_INLINE_MAX"] = 2
    refused = client.post(f"/api/macros/{macro['id']}/apply", json={"ids": tagged})
    assert refused.status_code == 422
    assert "at most 2" in refused.get_json()["error"]["message"]
    assert client.post(f"/api/macros/{macro['id']}/apply", json={}).status_code == 422
    assert client.post("/api/macros/999999/apply", json={"ids": tagged}).status_code == 404


def test_someone_elses_personal_macro_cannot_be_applied(app, client, make_user, make_ticket):
    owner = bearer_client(app, make_user(email="owner@example.com"))
    other = bearer_client(app, make_user(email="other@example.com"))
    macro = owner.post("/api/macros", json={"name": "Mine", "body": "Hello"}).get_json()
    tid = make_ticket()["id"]
    assert other.post(f"/api/macros/{macro['id']}/apply", json={"ids": [tid]}).status_code == 404
    assert owner.get(f"/api/tickets/{tid}/replies").get_json()["items"] == []
