"""The upkeep's SLA pass: at-risk and breach warnings fire once each, as audit events."""

from __future__ import annotations

from tests.sla.conftest import berlin
from ticketing.core.extensions import db
from ticketing.models import TicketEvent


def sla_events(app, ticket_id: int) -> list[tuple[str, str | None]]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.action.like("sla_%"))
            .order_by(TicketEvent.id)
        ).all()
        return [(e.action, e.field) for e in rows]


def run_pass(app, at):
    from ticketing.sla.upkeep import run_pass as sla_pass

    with app.app_context():
        return sla_pass(at.astimezone())


def test_warnings_fire_once_each(app, client, clock, make_ticket):
    clock.set(berlin(2026, 11, 30, 9))
    ticket = make_ticket(priority="critical")  # first response 1 h, resolution 8 h
    tid = ticket["id"]
    report = run_pass(app, berlin(2026, 11, 30, 9, 30))
    assert report["first_response"] == {"breaches": 0, "warnings": 0}
    assert sla_events(app, tid) == []
    # 09:45: 75% of the first hour used.
    run_pass(app, berlin(2026, 11, 30, 9, 45))
    run_pass(app, berlin(2026, 11, 30, 9, 50))
    assert sla_events(app, tid) == [("sla_at_risk", "first_response")]
    # 10:00: breached; later passes add nothing.
    report = run_pass(app, berlin(2026, 11, 30, 10))
    assert report["first_response"]["breaches"] == 1
    run_pass(app, berlin(2026, 11, 30, 10, 30))
    assert sla_events(app, tid) == [
        ("sla_at_risk", "first_response"),
        ("sla_breached", "first_response"),
    ]
    sla = client.get(f"/api/tickets/{tid}/sla").get_json()
    assert sla["first_response"]["state"] == "breached"
    # A late reply keeps the breach and records when the answer came.
    clock.set(berlin(2026, 11, 30, 11))
    client.post(f"/api/tickets/{tid}/replies", json={"body": "Sorry"})
    sla = client.get(f"/api/tickets/{tid}/sla").get_json()
    assert sla["first_response"]["state"] == "breached"
    assert sla["first_response"]["at"] is not None
    # The resolution clock: at risk at 15:00 (6 of 8 h), breached at 17:00, once each.
    for hour in (15, 16, 17, 17):
        run_pass(app, berlin(2026, 11, 30, hour))
    assert sla_events(app, tid)[2:] == [
        ("sla_at_risk", "resolution"),
        ("sla_breached", "resolution"),
    ]


def test_a_paused_or_met_clock_never_warns(app, client, clock, make_ticket):
    clock.set(berlin(2026, 11, 30, 9))
    ticket = make_ticket(priority="critical")
    tid = ticket["id"]
    clock.set(berlin(2026, 11, 30, 9, 10))
    client.post(f"/api/tickets/{tid}/replies", json={"body": "Looking"})
    client.patch(f"/api/tickets/{tid}", json={"status": "pending"})
    run_pass(app, berlin(2026, 12, 7, 9))
    assert sla_events(app, tid) == []


def test_a_breach_escalates_by_policy_once(app, client, clock, make_ticket):
    policies = client.get("/api/sla/policies").get_json()["items"]
    medium = next(p for p in policies if p["priority"] == "medium")
    client.patch(f"/api/sla/policies/{medium['id']}", json={"escalation": "raise_priority"})
    clock.set(berlin(2026, 11, 30, 9))
    ticket = make_ticket(priority="medium")  # first response 8 h: due Mon 17:00
    tid = ticket["id"]
    report = run_pass(app, berlin(2026, 11, 30, 17))
    assert report["escalated"] == 1
    after = client.get(f"/api/tickets/{tid}").get_json()
    assert after["priority"] == "high"
    # The clocks follow the new priority (high: 16 h resolution from Mon 09:00).
    sla = client.get(f"/api/tickets/{tid}/sla").get_json()
    assert sla["policy_name"] == "High"
    assert run_pass(app, berlin(2026, 12, 7, 17))["escalated"] == 0
    assert client.get(f"/api/tickets/{tid}").get_json()["priority"] == "high"
    actions = [a for a, _ in sla_events(app, tid)]
    assert actions.count("sla_escalated") == 1
    trail = client.get(f"/api/tickets/{tid}/events").get_json()["items"]
    assert any(e["field"] == "priority" and e["new_value"] == "high" for e in trail)


def test_the_pass_is_an_upkeep_task(app):
    from ticketing.core import upkeep

    assert "sla" in upkeep.tasks(app)
