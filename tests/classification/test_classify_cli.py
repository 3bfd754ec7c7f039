"""``flask tickets classify``: bulk triage, queued or inline, and what it prints."""

from __future__ import annotations

import pytest


@pytest.fixture
def config_overrides():
    return {"AUTO_CLASSIFY": False}


def triaged(client, ticket_id: int) -> int:
    return client.get(f"/api/tickets/{ticket_id}/classifications").get_json()["meta"]["total"]


def test_inline_classifies_only_unclassified_by_default(runner, client, make_ticket):
    a = make_ticket(subject="Refund", body="Refund my double charge.")
    b = make_ticket(subject="Crash", body="The app crashes on start.")
    result = runner.invoke(args=["tickets", "classify", "--inline"])
    assert result.exit_code == 0, result.output
    assert "Classified 2 ticket(s): 2 by fallback." in result.output
    assert client.get(f"/api/tickets/{a['id']}").get_json()["category"] == "billing"
    assert client.get(f"/api/tickets/{b['id']}").get_json()["category"] == "technical"
    again = runner.invoke(args=["tickets", "classify", "--inline"])
    assert "Nothing to classify." in again.output
    assert triaged(client, a["id"]) == 1


def test_all_and_id_select_tickets(runner, client, make_ticket):
    a, b = make_ticket(), make_ticket()
    result = runner.invoke(args=["tickets", "classify", "--id", str(b["id"]), "--inline"])
    assert "Classified 1 ticket(s)" in result.output
    assert (triaged(client, a["id"]), triaged(client, b["id"])) == (0, 1)
    result = runner.invoke(args=["tickets", "classify", "--all", "--inline"])
    assert "Classified 2 ticket(s)" in result.output
    assert (triaged(client, a["id"]), triaged(client, b["id"])) == (1, 2)


def test_queueing_runs_jobs_through_the_queue(runner, client, make_ticket):
    a = make_ticket()
    result = runner.invoke(args=["tickets", "classify", "--all"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 triage job(s)." in result.output
    ticket = client.get(f"/api/tickets/{a['id']}").get_json()
    assert ticket["triage_status"] == "done"  # the embedded queue ran it


def test_unknown_id_is_reported_and_fails(runner, make_ticket):
    make_ticket()
    result = runner.invoke(args=["tickets", "classify", "--id", "999", "--inline"])
    assert result.exit_code == 1
    assert "No such ticket: 999" in result.output


def test_conflicting_options_are_a_usage_error(runner):
    result = runner.invoke(args=["tickets", "classify", "--all", "--unclassified"])
    assert result.exit_code == 2
    assert "choose one of" in result.output
