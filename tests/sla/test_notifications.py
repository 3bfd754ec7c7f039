"""SLA warnings reach people: the assignee (or the team while unassigned) in the page
(``/api/notifications``) and by mail (the outbox), each once; a breach escalates by policy
(raise the priority, give the ticket to the team's lead), once, audited."""

from __future__ import annotations

import pytest

from tests.conftest import bearer_client
from tests.sla.conftest import berlin
from tests.sla.test_upkeep import run_pass, sla_events
from ticketing.core.extensions import db
from ticketing.models import OutboundMail


def mails(app, kind: str = "notification") -> list[tuple[str, int | None]]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(OutboundMail).where(OutboundMail.kind == kind).order_by(OutboundMail.id)
        ).all()
        return [(m.to_address, m.ticket_id) for m in rows]


def notes(agent) -> list[tuple[int, str, str]]:
    answer = agent.get("/api/notifications").get_json()
    return [(n["ticket_id"], n["event"], n["field"]) for n in answer["items"]]


@pytest.fixture
def ana(app, make_user):
    return bearer_client(app, make_user(email="ana@example.com", name="Ana"))


@pytest.fixture
def ben(app, make_user):
    return bearer_client(app, make_user(email="ben@example.com", name="Ben"))


def test_the_assignee_hears_of_a_warning_and_a_breach_once_each(
    app, client, clock, make_ticket, ana, ben
):
    clock.set(berlin(2026, 11, 30, 9))
    tid = make_ticket(priority="critical", assignee_id=ana.user.id)["id"]  # first response 1 h
    for minute in (45, 50):  # at risk at 09:45
        run_pass(app, berlin(2026, 11, 30, 9, minute))
    assert notes(ana) == [(tid, "sla_at_risk", "first_response")]
    for _ in range(2):  # breached at 10:00; the second pass adds nothing
        report = run_pass(app, berlin(2026, 11, 30, 10))
    assert report["notified"] == 0
    assert notes(ana) == [
        (tid, "sla_breached", "first_response"),
        (tid, "sla_at_risk", "first_response"),
    ]
    assert notes(ben) == []
    answer = ana.get("/api/notifications").get_json()
    assert answer["meta"]["unread"] == 2
    newest = answer["items"][0]
    assert newest["message"].startswith("First response breached — #")
    assert newest["read"] is False
    # Each went out by mail too, to Ana, once.
    assert mails(app) == [("ana@example.com", tid), ("ana@example.com", tid)]

    # Read one; the other stays unread; someone else's is not yours to mark.
    assert ben.patch(f"/api/notifications/{newest['id']}", json={"read": True}).status_code == 404
    marked = ana.patch(f"/api/notifications/{newest['id']}", json={"read": True})
    assert marked.status_code == 200 and marked.get_json()["read"] is True
    assert ana.get("/api/notifications?unread=true").get_json()["meta"]["total"] == 1
    assert ana.post("/api/notifications/read").get_json() == {"marked": 1, "unread": 0}
    assert ana.patch(f"/api/notifications/{newest['id']}", json={"read": "x"}).status_code == 422


def test_an_unassigned_ticket_tells_its_teams_active_members(
    app, client, clock, make_ticket, make_user, ana, ben
):
    gone = make_user(email="gone@example.com", name="Gone")
    team = client.post(
        "/api/teams",
        json={
            "name": "Tech",
            "assignment": "none",
            "member_ids": [ana.user.id, ben.user.id, gone.id],
        },
    ).get_json()
    client.patch(f"/api/users/{gone.id}", json={"active": False})
    clock.set(berlin(2026, 11, 30, 9))
    tid = make_ticket(priority="critical", team_id=team["id"])["id"]
    nobody = make_ticket(priority="critical")["id"]  # no team, no assignee: nobody to tell
    run_pass(app, berlin(2026, 11, 30, 9, 46))
    assert notes(ana) == [(tid, "sla_at_risk", "first_response")]
    assert notes(ben) == [(tid, "sla_at_risk", "first_response")]
    assert sorted(mails(app)) == [("ana@example.com", tid), ("ben@example.com", tid)]
    assert ("sla_at_risk", "first_response") in sla_events(app, nobody)  # audited all the same


def test_mail_to_agents_can_be_switched_off(app, client, clock, make_ticket, ana):
    app.config["MAIL_NOTIFY_AGENTS"] = False
    clock.set(berlin(2026, 11, 30, 9))
    tid = make_ticket(priority="critical", assignee_id=ana.user.id)["id"]
    run_pass(app, berlin(2026, 11, 30, 10))
    # A pass after the due time reports the breach only (no at-risk first), in the page.
    assert notes(ana) == [(tid, "sla_breached", "first_response")]
    assert mails(app) == []


