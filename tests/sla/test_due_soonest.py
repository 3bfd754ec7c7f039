"""What the page reads for SLAs: "due soonest" (the clock that still counts and is due first),
the "Breaching soon" built-in view, and which replies are the first response."""

from __future__ import annotations

from tests.sla.conftest import berlin, iso
from tests.sla.test_list import ids
from ticketing.core.extensions import db
from ticketing.models import OutboundMail


def test_due_soonest_sorts_by_the_clock_that_still_counts(client, clock, make_ticket, monkeypatch):
    import ticketing.tickets.schemas as schemas
    import ticketing.tickets.services as services

    clock.set(berlin(2026, 11, 30, 9))
    low = make_ticket(priority="low")["id"]  # first response Tue 17:00, resolution in 2 weeks
    critical = make_ticket(priority="critical")["id"]  # first response 10:00, resolution 17:00
    high = make_ticket(priority="high")["id"]  # first response 13:00, resolution Tue 17:00
    # The critical one is answered at 09:30: its next due clock is the resolution (17:00),
    # so the high one (first response 13:00) comes first.
    clock.set(berlin(2026, 11, 30, 9, 30))
    client.post(f"/api/tickets/{critical}/replies", json={"body": "On it"})
    # The low one waits on the customer after its answer: nothing of it counts any more.
    client.post(f"/api/tickets/{low}/replies", json={"body": "Which printer?"})
    client.patch(f"/api/tickets/{low}", json={"status": "pending"})
    noon = berlin(2026, 11, 30, 12)
    monkeypatch.setattr(services, "utcnow", lambda: noon)
    monkeypatch.setattr(schemas, "utcnow", lambda: noon)

    assert ids(client, "sort=next_due_at") == [high, critical, low]
    assert ids(client, "sort=-next_due_at") == [critical, high, low]  # none still last
    by_id = {t["id"]: t["sla"] for t in client.get("/api/tickets").get_json()["items"]}
    assert by_id[high]["next_due_clock"] == "first_response"
    assert by_id[high]["next_due_at"] == iso(berlin(2026, 11, 30, 13))
    assert by_id[critical]["next_due_clock"] == "resolution"
    assert by_id[critical]["next_due_at"] == iso(berlin(2026, 11, 30, 17))
    assert (by_id[low]["next_due_clock"], by_id[low]["next_due_at"]) == (None, None)
    assert by_id[low]["resolution_state"] == "paused"


def test_an_overdue_clock_stays_due_first_until_it_is_answered(
    app, client, clock, make_ticket, monkeypatch
):
    import ticketing.tickets.schemas as schemas
    import ticketing.tickets.services as services
    from ticketing.sla.upkeep import run_pass

    clock.set(berlin(2026, 11, 30, 9))
    late = make_ticket(priority="critical")["id"]  # first response due 10:00
    fresh = make_ticket(priority="critical")["id"]
    with app.app_context():
        run_pass(berlin(2026, 11, 30, 11))  # marks the first responses breached
    monkeypatch.setattr(services, "utcnow", lambda: berlin(2026, 11, 30, 11))
    monkeypatch.setattr(schemas, "utcnow", lambda: berlin(2026, 11, 30, 11))
    clock.set(berlin(2026, 11, 30, 10, 30))
    client.post(f"/api/tickets/{fresh}/replies", json={"body": "Late, sorry"})
    # Both breached; the unanswered one is still due first (10:00), the answered one is
    # due at its resolution (17:00).
    assert ids(client, "sort=next_due_at") == [late, fresh]
    sla = client.get(f"/api/tickets/{late}").get_json()["sla"]
    assert (sla["flag"], sla["first_response_state"]) == ("breached", "breached")
    assert sla["next_due_at"] == iso(berlin(2026, 11, 30, 10))


