"""Small helpers shared by the audit tests."""

from __future__ import annotations


def events(client, ticket_id: int, **params) -> list[dict]:
    response = client.get(f"/api/tickets/{ticket_id}/events", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def changes(items: list[dict]) -> list[tuple]:
    """(action, field, old, new) of each event, in the order served."""
    return [(e["action"], e["field"], e["old_value"], e["new_value"]) for e in items]
