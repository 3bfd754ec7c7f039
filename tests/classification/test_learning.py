"""The learner in production: corrections in, a stored model that takes over a field only
while it beats the rules on the team's held-back corrections, and hands back otherwise."""

from __future__ import annotations

from ticketing.classification import fallback, learning
from ticketing.core import upkeep

from .test_learner import team_rows


def correct_tickets(client, rows) -> list[int]:
    """Tickets created with the category and priority a person chose (manual labels)."""
    ids = []
    for row in rows:
        response = client.post(
            "/api/tickets",
            json={
                "subject": row["body"][:200],
                "body": row["body"],
                "category": row["category"],
                "priority": row["priority"],
            },
        )
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    return ids


def triage(client, make_ticket, text: str) -> dict:
    ticket = make_ticket(subject=text, body=text)
    response = client.post(f"/api/tickets/{ticket['id']}/classify")
    assert response.status_code in (200, 202), response.get_json()
    return client.get(f"/api/tickets/{ticket['id']}").get_json()


def test_the_learner_takes_over_when_it_beats_the_rules_and_says_so(
    app, client, runner, make_ticket
):
    assert "learner_trained" in upkeep.tasks(app)
    health = client.get("/api/health").get_json()["checks"]["learner"]
    assert health["fields"] == {"category": "fallback", "priority": "fallback"}

    correct_tickets(client, team_rows(60, seed=11))
    result = runner.invoke(args=["tickets", "learn"])
    assert result.exit_code == 0, result.output
    assert "category: 60 correction(s); v1 measures" in result.output

    card = client.get("/api/classification/learner").get_json()
    by_field = {f["field"]: f for f in card["fields"]}
    category = by_field["category"]
    assert category["active"] == "learned"
    assert category["version"] == 1
    assert category["corrections"] == 60
    assert category["held_out"] >= 10
    assert category["accuracy"] > category["rules_accuracy"] + 0.2
    assert category["changed_at"] is not None

    health = client.get("/api/health").get_json()["checks"]["learner"]
    assert health["status"] == "learned"
    assert health["fields"]["category"] == "learned"

    # A new ticket in the team's own words: the rules would not know, the model does.
    text = "what should I do about the kiosk"
    assert fallback.classify(text, text).category != "technical"
    ticket = triage(client, make_ticket, text)
    assert ticket["category"] == "technical"
    assert ticket["category_source"] == "learned"
    history = client.get(f"/api/tickets/{ticket['id']}/classifications").get_json()["items"]
    assert history[0]["source"] == "learned"
    assert "learned from the team" in history[0]["explanation"]

    # Nothing new: the next round trains nothing.
    again = runner.invoke(args=["tickets", "learn"])
    assert "not trained (no new corrections)" in again.output


def test_the_learner_hands_back_when_the_rules_do_better(app, client, runner):
    ids = correct_tickets(client, team_rows(60, seed=5))
    runner.invoke(args=["tickets", "learn"])
    with app.app_context():
        assert set(learning.active_models(app)) >= {"category"}
    # The team now labels these tickets the way the rules do: the model learned otherwise.
    for ticket_id in ids:
        ticket = client.get(f"/api/tickets/{ticket_id}").get_json()
        rules = fallback.classify(ticket["subject"], ticket["body"], language="en")
        response = client.patch(f"/api/tickets/{ticket_id}", json={"category": rules.category})
        assert response.status_code == 200, response.get_json()
    result = runner.invoke(args=["tickets", "learn"])
    assert result.exit_code == 0, result.output
    card = client.get("/api/classification/learner").get_json()
    category = next(f for f in card["fields"] if f["field"] == "category")
    assert category["active"] == "fallback"
    assert category["latest_version"] == 2
    assert "handed back" in category["decision"] or "does not beat" in category["decision"]
    with app.app_context():
        assert "category" not in learning.active_models(app)


def test_too_few_corrections_leave_the_rules_in_charge(app, client, runner):
    correct_tickets(client, team_rows(12))
    result = runner.invoke(args=["tickets", "learn"])
    assert "not trained (needs 50)" in result.output
    card = client.get("/api/classification/learner").get_json()
    assert all(f["active"] == "fallback" and f["version"] is None for f in card["fields"])


def test_the_decision_rules():
    decide = learning._decide
    assert decide(0.9, None, 0.5, 0.02)[0] == "new"
    assert decide(0.51, None, 0.5, 0.02)[0] == "rules"  # taking over needs a clear lead
    assert decide(0.51, 0.5, 0.5, 0.02)[0] == "new"  # staying needs only to be better
    assert decide(0.7, 0.8, 0.5, 0.02)[0] == "previous"  # the active version measures better
    assert decide(0.4, 0.45, 0.5, 0.02)[0] == "rules"  # both worse than the rules: hand back
    assert decide(0.5, 0.4, 0.5, 0.02)[0] == "rules"
