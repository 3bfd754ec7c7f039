"""Similar tickets through the inverted-file index (``tickets.ivf``): k-means lists in the
database, the nearest lists read per query. On a small clustered set of synthetic vectors it
must answer exactly what brute force answers, for every scope, and stay right across new
vectors, stray rows and retraining."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from ticketing.core.extensions import db
from ticketing.models import Ticket, TicketVector, VectorIndex

from .test_similar import similar

CLUSTERS = 8
PER_CLUSTER = 20


@pytest.fixture
def config_overrides():
    return {"EMBEDDINGS": "auto", "SIMILAR_IVF_PROBES": 2, "SIMILAR_IVF_MIN": 100}


def unit(rng, center, noise):
    vector = center + rng.normal(0, noise, center.shape)
    return vector / (vector**2).sum() ** 0.5


def make_set(app) -> list[list[int]]:
    """CLUSTERS groups of PER_CLUSTER tickets whose vectors lie close together (every fourth
    resolved); returns the ids per cluster. Vectors are stored as the triage worker stores
    them (``vectors.store``), so they are current for their text."""
    import numpy as np

    from ticketing.tickets import vectors
    from ticketing.tickets.services import build_ticket

    rng = np.random.default_rng(5)
    clusters: list[list[int]] = []
    with app.app_context():
        dims = 384
        for c in range(CLUSTERS):
            center = rng.normal(0, 1, dims)
            center /= (center**2).sum() ** 0.5
            rows = []
            for i in range(PER_CLUSTER):
                status = "resolved" if i % 4 == 3 else "open"
                subject, body = f"Cluster {c} case {i}", f"Something about topic {c}, case {i}."
                ticket = build_ticket({"subject": subject, "body": body, "status": status})
                db.session.flush()
                vectors.store(ticket.id, subject, body, unit(rng, center, 0.02))
                rows.append(ticket.id)
            clusters.append(rows)
        db.session.commit()
    return clusters


def train(runner, *args) -> str:
    result = runner.invoke(args=["tickets", "vector-index", *args])
    assert result.exit_code == 0, result.output
    return result.output


def answers(client, probes, k=10, **params) -> dict[int, list[tuple[int, float]]]:
    return {
        p: [(i["ticket"]["id"], i["score"]) for i in similar(client, p, k=k, **params)]
        for p in probes
    }


@pytest.fixture
def rows_read(monkeypatch):
    """How many vectors each IVF query read."""
    from ticketing.tickets import ivf

    seen: list[int] = []
    original = ivf._read_lists

    def spy(version, lists, dims):
        ids, matrix = original(version, lists, dims)
        seen.append(len(ids))
        return ids, matrix

    monkeypatch.setattr(ivf, "_read_lists", spy)
    return seen


def test_the_index_answers_what_brute_force_answers(app, client, runner, rows_read):
    clusters = make_set(app)
    probes = [rows[0] for rows in clusters] + [rows[5] for rows in clusters]
    exact = {scope: answers(client, probes, scope=scope) for scope in ("all", "open", "resolved")}
    assert rows_read == []  # no index yet: the exact path
    assert all(len(items) == 10 for items in exact["all"].values())

    assert "8 lists over 160 vectors" in train(runner, "--lists", "8")
    for scope, expected in exact.items():
        assert answers(client, probes, scope=scope) == expected, scope
    assert rows_read and max(rows_read) < CLUSTERS * PER_CLUSTER  # only the nearest lists


def test_scope_the_ticket_itself_and_merged_tickets(app, client, runner):
    clusters = make_set(app)
    train(runner, "--lists", "8")
    rows = clusters[2]
    probe, merged, target = rows[0], rows[1], rows[2]
    response = client.post(f"/api/tickets/{merged}/merge", json={"into": target})
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        statuses = dict(db.session.execute(select(Ticket.id, Ticket.status)).all())
    for scope, allowed in (("open", {"open"}), ("resolved", {"resolved"})):
        found = [i for i, _score in answers(client, [probe], scope=scope)[probe]]
        assert found and all(i in rows for i in found)
        assert {statuses.get(i) for i in found} <= allowed, scope
        assert probe not in found and merged not in found
    everything = [i for i, _score in answers(client, [probe], k=20)[probe]]
    assert sorted(everything) == sorted(set(rows) - {probe, merged})
    assert target in everything and merged not in everything and probe not in everything


def test_a_vector_stored_after_training_gets_its_list_and_is_found(app, client, runner):
    import numpy as np

    from ticketing.tickets import vectors
    from ticketing.tickets.services import build_ticket

    clusters = make_set(app)
    train(runner, "--lists", "8")
    probe = clusters[4][0]
    with app.app_context():
        near = vectors.from_bytes(db.session.get(TicketVector, probe).vector)
        near = near + np.random.default_rng(9).normal(0, 0.001, near.shape)
        ticket = build_ticket({"subject": "Late one", "body": "Stored after the training."})
        db.session.flush()
        vectors.store(
            ticket.id, "Late one", "Stored after the training.", near / np.linalg.norm(near)
        )
        db.session.commit()
        late = ticket.id
        row = db.session.get(TicketVector, late)
        probe_row = db.session.get(TicketVector, probe)
        version = db.session.scalar(select(func.max(VectorIndex.version)))
        assert (row.ivf_version, row.ivf_list) == (version, probe_row.ivf_list)
    assert answers(client, [probe])[probe][0][0] == late


def test_a_row_without_a_list_is_still_found_and_the_upkeep_places_it(app, client, runner):
    from ticketing.core import upkeep

    clusters = make_set(app)
    train(runner, "--lists", "8")
    probe, stray = clusters[6][0], clusters[6][1]
    before = answers(client, [probe])
    with app.app_context():
        db.session.execute(
            update(TicketVector)
            .where(TicketVector.ticket_id == stray)
            .values(ivf_version=None, ivf_list=None)
        )
        db.session.commit()
    assert answers(client, [probe]) == before
    with app.app_context():
        report = upkeep.run_all()["vector_index"]
        assert report == {"assigned": 1}
        assert db.session.get(TicketVector, stray).ivf_version is not None


def test_retraining_keeps_the_answers_and_only_the_new_version(app, client, runner):
    clusters = make_set(app)
    probes = [rows[3] for rows in clusters]
    train(runner, "--lists", "8")
    first = answers(client, probes)
    assert "version 2: 6 lists" in train(runner, "--lists", "6")
    app.config["SIMILAR_IVF_PROBES"] = 3
    assert answers(client, probes) == first
    with app.app_context():
        assert db.session.scalars(select(VectorIndex.version)).all() == [2]
        versions = db.session.scalars(select(TicketVector.ivf_version).distinct()).all()
        assert versions == [2]


def test_the_upkeep_trains_when_due_and_again_when_the_set_doubles(app, client, runner):
    from ticketing.core import upkeep
    from ticketing.tickets import ivf

    app.config["SIMILAR_IVF_MIN"] = 1_000
    make_set(app)
    with app.app_context():
        assert upkeep.run_all()["vector_index"] == {"assigned": 0}  # below the minimum
        assert ivf.current() is None
        app.config["SIMILAR_IVF_MIN"] = 100
        report = upkeep.run_all()["vector_index"]
        assert report["version"] == 1 and report["lists"] == 13  # ~sqrt(160)
        assert upkeep.run_all()["vector_index"] == {"assigned": 0}  # not due again
    make_set(app)  # 320 vectors: twice those it was trained on
    with app.app_context():
        assert upkeep.run_all()["vector_index"]["version"] == 2


def test_the_backfill_trains_the_index_when_due(app, client, runner):
    from .test_similar import load_sample

    app.config["SIMILAR_IVF_MIN"] = 5
    load_sample(client)
    result = runner.invoke(args=["tickets", "embed"])
    assert result.exit_code == 0, result.output
    assert "Vector index version 1: 3 lists over 12 vectors" in result.output


def test_an_unexpected_copy_layout_falls_back_to_rows():
    """The PostgreSQL fast path parses binary COPY only when every row has the fixed shape."""
    from ticketing.tickets import ivf

    header = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
    row = (2).to_bytes(2, "big") + (4).to_bytes(4, "big") + (7).to_bytes(4, "big")
    good = row + (8).to_bytes(4, "big") + bytes(8)
    trailer = (-1).to_bytes(2, "big", signed=True)
    ids, vectors = ivf._parse_copy(header + good + good + trailer, 4)
    assert ids.tolist() == [7, 7] and vectors.shape == (2, 4)
    short = row + (6).to_bytes(4, "big") + bytes(6)  # a vector of 3 values, not 4
    assert ivf._parse_copy(header + short + short + short + short + trailer, 4) is None
    assert ivf._parse_copy(header + good + trailer, 3) is None
