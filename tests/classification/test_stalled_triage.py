"""A ticket whose triage job died (worker killed, queue flushed) is queued again by upkeep."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from ticketing.classification.jobs import recover_stalled_triage
from ticketing.core.extensions import db
from ticketing.models import Ticket, utcnow


def _strand(app, ticket_id: int, *, status: str, minutes_ago: int) -> None:
    """Leave the row the way a worker killed mid-job leaves it (no job in RQ any more)."""
    with app.app_context():
        db.session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(
                triage_status=status,
                triage_job_id=f"triage-{ticket_id}-deadbeef0000",
                updated_at=utcnow() - timedelta(minutes=minutes_ago),
                category=None,
                category_source=None,
            )
        )
        db.session.commit()


def test_upkeep_requeues_only_tickets_stranded_long_enough(app, client, make_ticket):
    old = make_ticket(subject="Refund please", body="I was charged twice, refund one charge.")
    fresh = make_ticket(subject="Login", body="I cannot log in to my account.")
    _strand(app, old["id"], status="running", minutes_ago=60)
    _strand(app, fresh["id"], status="queued", minutes_ago=1)

    with app.app_context():
        assert recover_stalled_triage(older_than_seconds=900) == 1

    healed = client.get(f"/api/tickets/{old['id']}").get_json()
    assert healed["triage_status"] == "done"
    assert (healed["category"], healed["category_source"]) == ("billing", "fallback")
    waiting = client.get(f"/api/tickets/{fresh['id']}").get_json()
    assert waiting["triage_status"] == "queued" and waiting["category"] is None


def test_the_worker_upkeep_runs_triage_recovery_too(app, make_ticket):
    from ticketing.core.worker import upkeep_job

    ticket = make_ticket()
    _strand(app, ticket["id"], status="running", minutes_ago=120)
    with app.app_context():
        report = upkeep_job()
    assert report["triage_requeued"] == 1
    assert {"expired", "stale_failed"} <= set(report["exports"])
