"""flask tickets seed: bulk demo data (COPY on PostgreSQL, INSERT elsewhere)."""

from __future__ import annotations

from sqlalchemy import func, select

from ticketing.core.extensions import db
from ticketing.models import Reply, Tag, Ticket, ticket_tags
from ticketing.tickets.seed import generate


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(table))
            for table in (Ticket, Reply, ticket_tags)
        )


def test_seed_stores_the_generated_tickets_with_tags_and_replies(app, runner, client):
    result = runner.invoke(args=["tickets", "seed", "--count", "1200", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "Created 1200 tickets over the last 30 days." in result.output
    expected = list(generate(1200, seed=7))
    tickets, replies, links = counts(app)
    assert tickets == 1200
    assert replies == sum(len(row["_replies"]) for row in expected)
    assert links == sum(len(row["_tags"]) for row in expected)
    with app.app_context():
        subjects = db.session.scalars(select(Ticket.subject).order_by(Ticket.id)).all()
        assert subjects == [row["subject"] for row in expected]
        first = db.session.scalars(select(Ticket).order_by(Ticket.id)).first()
        assert sorted(first.tag_names) == sorted(expected[0]["_tags"])
        assert len(first.replies) == len(expected[0]["_replies"])
        assert db.session.scalar(select(func.count()).select_from(Tag)) > 5
    # The API's own inserts carry on after the seeded ids (the sequence was used).
    created = client.post("/api/tickets", json={"subject": "After", "body": "seeding"})
    assert created.status_code == 201 and created.get_json()["id"] == 1201
    shown = client.get("/api/tickets?per_page=1&sort=created_at").get_json()
    assert shown["meta"]["total"] == 1201


def test_if_empty_does_not_seed_twice(app, runner):
    assert runner.invoke(args=["tickets", "seed", "--count", "5"]).exit_code == 0
    again = runner.invoke(args=["tickets", "seed", "--count", "5", "--if-empty"])
    assert again.exit_code == 0 and "not seeding" in again.output
    assert counts(app)[0] == 5


def test_bad_count_is_a_usage_error(runner):
    result = runner.invoke(args=["tickets", "seed", "--count", "0"])
    assert result.exit_code == 2
    assert "--count" in result.output


def test_several_batches_keep_their_order(app):
    from ticketing.tickets.seed import seed

    with app.app_context():
        assert seed(1100, seed_value=3, batch_size=500) == 1100
        subjects = db.session.scalars(select(Ticket.subject).order_by(Ticket.id)).all()
    assert subjects == [row["subject"] for row in generate(1100, seed=3)]


def test_a_generator_failure_stops_the_seed_after_whole_batches(app, monkeypatch):
    import pytest

    from ticketing.tickets import seed as seed_module

    real = seed_module.generate

    def failing(*args, **kwargs):
        for index, row in enumerate(real(*args, **kwargs)):
            if index == 250:
                raise RuntimeError("generator broke")
            yield row

    monkeypatch.setattr(seed_module, "generate", failing)
    with app.app_context(), pytest.raises(RuntimeError, match="generator broke"):
        seed_module.seed(1000, batch_size=100)
    assert counts(app)[0] == 200