def test_the_notification_mail_goes_to_the_agent_not_into_the_customer_thread(
    app, client, clock, make_ticket, ana
):
    from ticketing.mail import compose

    clock.set(berlin(2026, 11, 30, 9))
    tid = make_ticket(
        priority="critical", assignee_id=ana.user.id, requester_email="cus@example.com"
    )["id"]
    run_pass(app, berlin(2026, 11, 30, 9, 46))
    with app.app_context():
        mail = db.session.scalars(
            db.select(OutboundMail).where(OutboundMail.kind == "notification")
        ).one()
        msg = compose.compose(mail)
    assert msg["To"] == "Ana <ana@example.com>"
    assert msg["Subject"].startswith("First response at risk — #")
    assert msg["Reply-To"] is None and msg["In-Reply-To"] is None
    assert msg["Auto-Submitted"] == "auto-generated"
    assert f"/#/tickets/{tid}" in msg.get_content()


def test_a_breach_reassigns_to_the_team_lead_once(
    app, client, clock, make_ticket, make_user, ana, ben
):
    lead = make_user(email="lead@example.com", name="Lea Lead")
    lead_client = bearer_client(app, lead)
    team = client.post(
        "/api/teams", json={"name": "Billing", "assignment": "none", "member_ids": [ana.user.id]}
    ).get_json()
    answer = client.patch(f"/api/teams/{team['id']}", json={"lead_id": lead.id})
    assert answer.status_code == 200
    assert answer.get_json()["lead_id"] == lead.id
    assert lead.id in [m["id"] for m in answer.get_json()["members"]]  # the lead is a member
    policies = client.get("/api/sla/policies").get_json()["items"]
    critical = next(p for p in policies if p["priority"] == "critical")
    client.patch(f"/api/sla/policies/{critical['id']}", json={"escalation": "reassign_to_lead"})

    clock.set(berlin(2026, 11, 30, 9))
    tid = make_ticket(priority="critical", team_id=team["id"], assignee_id=ana.user.id)["id"]
    report = run_pass(app, berlin(2026, 11, 30, 10))
    assert report["escalated"] == 1
    after = client.get(f"/api/tickets/{tid}").get_json()
    assert after["assignee"]["id"] == lead.id
    assert after["priority"] == "critical"  # only reassigned, as the policy says
    # Ana had it when it breached; Lea hears it was escalated to her.
    assert (tid, "sla_breached", "first_response") in notes(ana)
    assert notes(lead_client) == [(tid, "sla_escalated", "assignee")]
    assert (
        "assigned to the team lead"
        in lead_client.get("/api/notifications").get_json()["items"][0]["message"]
    )
    trail = client.get(f"/api/tickets/{tid}/events").get_json()["items"]
    assert any(e["field"] == "assignee_id" and e["new_value"] == str(lead.id) for e in trail)
    # Fires once: Ana takes it back, the resolution clock breaches later — no second escalation.
    client.patch(f"/api/tickets/{tid}", json={"assignee_id": ana.user.id})
    report = run_pass(app, berlin(2026, 11, 30, 17, 30))
    assert report["escalated"] == 0
    assert client.get(f"/api/tickets/{tid}").get_json()["assignee"]["id"] == ana.user.id
    assert [a for a, _ in sla_events(app, tid)].count("sla_escalated") == 1


def test_raise_and_reassign_does_both(app, client, clock, make_ticket, make_user, ana):
    lead = make_user(email="lead2@example.com", name="Lou Lead")
    team = client.post(
        "/api/teams", json={"name": "Ops", "assignment": "none", "lead_id": lead.id}
    ).get_json()
    assert team["lead_id"] == lead.id
    policies = client.get("/api/sla/policies").get_json()["items"]
    high = next(p for p in policies if p["priority"] == "high")
    client.patch(f"/api/sla/policies/{high['id']}", json={"escalation": "raise_and_reassign"})
    clock.set(berlin(2026, 11, 30, 9))
    tid = make_ticket(priority="high", team_id=team["id"])["id"]  # first response 4 h
    run_pass(app, berlin(2026, 11, 30, 13))
    after = client.get(f"/api/tickets/{tid}").get_json()
    assert (after["priority"], after["assignee"]["id"]) == ("critical", lead.id)
    fields = [f for a, f in sla_events(app, tid) if a == "sla_escalated"]
    assert sorted(fields) == ["assignee", "priority"]


def test_a_team_lead_must_be_an_active_user_and_leaving_the_team_ends_it(client, make_user):
    someone = make_user(email="someone@example.com")
    team = client.post("/api/teams", json={"name": "Sales", "lead_id": someone.id}).get_json()
    assert client.patch(f"/api/teams/{team['id']}", json={"lead_id": 999999}).status_code == 422
    left = client.patch(f"/api/teams/{team['id']}", json={"member_ids": []}).get_json()
    assert left["lead_id"] is None
    again = client.patch(f"/api/teams/{team['id']}", json={"lead_id": someone.id}).get_json()
    assert again["lead_id"] == someone.id
    assert (
        client.patch(f"/api/teams/{team['id']}", json={"lead_id": None}).get_json()["lead_id"]
        is None
    )
