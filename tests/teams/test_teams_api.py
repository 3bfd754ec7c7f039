"""Teams: admins manage them (API and CLI), everyone reads them; agents mark themselves away;
tickets carry an assignee and a team, filtered with assignee=me|none|<id> and team=<id>|none."""

from __future__ import annotations

from tests.conftest import bearer_client


def test_an_admin_creates_a_team_with_members_and_agents_read_it(client, agent_client, agent_user):
    created = client.post("/api/teams", json={"name": " Billing ", "member_ids": [agent_user.id]})
    assert created.status_code == 201, created.get_json()
    team = created.get_json()
    assert team["name"] == "Billing"
    assert team["assignment"] == "round_robin"
    assert [m["email"] for m in team["members"]] == [agent_user.email]
    assert created.headers["Location"].endswith(f"/api/teams/{team['id']}")
    listed = agent_client.get("/api/teams").get_json()["items"]
    assert [t["name"] for t in listed] == ["Billing"]
    assert agent_client.post("/api/teams", json={"name": "Tech"}).status_code == 403
    assert client.post("/api/teams", json={"name": "Billing"}).status_code == 409


def test_membership_is_replaced_and_unknown_users_are_refused(client, make_user):
    ana, bo = make_user(name="Ana"), make_user(name="Bo")
    team = client.post("/api/teams", json={"name": "Tech", "member_ids": [ana.id]}).get_json()
    patched = client.patch(
        f"/api/teams/{team['id']}", json={"member_ids": [bo.id], "assignment": "least_open"}
    )
    assert patched.status_code == 200
    assert [m["name"] for m in patched.get_json()["members"]] == ["Bo"]
    assert patched.get_json()["assignment"] == "least_open"
    refused = client.patch(f"/api/teams/{team['id']}", json={"member_ids": [99999]})
    assert refused.status_code == 422
    assert "member_ids" in refused.get_json()["error"]["fields"]


def test_deleting_a_team_keeps_its_tickets(client, make_ticket):
    team = client.post("/api/teams", json={"name": "Tech"}).get_json()
    ticket = make_ticket(team_id=team["id"])
    assert ticket["team"] == {"id": team["id"], "name": "Tech"}
    assert client.delete(f"/api/teams/{team['id']}").status_code == 204
    after = client.get(f"/api/tickets/{ticket['id']}").get_json()
    assert after["team_id"] is None


def test_an_agent_marks_themselves_away_and_back(agent_client, agent_user):
    answer = agent_client.patch("/api/agents/me", json={"away": True})
    assert answer.status_code == 200
    assert answer.get_json()["away"] is True
    agents = {a["id"]: a for a in agent_client.get("/api/agents").get_json()["items"]}
    assert agents[agent_user.id]["away"] is True
    agent_client.patch("/api/agents/me", json={"away": False})
    agents = {a["id"]: a for a in agent_client.get("/api/agents").get_json()["items"]}
    assert agents[agent_user.id]["away"] is False


def test_assignment_is_manual_and_the_list_filters_by_assignee_and_team(
    app, client, agent_user, admin_user, make_ticket
):
    team = client.post("/api/teams", json={"name": "Billing"}).get_json()
    mine = make_ticket(subject="Mine")
    theirs = make_ticket(subject="Theirs", team_id=team["id"])
    make_ticket(subject="Nobody's")
    patched = client.patch(f"/api/tickets/{mine['id']}", json={"assignee_id": agent_user.id})
    assert patched.get_json()["assignee"] == {"id": agent_user.id, "name": agent_user.name}
    assert patched.get_json()["assignee_source"] == "manual"
    client.patch(f"/api/tickets/{theirs['id']}", json={"assignee_id": admin_user.id})

    agent = bearer_client(app, agent_user)

    def subjects(client_, query):
        answer = client_.get(f"/api/tickets?{query}")
        assert answer.status_code == 200, answer.get_json()
        return sorted(t["subject"] for t in answer.get_json()["items"])

    assert subjects(agent, "assignee=me") == ["Mine"]
    assert subjects(client, "assignee=me") == ["Theirs"]
    assert subjects(client, "assignee=none") == ["Nobody's"]
    assert subjects(client, f"assignee=none,{agent_user.id}") == ["Mine", "Nobody's"]
    assert subjects(client, f"team={team['id']}") == ["Theirs"]
    assert subjects(client, "team=none") == ["Mine", "Nobody's"]
    assert client.get("/api/tickets?assignee=someone").status_code == 422
    assert client.get("/api/tickets?team=me").status_code == 422
    by_assignee = client.get("/api/tickets?sort=assignee").get_json()["items"]
    assert [t["subject"] for t in by_assignee][-1] == "Nobody's"
    assert (
        client.patch(f"/api/tickets/{mine['id']}", json={"assignee_id": 99999}).status_code == 422
    )


def test_assignment_changes_are_in_the_audit_trail(client, agent_user, make_ticket):
    ticket = make_ticket()
    client.patch(f"/api/tickets/{ticket['id']}", json={"assignee_id": agent_user.id})
    events = client.get(f"/api/tickets/{ticket['id']}/events").get_json()["items"]
    assert {
        (e["field"], e["old_value"], e["new_value"]) for e in events if e["action"] == "updated"
    } >= {("assignee_id", None, str(agent_user.id))}


def test_the_cli_manages_teams(runner, app, agent_user):
    result = runner.invoke(
        args=["tickets", "teams", "create", "Tech", "--member", agent_user.email]
    )
    assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["tickets", "teams", "list"])
    assert "Tech" in listed.output and agent_user.email in listed.output
    removed = runner.invoke(args=["tickets", "teams", "remove-member", "Tech", agent_user.email])
    assert removed.exit_code == 0, removed.output
    assert agent_user.email not in runner.invoke(args=["tickets", "teams", "list"]).output
    assert runner.invoke(args=["tickets", "teams", "delete", "Nope"]).exit_code != 0
