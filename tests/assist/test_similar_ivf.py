"""Similar tickets through the inverted-file index (``tickets.ivf``): k-means lists in the
database, the nearest lists read per query. On a small clustered set of synthetic vectors it
must answer exactly what brute force answers, for every scope, and stay right across new
vectors, stray rows and retraining."""

from __future__ import annotations

import re

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

    def spy(*args, **kwargs):
        ids, matrix = original(*args, **kwargs)
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
    # 6 lists asked for, more when an oversized one was split (the sample's order is random,
    # and so the k-means start).
    trained = re.search(r"version 2: (\d+) lists", train(runner, "--lists", "6"))
    assert trained and int(trained.group(1)) >= 6
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
        assert report["version"] == 1 and report["lists"] >= 25  # ~2 sqrt(160), then split
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
    assert "Vector index version 1: " in result.output
    assert " lists over 12 vectors" in result.output


def test_codes_rank_nearly_as_the_exact_cosine():
    """The compact codes (int8 and a scale: dims + 4 bytes) give each dot product to ~1e-3."""
    import numpy as np

    from ticketing.tickets import ivf

    rng = np.random.default_rng(3)
    matrix = rng.normal(0, 1, (500, 384)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    blobs = ivf.encode(matrix)
    assert {len(b) for b in blobs} == {388}
    codes = np.frombuffer(b"".join(blobs), dtype=ivf._code_type(384))
    query = matrix[7]
    assert np.abs(ivf.approx_scores(codes, query) - matrix @ query).max() < 3e-3


def test_oversized_lists_are_split():
    """A list holding more than MAX_LIST_SHARE times the mean is split into lists of about the
    mean size: a probe never reads a huge list."""
    import numpy as np

    from ticketing.tickets import ivf

    rng = np.random.default_rng(4)
    centers = rng.normal(0, 1, (8, 64))
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    sizes = [2_000] + [100] * 7  # one topic is twenty times the others
    sample = np.vstack(
        [c + rng.normal(0, 0.05, (size, 64)) for c, size in zip(centers, sizes, strict=True)]
    ).astype(np.float32)
    sample /= np.linalg.norm(sample, axis=1, keepdims=True)
    mean = len(sample) / 8
    # Centroids as k-means may leave them: one per topic, so the big topic is one huge list.
    before = np.bincount(ivf._nearest_list(sample, centers.astype(np.float32)), minlength=8)
    assert before.max() == 2_000 > ivf.MAX_LIST_SHARE * mean
    balanced = ivf.balance(sample, centers.astype(np.float32))
    after = np.bincount(ivf._nearest_list(sample, balanced), minlength=len(balanced))
    assert len(balanced) > 8 and after.min() > 0 and after.max() <= ivf.MAX_LIST_SHARE * mean
    assert sorted(after)[:7] == [100] * 7  # the small topics keep their lists


def test_every_row_carries_its_code_and_a_row_without_one_is_still_ranked(app, client, runner):
    """The training writes every row's code, ``vectors.store`` writes a new one's; a listed row
    without a code (written by an older release) is coded from its vector when read."""
    import numpy as np

    from ticketing.tickets import ivf, vectors

    clusters = make_set(app)
    probes = [rows[1] for rows in clusters]
    exact = answers(client, probes)
    train(runner, "--lists", "8")
    with app.app_context():
        rows = db.session.execute(select(TicketVector.vector, TicketVector.ivf_code)).all()
        assert len(rows) == CLUSTERS * PER_CLUSTER
        for vector, code in rows:
            assert code == ivf.encode(vectors.from_bytes(vector))[0]
        db.session.execute(
            update(TicketVector)
            .where(TicketVector.ticket_id.in_([rows[2] for rows in clusters]))
            .values(ivf_code=None)
        )
        db.session.commit()
        # Scores are the exact cosines of the stored (float16) vectors, not the codes'.
        probe = probes[0]
        query = vectors.from_bytes(db.session.get(TicketVector, probe).vector)
        found = ivf.nearest(query, 5, {probe})
        for ticket_id, score in found:
            other = vectors.from_bytes(db.session.get(TicketVector, ticket_id).vector)
            assert score == pytest.approx(float(np.dot(other, query)), abs=1e-6)
    assert answers(client, probes) == exact


def test_a_training_stopped_half_way_keeps_the_answers_and_is_resumed(
    app, client, runner, monkeypatch
):
    """A training commits chunk by chunk (no row lock held for long): half-way, queries read the
    old index's lists and the new one's for the rows already moved, so nothing is lost; the
    next upkeep round finishes it."""
    from ticketing.core import upkeep
    from ticketing.tickets import ivf

    clusters = make_set(app)
    probes = [rows[4] for rows in clusters]
    train(runner, "--lists", "8")
    first = answers(client, probes)
    monkeypatch.setattr(ivf, "CHUNK", 50)
    original, calls = ivf._assign_rows, []

    def stop_after_one_chunk(centroids, rows):
        calls.append(len(rows))
        if len(calls) > 1:
            raise RuntimeError("worker stopped")
        original(centroids, rows)

    monkeypatch.setattr(ivf, "_assign_rows", stop_after_one_chunk)
    with app.app_context(), pytest.raises(RuntimeError):
        ivf.retrain(6)
    monkeypatch.setattr(ivf, "_assign_rows", original)
    with app.app_context():
        db.session.rollback()
        moved = dict(
            db.session.execute(
                select(TicketVector.ivf_version, func.count()).group_by(TicketVector.ivf_version)
            ).all()
        )
        assert moved == {1: CLUSTERS * PER_CLUSTER - 50, 2: 50}
        assert [(r.version, r.ready) for r in db.session.scalars(select(VectorIndex))] == [
            (1, True),
            (2, False),
        ]
        # 6 lists asked for, more when an oversized one was split (the sample's order is
        # random, and so the k-means start): the resumed training keeps the stopped one's.
        stopped_lists = db.session.get(VectorIndex, 2).lists
        assert stopped_lists >= 6
    assert answers(client, probes) == first
    with app.app_context():
        assert ivf.due()
        report = upkeep.run_all()["vector_index"]
        assert report["version"] == 2 and report["lists"] == stopped_lists
        assert db.session.scalars(select(VectorIndex.version)).all() == [2]
        assert db.session.scalars(select(TicketVector.ivf_version).distinct()).all() == [2]
    assert answers(client, probes) == first


def test_a_retraining_by_another_process_is_seen_by_the_next_query(app, client, runner):
    """A process remembers the index's versions its last query saw and checks them in the
    lists' own read (no read of its own): after another process retrained the index (version
    1 and its lists are gone), the next query reads the new version's lists and answers the
    same, and the process then assumes the new version."""
    from ticketing import create_app
    from ticketing.tickets import ivf

    from ..conftest import make_config

    clusters = make_set(app)
    probes = [rows[2] for rows in clusters]
    train(runner, "--lists", "8")
    first = answers(client, probes)
    other = create_app(
        make_config(
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            REDIS_URL=app.config["REDIS_URL"],
            RATELIMIT_STORAGE_URI=app.config["RATELIMIT_STORAGE_URI"],
            EMBEDDINGS="auto",
        )
    )
    with other.app_context():
        assert ivf.retrain(6)["version"] == 2
        db.engine.dispose()
    assert answers(client, probes) == first
    with app.app_context():
        assert db.session.scalars(select(VectorIndex.version)).all() == [2]
        if db.session.get_bind().dialect.name == "postgresql":
            assert app.extensions[ivf.SEEN_KEY] == ((2, True),)


@pytest.fixture
def statements(app, monkeypatch):
    """The statements the database receives: on PostgreSQL every one the driver sends (the
    index's reads use the driver's cursor directly), less the pool's pre-ping; on SQLite
    those SQLAlchemy executes."""
    from sqlalchemy import event

    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        import psycopg

        original = psycopg.Cursor.execute

        def execute(self, query, params=None, **kwargs):
            text = query if isinstance(query, str | bytes) else query.as_string(self.connection)
            if str(text).strip() != ";":
                seen.append(str(text))
            return original(self, query, params, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", execute)
        yield seen
        return

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("scope", ["all", "resolved"])
def test_a_query_through_the_index_is_four_statements(app, client, runner, statements, scope):
    """Once the process has seen the index: the ticket with its vector; the nearest lists'
    codes (with the index's versions, on PostgreSQL); the exact vectors of the best with
    which of the candidates are in scope and not merged; the tickets kept with their
    resolving replies. SQLite reads the versions on their own (its round trips cost
    nothing)."""
    from ticketing.assist import similar

    clusters = make_set(app)
    train(runner, "--lists", "8")
    probe = clusters[3][0]
    with app.app_context():
        similar.find_similar_to(probe, 5, scope)  # the centroids and the versions, once
    with app.app_context():
        statements.clear()
        matches, engine = similar.find_similar_to(probe, 5, scope)
        postgres = db.session.get_bind().dialect.name == "postgresql"
    assert engine == "embeddings" and len(matches) == 5
    assert len(statements) == (4 if postgres else 5), statements


def test_the_scope_past_the_re_ranked_rows_is_checked_in_one_more_statement(
    app, client, runner, monkeypatch, statements
):
    """The scope is checked with the exact read for the re-ranked rows only; when the first
    ``k`` in scope are not all among them, the others are checked at once: the answer is the
    unscoped one's first ``k`` in scope, as it is with every candidate checked."""
    from ticketing.tickets import ivf

    clusters = make_set(app)
    train(runner, "--lists", "8")
    monkeypatch.setattr(ivf, "RERANK", 2)  # every fourth is resolved: most lie past the 2
    with app.app_context():
        statuses = dict(db.session.execute(select(Ticket.id, Ticket.status)).all())
    for rows in clusters[:4]:
        probe = rows[0]
        everything = [i for i, _score in answers(client, [probe], k=20)[probe]]
        statements.clear()
        resolved = [i for i, _score in answers(client, [probe], k=3, scope="resolved")[probe]]
        assert resolved == [i for i in everything if statuses[i] == "resolved"][:3]
        # the others' check: a statement that reads only ticket ids
        assert any(s.split("FROM")[0].split() == ["SELECT", "tickets.id"] for s in statements)
