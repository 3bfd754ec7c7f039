"""Routing: rules send triaged tickets (or tickets whose category a person changed) to a team,
then to an available member in turn (round-robin) or with the fewest unresolved tickets
(least-open). Away or disabled members get nothing; a person's assignment always wins."""

from __future__ import annotations

from collections import Counter

import pytest


@pytest.fixture
def agents(make_user):
    return [make_user(name=f"Agent {n}") for n in range(3)]


@pytest.fixture
def billing(client, agents):
    team = client.post(
        "/api/teams", json={"name": "Billing", "member_ids": [a.id for a in agents]}
    ).get_json()
    rule = client.post("/api/routing-rules", json={"category": "billing", "team_id": team["id"]})
    assert rule.status_code == 201, rule.get_json()
    return team


def categorise(client, ticket_id: int, category: str = "billing") -> dict:
    answer = client.patch(f"/api/tickets/{ticket_id}", json={"category": category})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_triage_finishing_routes_a_ticket_to_the_team_and_a_member(client, billing, agents):
    ticket = client.post(
        "/api/tickets",
        json={
            "subject": "Charged twice for my subscription",
            "body": "My credit card was charged twice this month, please refund the invoice.",
        },
    ).get_json()
    assert ticket["team_id"] is None  # not triaged yet
    assert client.post(f"/api/tickets/{ticket['id']}/classify").status_code == 202
    routed = client.get(f"/api/tickets/{ticket['id']}").get_json()
    assert routed["category"] == "billing"
    assert routed["team"]["name"] == "Billing"
    assert routed["team_source"] == "rule"
    assert routed["assignee_id"] in {a.id for a in agents}
    assert routed["assignee_source"] == "rule"
    events = client.get(f"/api/tickets/{ticket['id']}/events").get_json()["items"]
    changed = {(e["field"], e["actor_type"]) for e in events if e["action"] == "updated"}
    assert ("team_id", "triage") in changed and ("assignee_id", "triage") in changed


def test_round_robin_spreads_n_tickets_evenly_and_skips_away_agents(
    app, client, billing, agents, make_ticket
):
    tickets = [make_ticket(subject=f"T{n}") for n in range(9)]
    assigned = [categorise(client, t["id"])["assignee_id"] for t in tickets]
    assert Counter(assigned) == Counter({a.id: 3 for a in agents})
    assert assigned[:3] == assigned[3:6]  # in turn, the same order each round

    from tests.conftest import bearer_client

    bearer_client(app, agents[1]).patch("/api/agents/me", json={"away": True})
    more = [categorise(client, make_ticket(subject=f"U{n}")["id"])["assignee_id"] for n in range(6)]
    assert Counter(more) == Counter({agents[0].id: 3, agents[2].id: 3})


def test_least_open_gives_the_next_ticket_to_whoever_has_fewest(
    client, billing, agents, make_ticket
):
    client.patch(f"/api/teams/{billing['id']}", json={"assignment": "least_open"})
    busy = agents[0]
    held = [make_ticket(subject=f"Busy {n}", assignee_id=busy.id) for n in range(3)]
    assigned = [
        categorise(client, make_ticket(subject=f"T{n}")["id"])["assignee_id"] for n in range(4)
    ]
    assert busy.id not in assigned
    assert Counter(assigned) == Counter({agents[1].id: 2, agents[2].id: 2})
    # Resolved (or pending) work still counts only while unresolved: resolving frees agent 0.
    for ticket in held:
        client.patch(f"/api/tickets/{ticket['id']}", json={"status": "resolved"})
    fifth = categorise(client, make_ticket(subject="T5")["id"])
    assert fifth["assignee_id"] == busy.id


def test_manual_assignment_always_wins(client, billing, agents, make_ticket):
    ticket = make_ticket(assignee_id=agents[2].id)
    routed = categorise(client, ticket["id"])
    assert routed["team"]["name"] == "Billing"
    assert routed["assignee_id"] == agents[2].id
    assert routed["assignee_source"] == "manual"
    unassigned = client.patch(f"/api/tickets/{ticket['id']}", json={"assignee_id": None}).get_json()
    again = categorise(client, unassigned["id"], "technical")
    again = categorise(client, again["id"], "billing")
    assert again["assignee_id"] is None  # a person's "nobody" sticks too


def test_a_manual_team_is_kept_and_a_category_change_re_routes(client, billing, make_ticket):
    tech = client.post("/api/teams", json={"name": "Tech", "assignment": "none"}).get_json()
    client.post("/api/routing-rules", json={"category": "technical", "team_id": tech["id"]})
    ticket = make_ticket()
    assert categorise(client, ticket["id"])["team"]["name"] == "Billing"
    moved = categorise(client, ticket["id"], "technical")
    assert moved["team"]["name"] == "Tech"
    assert moved["assignee_id"] is not None  # Tech hands out nothing; the assignee stays
    pinned = make_ticket(team_id=tech["id"])
    assert categorise(client, pinned["id"])["team"]["name"] == "Tech"


def test_nobody_available_leaves_the_ticket_with_the_team(
    app, client, billing, agents, make_ticket
):
    from tests.conftest import bearer_client

    for agent in agents:
        bearer_client(app, agent).patch("/api/agents/me", json={"away": True})
    routed = categorise(client, make_ticket()["id"])
    assert routed["team"]["name"] == "Billing"
    assert routed["assignee_id"] is None


def test_rules_match_priority_and_tag_and_are_tried_in_order(client, make_ticket):
    vip = client.post("/api/teams", json={"name": "VIP", "assignment": "none"}).get_json()
    general = client.post("/api/teams", json={"name": "General", "assignment": "none"}).get_json()
    client.post("/api/routing-rules", json={"team_id": general["id"], "position": 5})
    client.post("/api/routing-rules", json={"tag": "vip", "team_id": vip["id"], "position": 1})
    tagged = make_ticket(tags=["vip"])
    plain = make_ticket()
    assert categorise(client, tagged["id"], "account")["team"]["name"] == "VIP"
    assert categorise(client, plain["id"], "account")["team"]["name"] == "General"
    rules = client.get("/api/routing-rules").get_json()["items"]
    assert [r["tag"] for r in rules] == ["vip", None]
    bad = client.post("/api/routing-rules", json={"team_id": 99999})
    assert bad.status_code == 422
