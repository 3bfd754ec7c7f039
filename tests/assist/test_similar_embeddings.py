"""Similar tickets on sentence embeddings: vectors stored by the triage worker and the
backfill, ranked by cosine in memory (brute force) or, past ``SIMILAR_VECTOR_MAX``, full-text
candidates re-ranked by vector. The full-text engine stays for the no-dependency path."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ticketing.core.extensions import db
from ticketing.models import TicketVector

from .test_similar import create, load_sample, similar


@pytest.fixture
def config_overrides():
    return {"EMBEDDINGS": "auto"}


def backfill(runner) -> str:
    result = runner.invoke(args=["tickets", "embed"])
    assert result.exit_code == 0, result.output
    return result.output


def vectors_stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(TicketVector))


def engine_of(client, ticket_id) -> str:
    response = client.get(f"/api/tickets/{ticket_id}/similar")
    return response.get_json()["meta"]["engine"]


def test_the_backfill_stores_every_vector_once_and_the_duplicate_ranks_first(app, client, runner):
    probes = load_sample(client)
    assert "Embedded 12 ticket(s)" in backfill(runner)
    assert vectors_stored(app) == 12
    assert "Embedded 0 ticket(s)" in backfill(runner)  # resumable: nothing left
    for probe, dup in probes:
        response = client.get(f"/api/tickets/{probe}/similar", query_string={"k": 5})
        body = response.get_json()
        assert body["meta"]["engine"] == "embeddings"
        items = body["items"]
        assert items[0]["ticket"]["id"] == dup, items
        assert probe not in [i["ticket"]["id"] for i in items]
        scores = [i["score"] for i in items]
        assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)


def test_alike_in_meaning_without_a_shared_word(app, client, runner):
    """What full text cannot find: no word in common, the same problem."""
    target = create(client, "Billed two times", "You took the money from me on two occasions.")
    create(client, "Dark mode", "Please add a dark theme to the dashboard.")
    create(client, "Shipping address", "How do I update where my parcels go?")
    probe = create(client, "Duplicate charge", "My card was charged twice for one order.")
    backfill(runner)
    items = similar(client, probe)
    assert items and items[0]["ticket"]["id"] == target
    assert items[0]["why"]["shared_terms"] == []


def test_scopes_and_the_resolving_reply_hold_on_embeddings(app, client, runner):
    old = create(client, "Refund for a double charge", "You charged my card twice, refund it.")
    client.post(f"/api/tickets/{old}/replies", json={"body": "Refunded the duplicate charge."})
    client.patch(f"/api/tickets/{old}", json={"status": "resolved"})
    other = create(client, "Charged twice", "My card was charged twice, I want a refund.")
    new = create(client, "Double charge on my card", "I was charged twice. Refund please.")
    backfill(runner)
    resolved = similar(client, new, scope="resolved")
    assert [i["ticket"]["id"] for i in resolved] == [old]
    assert resolved[0]["resolution"]["body"] == "Refunded the duplicate charge."
    assert [i["ticket"]["id"] for i in similar(client, new, scope="open")] == [other]


def test_triage_stores_the_vector_and_an_edit_refreshes_it(app, client):
    ticket = create(client, "Cannot log in", "The app says my password is wrong.")
    assert vectors_stored(app) == 0
    assert client.post(f"/api/tickets/{ticket}/classify").status_code in (200, 202)
    with app.app_context():
        row = db.session.get(TicketVector, ticket)
        first = (row.text_hash, row.seq)
    client.patch(f"/api/tickets/{ticket}", json={"body": "Login fails with error 500."})
    assert client.post(f"/api/tickets/{ticket}/classify").status_code in (200, 202)
    with app.app_context():
        row = db.session.get(TicketVector, ticket)
        assert row.text_hash != first[0] and row.seq > first[1]


def test_a_new_vector_reaches_the_in_memory_index(app, client, runner, monkeypatch):
    from ticketing.assist import vector_index

    monkeypatch.setattr(vector_index, "REFRESH_SECONDS", 0.0)
    probes = load_sample(client)
    backfill(runner)
    probe, _dup = probes[0]
    similar(client, probe)  # the index is built
    late = create(client, "Charged two times for my subscription", "Two identical charges.")
    backfill(runner)
    assert late in [i["ticket"]["id"] for i in similar(client, probe, k=3)]


def test_past_the_in_memory_limit_full_text_candidates_are_re_ranked(app, client, runner):
    app.config["SIMILAR_VECTOR_MAX"] = 5
    probes = load_sample(client)
    backfill(runner)
    for probe, dup in probes:
        response = client.get(f"/api/tickets/{probe}/similar").get_json()
        assert response["meta"]["engine"] == "embeddings"
        assert response["items"][0]["ticket"]["id"] == dup


def test_a_ticket_without_a_stored_vector_is_embedded_on_the_fly(app, client):
    probes = load_sample(client)
    probe, dup = probes[0]
    with app.app_context():
        from ticketing.tickets import vector_drain

        vector_drain.embed_next(100)
        db.session.query(TicketVector).filter_by(ticket_id=probe).delete()
        db.session.commit()
    assert similar(client, probe)[0]["ticket"]["id"] == dup


def test_switched_off_it_is_full_text(app, client, runner):
    app.config["EMBEDDINGS"] = "off"
    probe = create(client, "Charged twice", "My card was charged twice.")
    create(client, "Charged twice again", "Card charged twice.")
    assert engine_of(client, probe) == "full_text"
    result = runner.invoke(args=["tickets", "embed"])
    assert result.exit_code != 0 and "EMBEDDINGS=off" in result.output


def test_the_two_step_search_ranks_like_the_exact_one(app, client, runner, monkeypatch):
    """Past COARSE_FROM rows: candidates on principal components, then the exact cosine."""
    from ticketing.assist import vector_index

    probes = load_sample(client)
    backfill(runner)
    exact = {probe: similar(client, probe) for probe, _dup in probes}
    monkeypatch.setattr(vector_index, "COARSE_FROM", 5)
    monkeypatch.setattr(vector_index, "COARSE_POOL", 4)
    app.extensions.pop(vector_index.KEY)  # a fresh process's index
    for probe, dup in probes:
        items = similar(client, probe)
        assert items[0]["ticket"]["id"] == dup
        assert items == exact[probe][: len(items)]
    assert app.extensions[vector_index.KEY].basis is not None
