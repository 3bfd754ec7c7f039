"""Tickets' vectors come from their own drain, off the triage path: triage stores its answer
and rings a de-duplicated bell on the low-priority ``vectors`` queue; the drain finds tickets
without a vector of the current model by query, so a lost bell or a dead drain loses nothing."""

from __future__ import annotations

import signal

import pytest
from rq import SimpleWorker
from sqlalchemy import select, update

from ticketing.core import embeddings, upkeep
from ticketing.core.extensions import db
from ticketing.models import Ticket, TicketVector
from ticketing.tickets import vector_drain, vectors

ASYNC = {"EMBEDDINGS": "auto", "AUTO_CLASSIFY": True, "JOBS_ASYNC": True}


@pytest.fixture
def config_overrides():
    return {"EMBEDDINGS": "auto"}


@pytest.fixture
def embedded(monkeypatch):
    """Every text the model embeds, in order; ``fail`` makes it raise instead."""
    seen: list[str] = []
    state = {"fail": None}
    original = embeddings.Embedder.embed

    def embed(self, texts, batch=16):
        if state["fail"] is not None:
            raise state["fail"]
        seen.extend(texts)
        return original(self, texts, batch)

    monkeypatch.setattr(embeddings.Embedder, "embed", embed)
    return seen, state


def run_queue(app, name: str) -> None:
    """Run what waits on one queue here (rq's SimpleWorker, burst), keeping our signals."""
    state = app.extensions["jobs"]
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        SimpleWorker(
            [state.queues[name]], connection=state.connection, job_class=state.job_class
        ).work(burst=True)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def waiting(app, name: str = "vectors") -> int:
    return app.extensions["jobs"].queues[name].count


def with_vector(app) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(TicketVector.ticket_id).where(TicketVector.model == embeddings.MODEL_ID)
            )
        )


def triage_status(app, ticket_id: int) -> str:
    with app.app_context():
        return db.session.get(Ticket, ticket_id).triage_status


@pytest.mark.parametrize("config_overrides", [ASYNC])
def test_triage_stores_its_answers_without_embedding_and_the_drain_embeds_them_after(
    app, make_ticket, embedded
):
    seen, state = embedded
    ids = [make_ticket(subject=f"Charged twice {n}")["id"] for n in range(3)]
    state["fail"] = RuntimeError("the model broke")
    run_queue(app, "classification")
    assert {triage_status(app, i) for i in ids} == {"done"}  # the answers are stored
    assert with_vector(app) == set()
    assert waiting(app) == 1  # one drain waits on the vectors queue, however many rang
    state["fail"] = None
    run_queue(app, "vectors")
    assert with_vector(app) == set(ids)
    assert len(seen) == 3  # each ticket embedded once


def test_in_process_a_triaged_ticket_has_its_vector_at_once(app, client, make_ticket):
    app.config["AUTO_CLASSIFY"] = True
    ticket = make_ticket(subject="Cannot log in", body="The app says my password is wrong.")
    assert ticket["triage_status"] == "done"
    assert with_vector(app) == {ticket["id"]}


@pytest.mark.parametrize("config_overrides", [ASYNC])
def test_the_bell_keeps_one_drain_waiting_and_a_lost_one_does_not_silence_it(app):
    with app.app_context():
        assert vector_drain.ring([1]) is True
        assert vector_drain.ring() is False and vector_drain.ring() is False
        assert waiting(app) == 1
        queue = app.extensions["jobs"].queues["vectors"]
        queue.fetch_job(queue.job_ids[0]).delete()  # the waiting job is lost
        assert vector_drain.ring() is True
        assert waiting(app) == 1


def test_the_drain_embeds_only_tickets_missing_a_vector_of_the_current_model(
    app, make_ticket, embedded
):
    seen, _state = embedded
    current = make_ticket(subject="Refund", body="Please refund my last invoice.")["id"]
    stale = make_ticket(subject="Dark mode", body="Add a dark theme please.")["id"]
    with app.app_context():
        vector_drain.drain_vectors()
        db.session.execute(
            update(TicketVector).where(TicketVector.ticket_id == stale).values(model="old-model")
        )
        db.session.commit()
    new = make_ticket(subject="Export", body="How do I export my tickets?")["id"]
    seen.clear()
    app.extensions.pop("ticket_vectors.cache", None)  # as in another process
    with app.app_context():
        report = vector_drain.drain_vectors()
        assert report["embedded"] == 2
        assert db.session.get(TicketVector, stale).model == embeddings.MODEL_ID
    assert seen == [
        embeddings.ticket_text("Dark mode", "Add a dark theme please."),
        embeddings.ticket_text("Export", "How do I export my tickets?"),
    ]
    assert with_vector(app) == {current, stale, new}
    with app.app_context():
        assert vector_drain.drain_vectors()["embedded"] == 0  # nothing left


def test_an_edit_of_the_text_is_embedded_again(app, client, make_ticket):
    ticket = make_ticket(subject="Login", body="I cannot log in.")["id"]
    with app.app_context():
        vector_drain.drain_vectors()
        first = db.session.get(TicketVector, ticket).text_hash
    client.patch(f"/api/tickets/{ticket}", json={"status": "pending"})
    assert with_vector(app) == {ticket}  # not the text: the vector stays
    client.patch(f"/api/tickets/{ticket}", json={"body": "Login fails with error 500."})
    assert with_vector(app) == set()  # the old text's vector is gone with the edit
    with app.app_context():
        vector_drain.drain_vectors()
        assert db.session.get(TicketVector, ticket).text_hash != first


