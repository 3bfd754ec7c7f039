"""Triage is claimed from the database: a dead worker's expired lease, a lost bell or a
failed store never leaves a ticket without a result."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ticketing.classification import claims
from ticketing.classification.jobs import drain_triage, recover_stalled_triage
from ticketing.core.extensions import db
from ticketing.models import Classification, Ticket, utcnow


def _strand(app, ticket_id: int, *, status: str, lease_minutes: int | None, attempts=1) -> None:
    """Leave the row the way a worker killed mid-batch leaves it (its claim and lease)."""
    with app.app_context():
        db.session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(
                triage_status=status,
                triage_job_id=f"triage-{ticket_id}-deadbeef0000",
                triage_claimed_by="dead-worker" if lease_minutes is not None else None,
                triage_lease_until=utcnow() + timedelta(minutes=lease_minutes)
                if lease_minutes is not None
                else None,
                triage_attempts=attempts,
                category=None,
                category_source=None,
            )
        )
        db.session.commit()


def _drain(app) -> dict:
    with app.app_context():
        return drain_triage()


def test_a_dead_workers_ticket_is_claimed_again_once_its_lease_runs_out(app, client, make_ticket):
    expired = make_ticket(subject="Refund please", body="I was charged twice, refund one charge.")
    held = make_ticket(subject="Login", body="I cannot log in to my account.")
    waiting = make_ticket(subject="Crash", body="The app crashes when I open settings.")
    _strand(app, expired["id"], status="running", lease_minutes=-1)
    _strand(app, held["id"], status="running", lease_minutes=10)
    _strand(app, waiting["id"], status="queued", lease_minutes=None, attempts=0)

    with app.app_context():  # the bell rings for the two claimable ones (in-process: drains)
        assert recover_stalled_triage() == 2
    assert _drain(app)["claimed"] == 0  # nothing left to claim

    healed = client.get(f"/api/tickets/{expired['id']}").get_json()
    assert healed["triage_status"] == "done"
    assert (healed["category"], healed["category_source"]) == ("billing", "fallback")
    assert client.get(f"/api/tickets/{waiting['id']}").get_json()["triage_status"] == "done"
    still = client.get(f"/api/tickets/{held['id']}").get_json()
    assert still["triage_status"] == "running" and still["category"] is None


def test_recovery_is_not_windowed(app, client, make_ticket):
    """Thousands waiting with low ids claimed by nobody: every one is claimable, the count
    is not capped, and one drain stores them all."""
    ids = [
        make_ticket(subject=f"Ticket {n}", body="Invoice total is wrong.")["id"] for n in range(7)
    ]
    for tid in ids:
        _strand(app, tid, status="queued", lease_minutes=None, attempts=0)
    app.config["TRIAGE_BATCH_SIZE"] = 3  # several batches
    with app.app_context():
        assert claims.pending_count() == 7
    assert _drain(app)["stored"] == 7
    statuses = {client.get(f"/api/tickets/{t}").get_json()["triage_status"] for t in ids}
    assert statuses == {"done"}


def test_a_failed_store_is_retried_later_and_given_up_after_the_attempts(
    app, client, make_ticket, monkeypatch
):
    ticket = make_ticket(subject="Invoice", body="The invoice total is wrong.")
    _strand(app, ticket["id"], status="queued", lease_minutes=None, attempts=0)
    app.config["TRIAGE_RETRY_SECONDS"] = 0
    app.config["TRIAGE_MAX_ATTEMPTS"] = 2
    real_store = claims.store

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(claims, "store", broken)
    assert _drain(app)["stored"] == 0
    failed = client.get(f"/api/tickets/{ticket['id']}").get_json()
    assert failed["triage_status"] == "failed" and "disk full" in failed["triage_error"]

    monkeypatch.setattr(claims, "store", real_store)  # fixed: the next drain retries it
    assert _drain(app)["stored"] == 1
    assert client.get(f"/api/tickets/{ticket['id']}").get_json()["triage_status"] == "done"

    # A ticket whose claims keep dying is given up (failed, with why) after the attempts.
    _strand(app, ticket["id"], status="running", lease_minutes=-1, attempts=2)
    assert _drain(app)["claimed"] == 0
    gave_up = client.get(f"/api/tickets/{ticket['id']}").get_json()
    assert gave_up["triage_status"] == "failed" and "gave up after 2" in gave_up["triage_error"]


def test_a_run_stored_by_a_holder_whose_lease_ran_out_is_not_stored_twice(app, make_ticket):
    ticket = make_ticket(subject="Invoice", body="The invoice total is wrong.")
    _strand(app, ticket["id"], status="queued", lease_minutes=None, attempts=0)
    with app.app_context():
        first = claims.claim("a", 10, -1)  # its lease is over at once
        db.session.commit()
        second = claims.claim("b", 10, 60)  # so another holder claims it again
        db.session.commit()
        assert [c.job_id for c in first] == [c.job_id for c in second]
        from ticketing.classification import fallback

        results = claims.classify_claimed(second, fallback.classify)
        assert claims.store("b", second, results) == 1
        db.session.commit()
        assert claims.store("a", first, results) == 0  # the late holder stores nothing
        db.session.commit()
        runs = db.session.scalars(
            select(Classification).where(Classification.ticket_id == ticket["id"])
        ).all()
        assert len(runs) == 1
        row = db.session.get(Ticket, ticket["id"])
        assert row.triage_status == "done" and row.triage_claimed_by is None


@pytest.mark.parametrize("config_overrides", [{"AUTO_CLASSIFY": True}])
def test_the_worker_upkeep_reports_waiting_triage(app, make_ticket):
    from ticketing.core.worker import upkeep_job

    ticket = make_ticket()
    assert ticket["triage_status"] == "done"  # in-process: triaged in the request
    _strand(app, ticket["id"], status="running", lease_minutes=-120)
    with app.app_context():
        report = upkeep_job()
    assert report["triage_waiting"] == 1
    assert {"expired", "stale_failed"} <= set(report["exports"])