def test_breaching_soon_is_a_built_in_view_sorted_by_due_soonest(
    client, clock, make_ticket, monkeypatch
):
    import ticketing.tickets.schemas as schemas
    import ticketing.tickets.services as services

    clock.set(berlin(2026, 11, 30, 9))
    critical = make_ticket(priority="critical")["id"]  # overdue at 12:00
    high = make_ticket(priority="high")["id"]  # at risk at 12:00
    make_ticket(priority="low")  # fine
    resolved = make_ticket(priority="critical")["id"]
    client.patch(f"/api/tickets/{resolved}", json={"status": "resolved"})
    noon = berlin(2026, 11, 30, 12)
    for module in (services, schemas):
        monkeypatch.setattr(module, "utcnow", lambda: noon)

    views = client.get("/api/views").get_json()["items"]
    view = next(v for v in views if v["name"] == "Breaching soon")
    assert view["builtin"] is True
    assert view["sort"] == "next_due_at"
    assert set(view["filters"]["sla"].split(",")) == {"at_risk", "breached"}
    query = "&".join(f"{k}={v}" for k, v in view["filters"].items())
    listed = ids(client, f"{query}&sort={view['sort']}")
    assert listed == [critical, high]
    assert view["count"] == len(listed)
    assert all(v["sort"] is None for v in views if v["name"] != "Breaching soon")


def test_the_first_outbound_reply_mail_is_the_first_response(app, client, clock, make_ticket):
    """A public reply is mailed to the customer (the outbox) and stops the clock at the reply;
    words posted for the customer are neither mailed nor a response."""
    clock.set(berlin(2026, 11, 30, 9))
    ticket = make_ticket(priority="critical", requester_email="pat@example.com")
    tid = ticket["id"]
    clock.set(berlin(2026, 11, 30, 9, 10))
    client.post(
        f"/api/tickets/{tid}/replies",
        json={"body": "The customer phoned: still down", "on_behalf_of": {"name": "Pat"}},
    )
    client.post(f"/api/tickets/{tid}/replies", json={"body": "note", "internal": True})
    assert client.get(f"/api/tickets/{tid}/sla").get_json()["first_response"]["at"] is None
    clock.set(berlin(2026, 11, 30, 9, 40))
    reply = client.post(f"/api/tickets/{tid}/replies", json={"body": "We are on it."})
    assert reply.status_code == 201
    with app.app_context():
        mails = db.session.scalars(
            db.select(OutboundMail).where(OutboundMail.ticket_id == tid).order_by(OutboundMail.id)
        ).all()
        kinds = [(m.kind, m.reply_id) for m in mails]
    assert kinds == [("acknowledgement", None), ("reply", reply.get_json()["id"])]
    first = client.get(f"/api/tickets/{tid}/sla").get_json()["first_response"]
    assert (first["state"], first["at"]) == ("met", iso(berlin(2026, 11, 30, 9, 40)))


def test_a_customer_reply_by_mail_reopens_a_pending_ticket_and_resumes_its_clock(
    app, client, clock, make_ticket
):
    """One rule (the tickets service's ``customer_answered``) for every way a customer
    answers; the clock follows the status it sets."""
    from ticketing.tickets import services as tickets

    clock.set(berlin(2026, 11, 30, 9))
    tid = make_ticket(priority="high", requester_email="sam@example.com")["id"]
    client.patch(f"/api/tickets/{tid}", json={"status": "pending"})
    assert client.get(f"/api/tickets/{tid}/sla").get_json()["resolution"]["state"] == "paused"
    clock.set(berlin(2026, 11, 30, 11))
    with app.app_context():
        from ticketing.models import Ticket

        tickets.add_customer_reply(db.session.get(Ticket, tid), "Here you go", "sam@example.com")
        db.session.commit()
    assert client.get(f"/api/tickets/{tid}").get_json()["status"] == "open"
    sla = client.get(f"/api/tickets/{tid}/sla").get_json()
    assert sla["resolution"]["state"] == "running"
    assert sla["paused_seconds"] == 2 * 3600
    # The customer's words are not the team's answer.
    assert sla["first_response"]["at"] is None
