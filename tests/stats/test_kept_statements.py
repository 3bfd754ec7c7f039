"""The stats' statements are kept per process by their filters (``core.statements``): asked
again, the figures are still read fresh, and the 30-day series follows the calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ticketing.core.statements import PREFIX
from ticketing.stats.services import ticket_stats


def get_stats(client, query: str = "") -> dict:
    response = client.get("/api/stats" + query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_stats_asked_again_count_what_changed_since(app, client, make_ticket):
    make_ticket(category="billing")
    first = get_stats(client)
    assert (first["total"], first["by_category"]["billing"]) == (1, 1)
    ticket = make_ticket(category="billing")
    make_ticket(category="technical", status="closed")
    client.patch(f"/api/tickets/{ticket['id']}", json={"status": "resolved"})
    again = get_stats(client)
    assert (again["total"], again["by_category"]["billing"], again["resolved_count"]) == (3, 2, 2)
    assert get_stats(client, "?status=open")["total"] == 1
    # Two statements per filter set (the headline, the series), built once each.
    assert len(app.extensions[PREFIX + "stats"]) == 4


def test_the_series_moves_with_the_day(app, make_ticket):
    make_ticket()
    created = datetime.now(UTC).date()
    with app.app_context():
        a_month_before = ticket_stats({}, today=date.fromordinal(created.toordinal() - 40))
        on_the_day = ticket_stats({}, today=created)
    assert sum(day["count"] for day in a_month_before["per_day"]) == 0
    assert on_the_day["per_day"][-1] == {"date": created.isoformat(), "count": 1}
