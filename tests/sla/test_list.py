"""The ticket list's ``sla`` filter, due-date sorts and the clocks in brief on each ticket."""

from __future__ import annotations

from tests.sla.conftest import berlin


def ids(client, query: str) -> list[int]:
    response = client.get(f"/api/tickets?{query}")
    assert response.status_code == 200, response.get_json()
    return [t["id"] for t in response.get_json()["items"]]


def test_filter_and_sort_by_sla(client, clock, make_ticket, monkeypatch):
    import ticketing.tickets.schemas as schemas
    import ticketing.tickets.services as services

    clock.set(berlin(2026, 11, 30, 9))
    critical = make_ticket(priority="critical")["id"]  # first response due 10:00
    high = make_ticket(priority="high")["id"]  # first response due 13:00
    low = make_ticket(priority="low")["id"]  # first response due Tue 17:00
    answered = make_ticket(priority="critical")["id"]
    client.post(f"/api/tickets/{answered}/replies", json={"body": "Hi"})
    # The list reads "now" from the models' clock: move it to Monday 12:00.
    noon = clock.now.replace(hour=12)
    monkeypatch.setattr(services, "utcnow", lambda: noon)
    monkeypatch.setattr(schemas, "utcnow", lambda: noon)
    # 12:00: critical's first response is overdue (no upkeep needed), high is at risk
    # (3 of 4 h used), low and the answered one are fine... except answered's resolution
    # (8 h, due 17:00, risk 15:00) is still in time.
    assert set(ids(client, "sla=breached")) == {critical}
    assert set(ids(client, "sla=at_risk")) == {high}
    assert set(ids(client, "sla=ok")) == {low, answered}
    assert set(ids(client, "sla=breached,at_risk")) == {critical, high}
    assert ids(client, "sort=first_response_due_at")[:3] == [critical, answered, high]
    assert ids(client, "sort=resolution_due_at")[0] in (critical, answered)
    assert ids(client, "sort=-resolution_due_at")[0] == low
    items = client.get("/api/tickets?sla=breached").get_json()["items"]
    assert items[0]["sla"]["flag"] == "breached"
    assert items[0]["sla"]["first_response_state"] == "running"
    assert client.get("/api/tickets?sla=late").status_code == 422


def test_a_ticket_without_clocks_has_no_sla(client, make_ticket, app):
    from ticketing.core.extensions import db
    from ticketing.models import SlaPolicy

    with app.app_context():
        db.session.execute(db.delete(SlaPolicy))
        db.session.commit()
    ticket = make_ticket()
    assert ticket["sla"] is None
    assert client.get(f"/api/tickets/{ticket['id']}/sla").status_code == 404
    assert ids(client, "sla=ok") == []


def test_a_filter_on_sla_clocks_is_built_at_every_ask(app, client, clock, make_ticket, monkeypatch):
    """ "Breached" compares with now: a kept page statement (``tickets/pagecache``) would keep
    the old now, so this filter's statement is built at every ask."""
    import ticketing.tickets.services as services
    from ticketing.tickets import pagecache

    clock.set(berlin(2026, 11, 30, 9))
    critical = make_ticket(priority="critical")["id"]  # first response due 10:00
    monkeypatch.setattr(services, "utcnow", lambda: clock.now.replace(hour=9, minute=30))
    assert ids(client, "sla=breached") == []
    monkeypatch.setattr(services, "utcnow", lambda: clock.now.replace(hour=12))
    assert ids(client, "sla=breached") == [critical]
    with app.app_context():
        assert len(pagecache.statements()) == 0
