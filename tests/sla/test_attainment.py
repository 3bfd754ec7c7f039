"""Attainment from the database equals the same figures computed here, row by row."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

from tests.sla.conftest import berlin
from ticketing.core.extensions import db
from ticketing.models import Ticket, TicketSla

PRIORITIES = ("low", "medium", "high", "critical", None)


def independent(app, at, created_from=None, created_to=None) -> dict:
    """Met / decided per priority and team, by reading every clock row in Python."""
    with app.app_context():
        rows = db.session.execute(db.select(TicketSla, Ticket).join(Ticket)).all()
        figures: dict = defaultdict(lambda: defaultdict(int))
        for sla, ticket in rows:
            if created_from and sla.started_at < created_from:
                continue
            if created_to and sla.started_at >= created_to:
                continue
            for clock in ("first_response", "resolution"):
                state = getattr(sla, f"{clock}_state")
                due = getattr(sla, f"{clock}_due_at")
                met = state == "met"
                breached = state == "breached" or (state == "running" and due <= at)
                for key in (("p", ticket.priority), ("t", ticket.team_id), ("all", None)):
                    figures[key][f"{clock}_met"] += met
                    figures[key][f"{clock}_total"] += met or breached
        return {k: dict(v) for k, v in figures.items()}


def strip(row: dict) -> dict:
    return {k: v for k, v in row.items() if k.endswith(("_met", "_total"))}


def test_attainment_matches_an_independent_computation(app, client, clock, make_ticket):
    teams = [client.post("/api/teams", json={"name": n}).get_json()["id"] for n in ("A", "B")]
    rng = random.Random(15)
    start = berlin(2026, 11, 2, 8)
    for n in range(40):
        clock.set(start + timedelta(hours=7 * n))
        fields = {"priority": rng.choice(PRIORITIES)} if n % 5 else {}
        ticket = make_ticket(**{k: v for k, v in fields.items() if v})
        tid = ticket["id"]
        if rng.random() < 0.7:
            client.patch(f"/api/tickets/{tid}", json={"team_id": rng.choice(teams)})
        clock.set(clock.now + timedelta(hours=rng.choice((0.5, 2, 9, 30))))
        if rng.random() < 0.6:
            client.post(f"/api/tickets/{tid}/replies", json={"body": "Hello"})
        clock.set(clock.now + timedelta(hours=rng.choice((1, 5, 20, 60))))
        action = rng.random()
        if action < 0.4:
            client.patch(f"/api/tickets/{tid}", json={"status": "resolved"})
        elif action < 0.6:
            client.patch(f"/api/tickets/{tid}", json={"status": "pending"})
    at = berlin(2026, 11, 20, 12)
    monkey_now = at

    import ticketing.sla.attainment as attainment_module

    original = attainment_module.utcnow
    attainment_module.utcnow = lambda: monkey_now
    try:
        for query, frm, to in (
            ("", None, None),
            (
                "?created_from=2026-11-05&created_to=2026-11-10",
                berlin(2026, 11, 5, 1),  # UTC midnight in Berlin time
                berlin(2026, 11, 11, 1),  # created_to is the whole day
            ),
        ):
            answer = client.get(f"/api/sla/attainment{query}").get_json()
            expected = independent(app, at, frm, to)
            assert strip(answer["overall"]) == expected[("all", None)]
            by_priority = {r["key"]: strip(r) for r in answer["by_priority"]}
            assert by_priority == {k[1]: v for k, v in expected.items() if k[0] == "p"}
            by_team = {r["team_id"]: strip(r) for r in answer["by_team"]}
            assert by_team == {k[1]: v for k, v in expected.items() if k[0] == "t"}
    finally:
        attainment_module.utcnow = original
    overall = client.get("/api/sla/attainment").get_json()["overall"]
    assert overall["first_response_total"] > 10  # the data decides a fair number of clocks
    total = overall["first_response_total"]
    assert overall["first_response_pct"] == round(100 * overall["first_response_met"] / total, 1)
    named = {r["key"] for r in client.get("/api/sla/attainment").get_json()["by_team"]}
    assert {"A", "B"} <= named
