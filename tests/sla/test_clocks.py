"""Each ticket's clocks, driven through the API the way agents and customers move tickets."""

from __future__ import annotations

from tests.sla.conftest import berlin, iso

HOUR = 3600


def sla_of(client, ticket_id: int) -> dict:
    response = client.get(f"/api/tickets/{ticket_id}/sla")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_new_ticket_gets_due_times_in_business_hours(client, clock, make_ticket):
    # Friday 16:00: "high" = first response 4 h, resolution 16 h (Mon-Fri 09-17, Berlin).
    clock.set(berlin(2026, 11, 27, 16))
    ticket = make_ticket(priority="high")
    sla = sla_of(client, ticket["id"])
    assert sla["policy_name"] == "High"
    assert sla["first_response"]["due_at"] == iso(berlin(2026, 11, 30, 12))  # 1 h Fri + 3 h Mon
    assert sla["resolution"]["due_at"] == iso(berlin(2026, 12, 1, 16))  # 1 h + 8 h + 7 h
    assert sla["first_response"]["state"] == "running"
    assert sla["first_response"]["seconds_left"] == 4 * HOUR
    clock.set(berlin(2026, 11, 30, 11))  # Monday 11:00: 3 of 4 business hours used
    sla = sla_of(client, ticket["id"])
    assert sla["first_response"]["at_risk"] is True
    assert sla["first_response"]["seconds_left"] == HOUR


def test_the_first_public_agent_reply_is_the_first_response(client, clock, make_ticket):
    clock.set(berlin(2026, 11, 30, 9))
    ticket = make_ticket(priority="critical")  # first response within 1 business hour
    clock.set(berlin(2026, 11, 30, 9, 20))
    client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": "note", "internal": True})
    client.post(
        f"/api/tickets/{ticket['id']}/replies",
        json={"body": "Customer phoned", "on_behalf_of": {"name": "Ann"}},
    )
    assert sla_of(client, ticket["id"])["first_response"]["state"] == "running"
    clock.set(berlin(2026, 11, 30, 9, 45))
    client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": "On it."})
    first = sla_of(client, ticket["id"])["first_response"]
    assert (first["state"], first["at"]) == ("met", iso(berlin(2026, 11, 30, 9, 45)))
    clock.set(berlin(2026, 11, 30, 12))
    client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": "Another."})
    assert sla_of(client, ticket["id"])["first_response"]["at"] == iso(berlin(2026, 11, 30, 9, 45))


def test_a_late_first_response_is_a_breach(client, clock, make_ticket):
    clock.set(berlin(2026, 11, 30, 9))
    ticket = make_ticket(priority="critical")
    clock.set(berlin(2026, 11, 30, 10, 1))
    client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": "Sorry for the wait."})
    assert sla_of(client, ticket["id"])["first_response"]["state"] == "breached"


def test_pending_pauses_over_the_weekend_and_a_customer_reply_resumes(client, clock, make_ticket):
    # Thu 26 Nov 10:00, high: resolution 16 h -> due Mon 30 Nov 10:00 (7 h + 8 h + 1 h).
    clock.set(berlin(2026, 11, 26, 10))
    ticket = make_ticket(priority="high")
    tid = ticket["id"]
    assert sla_of(client, tid)["resolution"]["due_at"] == iso(berlin(2026, 11, 30, 10))
    # Fri 15:30 the agent asks the customer something: 13.5 h used, 2.5 h left, paused.
    clock.set(berlin(2026, 11, 27, 15, 30))
    assert client.patch(f"/api/tickets/{tid}", json={"status": "pending"}).status_code == 200
    resolution = sla_of(client, tid)["resolution"]
    assert resolution["state"] == "paused"
    assert resolution["due_at"] is None
    assert resolution["seconds_left"] == 2.5 * HOUR
    # Mon 10:15 the customer answers (an admin posts it for them): the ticket reopens and the
    # clock runs again with 1.5 h (Fri) + 1.25 h (Mon) of pause: due Mon 12:45.
    clock.set(berlin(2026, 11, 30, 10, 15))
    response = client.post(
        f"/api/tickets/{tid}/replies",
        json={"body": "Here it is", "on_behalf_of": {"name": "Customer"}},
    )
    assert response.status_code == 201
    assert client.get(f"/api/tickets/{tid}").get_json()["status"] == "open"
    sla = sla_of(client, tid)
    assert sla["resolution"]["state"] == "running"
    assert sla["resolution"]["due_at"] == iso(berlin(2026, 11, 30, 12, 45))
    assert sla["paused_seconds"] == 2.75 * HOUR
    # A priority change recomputes from the start, keeping the pause: medium = 40 h,
    # + 2.75 h -> Thu 3 Dec 12:45 (7 + 8 + 8 + 8 + 8 + 3.75).
    clock.set(berlin(2026, 11, 30, 11))
    client.patch(f"/api/tickets/{tid}", json={"priority": "medium"})
    sla = sla_of(client, tid)
    assert sla["policy_name"] == "Medium"
    assert sla["resolution"]["due_at"] == iso(berlin(2026, 12, 3, 12, 45))
    # Medium's first response (8 h from Thu 10:00) was due Fri 10:00: now overdue.
    assert sla["first_response"]["due_at"] == iso(berlin(2026, 11, 27, 10))
    assert sla["first_response"]["overdue"] is True


def test_on_hold_pauses_only_when_the_policy_says_so(client, clock, make_ticket):
    clock.set(berlin(2026, 11, 30, 9))
    ticket = make_ticket(priority="low")
    client.patch(f"/api/tickets/{ticket['id']}", json={"status": "on_hold"})
    assert sla_of(client, ticket["id"])["resolution"]["state"] == "running"
    policy = next(
        p for p in client.get("/api/sla/policies").get_json()["items"] if p["priority"] == "low"
    )
    client.patch(f"/api/sla/policies/{policy['id']}", json={"pause_on_hold": True})
    client.patch(f"/api/tickets/{ticket['id']}", json={"status": "open"})
    client.patch(f"/api/tickets/{ticket['id']}", json={"status": "on_hold"})
    assert sla_of(client, ticket["id"])["resolution"]["state"] == "paused"


def test_resolving_stops_the_clocks_and_reopening_resumes_without_the_resolved_time(
    client, clock, make_ticket
):
    clock.set(berlin(2026, 11, 30, 9))
    ticket = make_ticket(priority="critical")  # resolution 8 h: due Mon 17:00
    tid = ticket["id"]
    clock.set(berlin(2026, 11, 30, 11))
    client.patch(f"/api/tickets/{tid}", json={"status": "resolved"})
    sla = sla_of(client, tid)
    assert sla["resolution"]["state"] == "met"
    # Resolved without a reply counts as the answer: 2 h after a 1 h target is a breach.
    assert sla["first_response"]["state"] == "breached"
    clock.set(berlin(2026, 12, 1, 9))  # reopened Tuesday 09:00: Mon 11-17 (6 h) was resolved
    client.patch(f"/api/tickets/{tid}", json={"status": "open"})
    sla = sla_of(client, tid)
    assert sla["resolution"]["state"] == "running"
    assert sla["resolution"]["due_at"] == iso(berlin(2026, 12, 1, 15))  # 2 h used, 6 left
