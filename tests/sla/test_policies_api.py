"""The admin API for calendars and policies, and the defaults a fresh install has."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade

from tests.conftest import MIGRATIONS
from ticketing.core.extensions import db
from ticketing.models import SlaCalendar, SlaPolicy
from ticketing.sla import defaults


def test_the_migration_seeds_the_default_calendar_and_policies(app_ctx):
    downgrade(directory=MIGRATIONS, revision="e1a2b3c4d5f6")
    upgrade(directory=MIGRATIONS)
    db.session.remove()
    rows = db.session.scalars(db.select(SlaPolicy).order_by(SlaPolicy.id)).all()
    assert [
        (p.name, p.priority, p.first_response_minutes, p.resolution_minutes) for p in rows
    ] == list(defaults.POLICIES)
    calendar = db.session.scalars(db.select(SlaCalendar)).one()
    assert calendar.name == defaults.CALENDAR["name"]
    assert calendar.hours == defaults.CALENDAR["hours"]
    assert {p.calendar_id for p in rows} == {calendar.id}


def test_a_ticket_gets_clocks_on_a_fresh_install(client, sla_defaults, make_ticket):
    ticket = make_ticket()
    sla = client.get(f"/api/tickets/{ticket['id']}/sla").get_json()
    assert sla["policy_name"] == "Default"
    assert sla["first_response"]["state"] == "running"


def test_admins_manage_calendars(client):
    body = {
        "name": "Berlin office",
        "timezone": "Europe/Berlin",
        "hours": {"mon": ["09:00-17:00"], "fri": ["09:00-13:00"]},
        "holiday_country": "DE",
        "holiday_subdivision": "be",
        "custom_holidays": ["2026-12-24", "2026-12-24"],
    }
    response = client.post("/api/sla/calendars", json=body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert response.headers["Location"].endswith(f"/api/sla/calendars/{created['id']}")
    assert created["holiday_country"] == "DE"
    assert created["custom_holidays"] == ["2026-12-24"]
    assert client.post("/api/sla/calendars", json=body).status_code == 409
    patched = client.patch(f"/api/sla/calendars/{created['id']}", json={"always_open": True})
    assert patched.get_json()["always_open"] is True
    assert client.delete(f"/api/sla/calendars/{created['id']}").status_code == 204
    assert client.get(f"/api/sla/calendars/{created['id']}").status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"timezone": "Mars/Olympus"},
        {"hours": {}},
        {"hours": {"mon": ["17:00-09:00"]}},
        {"hours": {"funday": ["09:00-17:00"]}},
        {"holiday_country": "XX"},
        {"holiday_country": "DE", "holiday_subdivision": "XX"},
        {"holiday_subdivision": "ZZ"},
    ],
)
def test_unusable_calendars_are_a_422(client, change):
    body = {"name": "Bad", "timezone": "UTC", "hours": {"mon": ["09:00-17:00"]}, **change}
    response = client.post("/api/sla/calendars", json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_error"


def test_admins_manage_policies_and_the_most_specific_one_applies(
    client, sla_defaults, make_ticket
):
    body = {
        "name": "Critical billing",
        "priority": "critical",
        "category": "billing",
        "calendar_id": sla_defaults,
        "first_response_minutes": 15,
        "resolution_minutes": 120,
        "escalation": "raise_priority",
    }
    response = client.post("/api/sla/policies", json=body)
    assert response.status_code == 201, response.get_json()
    policy = response.get_json()
    # Same scope again: refused while the first is active.
    assert client.post("/api/sla/policies", json={**body, "name": "Other"}).status_code == 409
    billing = make_ticket(priority="critical", category="billing")
    technical = make_ticket(priority="critical", category="technical")
    assert client.get(f"/api/tickets/{billing['id']}/sla").get_json()["policy_name"] == (
        "Critical billing"
    )
    assert client.get(f"/api/tickets/{technical['id']}/sla").get_json()["policy_name"] == (
        "Critical"
    )
    assert (
        client.patch(f"/api/sla/policies/{policy['id']}", json={"calendar_id": 99999}).status_code
        == 422
    )
    assert client.delete(f"/api/sla/policies/{policy['id']}").status_code == 204
    # The ticket keeps its clocks; the policy is gone.
    sla = client.get(f"/api/tickets/{billing['id']}/sla").get_json()
    assert sla["policy_id"] is None
    assert sla["first_response"]["due_at"] is not None


def test_a_calendar_in_use_cannot_be_deleted(client, sla_defaults):
    response = client.delete(f"/api/sla/calendars/{sla_defaults}")
    assert response.status_code == 409


def test_agents_read_policies_but_may_not_change_them(agent_client, sla_defaults):
    assert agent_client.get("/api/sla/policies").status_code == 200
    assert agent_client.get("/api/sla/calendars").status_code == 200
    response = agent_client.post(
        "/api/sla/policies",
        json={
            "name": "Mine",
            "calendar_id": sla_defaults,
            "first_response_minutes": 1,
            "resolution_minutes": 2,
        },
    )
    assert response.status_code == 403


def test_triage_sets_the_priority_and_the_due_times_follow(client, sla_defaults, make_ticket):
    ticket = make_ticket(subject="URGENT production is down", body="Everything is down, urgent!")
    before = client.get(f"/api/tickets/{ticket['id']}/sla").get_json()
    assert before["policy_name"] == "Default"
    assert client.post(f"/api/tickets/{ticket['id']}/classify").status_code in (200, 202)
    triaged = client.get(f"/api/tickets/{ticket['id']}").get_json()
    assert triaged["priority"] is not None
    after = client.get(f"/api/tickets/{ticket['id']}/sla").get_json()
    assert after["policy_name"] == triaged["priority"].title()