@pytest.mark.parametrize("config_overrides", [{**ASYNC, "AUTO_CLASSIFY": False}])
def test_the_upkeep_rings_while_vectors_are_missing(app, make_ticket):
    ids = [make_ticket(subject=f"Invoice {n}")["id"] for n in range(2)]
    assert waiting(app) == 0  # saved without triage: no bell rang
    with app.app_context():
        assert upkeep.run_all()["vectors_missing"] == {"missing": True, "rang": True}
    assert waiting(app) == 1
    run_queue(app, "vectors")
    assert with_vector(app) == set(ids)
    with app.app_context():
        assert upkeep.run_all()["vectors_missing"] == {"missing": False, "rang": False}
    assert waiting(app) == 0


@pytest.mark.parametrize("config_overrides", [{**ASYNC, "AUTO_CLASSIFY": False}])
def test_a_rung_drain_starts_at_the_tickets_rung_and_the_upkeep_reads_them_all(app, make_ticket):
    """The bell's hint spares reading every older ticket; losing it loses nothing."""
    old = [make_ticket(subject=f"Old {n}")["id"] for n in range(2)]
    new = make_ticket(subject="New")["id"]
    with app.app_context():
        vector_drain.ring([new])
    run_queue(app, "vectors")
    assert with_vector(app) == {new}  # started at the ticket rung
    with app.app_context():
        assert upkeep.run_all()["vectors_missing"]["rang"] is True
    run_queue(app, "vectors")
    assert with_vector(app) == {*old, new}


@pytest.mark.parametrize("config_overrides", [{**ASYNC, "EMBEDDINGS": "off"}])
def test_switched_off_nothing_rings_and_nothing_is_embedded(app, make_ticket):
    make_ticket()
    run_queue(app, "classification")
    with app.app_context():
        assert upkeep.run_all()["vectors_missing"] == {"missing": False, "rang": False}
        assert vector_drain.drain_vectors()["embedded"] == 0
    assert waiting(app) == 0 and with_vector(app) == set()


@pytest.mark.parametrize("config_overrides", [ASYNC, {"EMBEDDINGS": "auto"}], ids=["rq", "inline"])
def test_a_drain_killed_mid_way_loses_nothing(app, make_ticket, monkeypatch):
    make_ticket(subject="Older", body="Already embedded.")
    with app.app_context():
        vector_drain.drain_vectors()
    ids = [
        make_ticket(subject=f"Crash {n}", body=f"The app crashes, case {n}.")["id"]
        for n in range(5)
    ]
    monkeypatch.setattr(vector_drain, "BATCH", 2)
    calls = {"n": 0}
    original = vectors.fill

    def dies_on_the_second_batch(items, compute=True):
        calls["n"] += 1
        if calls["n"] == 2:
            written = original(items, compute)  # embedded and flushed, never committed
            assert written == 2
            raise SystemExit("worker killed")
        return original(items, compute)

    monkeypatch.setattr(vectors, "fill", dies_on_the_second_batch)
    with app.app_context():
        if app.config["JOBS_ASYNC"]:
            vector_drain.ring(ids)  # its hint: start at these tickets
        with pytest.raises(SystemExit):
            vector_drain.drain_vectors()
    assert len(with_vector(app)) == 1 + 2  # the committed batch only
    monkeypatch.setattr(vectors, "fill", original)
    late = make_ticket(subject="Crash again", body="Still crashing.")["id"]
    with app.app_context():  # the next bell is for a newer ticket (on RQ: its hint)
        vector_drain.ring([late])
        if not app.config["JOBS_ASYNC"]:
            vector_drain.drain_vectors()
    run_queue(app, "vectors")
    assert with_vector(app) >= {*ids, late}  # the killed drain's tickets too


def test_a_ticket_that_cannot_be_embedded_does_not_hold_back_the_rest(
    app, make_ticket, monkeypatch
):
    ids = [make_ticket(subject=f"Slow {n}", body="The dashboard is slow.")["id"] for n in range(3)]
    original = vectors.fill

    def refuses_the_first(items, compute=True):
        if any(item[0] == ids[0] for item in items):
            raise ValueError("bad text")
        return original(items, compute)

    monkeypatch.setattr(vectors, "fill", refuses_the_first)
    with app.app_context():
        assert vector_drain.drain_vectors()["embedded"] == 2
    assert with_vector(app) == set(ids[1:])
    monkeypatch.setattr(vectors, "fill", original)
    with app.app_context():
        assert vector_drain.drain_vectors()["embedded"] == 1  # found again by the next drain
    assert with_vector(app) == set(ids)


def test_two_drains_at_once_never_claim_the_same_ticket(app, make_ticket):
    ids = [make_ticket(subject=f"Refund {n}")["id"] for n in range(5)]
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("claims are advisory locks on PostgreSQL (SQLite has one writer)")
        first = [item[0] for item in vectors.claim_missing(3)]
        with app.app_context():  # a second session, as another worker's
            second = [item[0] for item in vectors.claim_missing(3)]
            db.session.commit()
        db.session.commit()
    assert first == ids[:3] and second == ids[3:]
