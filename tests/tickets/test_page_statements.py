"""The list's page statements are kept per process by their parameters (``tickets/pagecache``):
asked again, a list reuses its statement and still reads fresh rows."""

from __future__ import annotations

from ticketing.tickets import pagecache


def listed(client, query: str) -> list[int]:
    response = client.get(f"/api/tickets?{query}")
    assert response.status_code == 200, response.get_json()
    return [t["id"] for t in response.get_json()["items"]]


def kept(app) -> int:
    with app.app_context():
        return len(pagecache.statements())


def test_a_list_asked_again_reuses_its_statement_and_reads_fresh_rows(app, client, make_ticket):
    first = make_ticket(subject="Refund", category="billing")["id"]
    assert listed(client, "status=open&category=billing") == [first]
    assert kept(app) == 1
    second = make_ticket(subject="Refund again", category="billing")["id"]
    make_ticket(subject="Crash", category="technical")
    assert listed(client, "status=open&category=billing") == [second, first]
    assert kept(app) == 1
    client.patch(f"/api/tickets/{first}", json={"status": "closed"})
    page = client.get("/api/tickets?status=open&category=billing").get_json()
    assert [t["id"] for t in page["items"]] == [second]
    assert (page["meta"]["total"], page["items"][0]["subject"]) == (1, "Refund again")
    # Other filters, another sort, the next page: statements of their own.
    assert listed(client, "status=closed&category=billing") == [first]
    assert listed(client, "status=open&category=billing&sort=created_at") == [second]
    assert listed(client, "per_page=1&page=2") == [second]
    assert kept(app) == 4


def test_each_page_and_total_come_from_its_own_statement(app, client, make_ticket):
    made = [make_ticket(subject=f"Printer {i}")["id"] for i in range(5)]
    newest = sorted(made, reverse=True)
    seen = []
    for _round in range(2):
        pages, cursor = [], None
        while True:
            query = "per_page=2" + (f"&cursor={cursor}" if cursor else "")
            body = client.get(f"/api/tickets?{query}").get_json()
            pages.append(([t["id"] for t in body["items"]], body["meta"]["total"]))
            cursor = body["meta"]["next_cursor"]
            if not cursor:
                break
        seen.append(pages)
    assert seen[0] == seen[1] == [(newest[:2], 5), (newest[2:4], 5), (newest[4:], 5)]
    assert kept(app) == 3
