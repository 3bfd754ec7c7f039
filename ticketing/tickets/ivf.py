"""Similar tickets at scale: an inverted-file (IVF) index of the ticket vectors, in the database.

k-means (numpy, on a sample) splits the stored vectors of the current model into about
2 sqrt(N) lists (``LISTS_PER_ROOT``), and lists over twice the mean size are split again
(``balance``). ``vector_indexes`` keeps the centroids (one row per training; the newest ready
one of the model is in use) and every ``ticket_vectors`` row the list it falls in
(``ivf_version``, ``ivf_list``) and its compact code (``ivf_code``: int8 values and a scale,
half the float16 vector), with one index on both that carries the code on PostgreSQL. A query
takes the ``SIMILAR_IVF_PROBES`` centroids nearest the ticket's vector, reads those lists'
codes with one indexed query, ranks them by code and re-ranks the best ``RERANK`` by their
exact vectors: a few thousand rows instead of all, nothing built at request time, no process
holding every vector. The centroids (a few MB at 1M tickets) are cached per process; the
versions are checked against the database on every query — on PostgreSQL within the lists'
own read (the process assumes those its last query saw, and reads again after a retraining).
A caller's condition on the tickets (``where``: a scope) is checked in the exact read.

A vector gets its list and code as it is stored (``vectors.store_many`` calls ``assign`` and
``encode``). A row without a list (stored before the first training, or by ``COPY``) or with an
older version's (stored by a process that had not yet seen a retraining) is read by every
query — it is still found — and the upkeep moves it to its list (``assign_pending``).

Trained by the upkeep once ``SIMILAR_IVF_MIN`` vectors are stored and again when they are
``REGROW`` times as many as at the last training (``upkeep``), after ``flask tickets embed``
when due, and on demand by ``flask tickets vector-index``. A training adds a version (not yet
ready), moves the vectors to its lists in committed chunks (no row lock held for long; queries
read the lists of both versions meanwhile), then marks it ready and deletes the older ones; a
training stopped half-way is resumed by the next. ``train`` and ``upkeep`` commit (entry
points); the other services flush.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import (
    Integer,
    any_,
    bindparam,
    delete,
    func,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from ..core import embeddings
from ..core.extensions import db
from ..models import Ticket, TicketVector, VectorIndex

log = logging.getLogger(__name__)

KEY = "tickets.ivf"
#: (version, ready) of the newest trainings, newest first (``_versions``).
Versions = tuple[tuple[int, bool], ...]
#: A retraining is due when the stored vectors are this many times those it was trained on.
REGROW = 2.0
#: Lists trained by default: this many times the square root of the vectors stored (2,000 at
#: 1M, before the oversized ones are split): smaller lists, more of them probed, read fewer
#: rows for the same recall than sqrt(N) lists.
LISTS_PER_ROOT = 2
#: Training sample: this many vectors per list (at least ``MIN_SAMPLE``, at most all).
SAMPLE_PER_LIST = 40
MIN_SAMPLE = 10_000
ITERATIONS = 12
#: A list holding more than this many times the mean share of the training sample is split.
MAX_LIST_SHARE = 2.0
#: Rows read, assigned and written together (training, pending rows).
CHUNK = 20_000
#: Rows the upkeep moves to their list per round, at most.
PENDING_PER_ROUND = 200_000
#: PostgreSQL advisory lock held by a training (two trainings would fight over the rows).
LOCK_KEY = 0x1F17_0017


@dataclass
class Centroids:
    version: int
    matrix: Any  # (lists, dimensions) float32, unit rows
    #: The version being trained, when there is one: rows already moved to it are read from
    #: its own lists, and new vectors go there.
    training: Centroids | None = None

    @property
    def newest(self) -> Centroids:
        return self.training or self

    @property
    def dims(self) -> int:
        return int(self.matrix.shape[1])


def _decode(blobs: list[bytes], dims: int, dtype: Any = None) -> Any:
    """Stored vectors (float16) as one (n, dims) matrix, float32 unless ``dtype`` says."""
    import numpy as np

    matrix = np.frombuffer(b"".join(blobs), dtype="<f2").reshape(-1, dims)
    return matrix.astype(dtype or np.float32)


def encode(matrix: Any) -> list[bytes]:
    """Each row's compact code (``ivf_code``): its values as int8 scaled by the row's own
    largest magnitude, then that scale (float32): ``dims + 4`` bytes (388 for 384 values, half
    the float16 vector). ``approx_scores`` ranks by them; the best are re-ranked exactly."""
    import numpy as np

    matrix = np.atleast_2d(np.asarray(matrix, dtype=np.float32))
    scales = np.maximum(np.abs(matrix).max(axis=1), 1e-12) / 127.0
    codes = np.empty(len(matrix), dtype=_code_type(matrix.shape[1]))
    codes["code"] = np.clip(np.rint(matrix / scales[:, None]), -127, 127)
    codes["scale"] = scales
    return [row.tobytes() for row in codes]


def _code_type(dims: int) -> Any:
    import numpy as np

    return np.dtype([("code", "i1", dims), ("scale", "<f4")])


def dots(matrix: Any, vector: Any) -> Any:
    """Each row of ``matrix`` times ``vector`` (float32), on this thread: numpy's ``@`` hands
    a matrix-vector product to the BLAS library, whose threads (one per core) cost more than
    they save on a shared machine — at 1M, the centroids' product took 8.8 ms wall and 5.7 ms
    of CPU that way, 0.3 ms here; in a request, ~17-20 ms of CPU on the other core."""
    import numpy as np

    return np.einsum("ij,j->i", matrix, vector, dtype=np.float32, casting="unsafe")


def approx_scores(codes: Any, query: Any) -> Any:
    """The dot products of ``query`` with the vectors behind ``codes`` (a ``_code_type``
    array), to ~1e-3: the int8 values are converted to float32 in buffers that stay in the
    CPU cache (converting all the codes at once first took ~14x as long: a fresh 11 MB array
    at 7,000 rows)."""
    import numpy as np

    return dots(codes["code"], np.asarray(query, dtype=np.float32)) * codes["scale"]


def _versions() -> Versions:
    """(version, ready) of the model's two newest trainings, newest first: the one in use
    (the newest ready) and, before it, one being trained."""
    rows = db.session.execute(
        select(VectorIndex.version, VectorIndex.ready)
        .where(VectorIndex.model == embeddings.MODEL_ID)
        .order_by(VectorIndex.version.desc())
        .limit(2)
    ).all()
    return tuple((int(version), bool(ready)) for version, ready in rows)


def _centroids(version: int) -> Centroids:
    """One version's centroids, cached per process (the versions in use only)."""
    cache = current_app.extensions.setdefault(KEY, {})
    if version not in cache:
        import numpy as np

        lists, blob = db.session.execute(
            select(VectorIndex.lists, VectorIndex.centroids).where(VectorIndex.version == version)
        ).one()
        matrix = np.frombuffer(blob, dtype="<f4").reshape(lists, -1).astype(np.float32)
        cache[version] = Centroids(version, matrix)
        while len(cache) > 2:  # the one in use and the one being trained
            del cache[min(cache)]
    return cache[version]


def _index_of(versions: Versions) -> Centroids | None:
    """The centroids in use under these versions (None before the first training has
    finished), with those of a training under way."""
    ready = next((version for version, done in versions if done), None)
    if ready is None:
        return None
    found = _centroids(ready)
    if versions[0][0] != ready:
        return Centroids(found.version, found.matrix, _centroids(versions[0][0]))
    return found


def current() -> Centroids | None:
    """The centroids in use (None before the first training has finished), with those of a
    training under way: the versions are read from the database (one indexed read of a tiny
    table), the centroids themselves are cached per process."""
    return _index_of(_versions())


def _nearest_list(matrix: Any, centroids: Any) -> Any:
    """Each row's nearest centroid (highest dot product), in chunks (bounded memory)."""
    import numpy as np

    out = np.empty(len(matrix), dtype=np.int64)
    step = 8_192
    for start in range(0, len(matrix), step):
        out[start : start + step] = np.argmax(matrix[start : start + step] @ centroids.T, axis=1)
    return out


def assign(vectors: Sequence[Any]) -> list[tuple[int | None, int | None]]:
    """(version, list) for each vector being stored (one version check for all of them);
    (None, None) before any training."""
    import numpy as np

    centroids = current() if len(vectors) else None
    if centroids is None:
        return [(None, None)] * len(vectors)
    centroids = centroids.newest
    matrix = np.asarray(np.vstack([np.asarray(v, dtype=np.float32) for v in vectors]))
    return [(centroids.version, int(i)) for i in _nearest_list(matrix, centroids.matrix)]


# --------------------------------------------------------------------------- query
#: Candidates re-ranked by their exact (float16) vectors: the best this many by code (the
#: others keep their code's score, right to ~1e-3).
RERANK = 50
#: Reads of the lists tried when a retraining came between the versions assumed and the read.
ATTEMPTS = 3
#: Where the versions the last query saw are kept per process (PostgreSQL).
SEEN_KEY = "tickets.ivf.versions"


class Retrained(Exception):
    """The lists were read under other versions than the query assumed (a retraining)."""

    def __init__(self, versions: Versions) -> None:
        super().__init__(versions)
        self.versions = versions


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


#: PostgreSQL: the rows read come back as one row of two bytea values that the server
#: aggregates (``string_agg``): the ids (``int4send``: 4 bytes each, big-endian) and the codes
#: back to back, which numpy reads in one go: no Python object, no protocol message per row.
#: (``COPY … TO STDOUT (FORMAT binary)`` sends a message per row, whose cost on the client made
#: most of the time: at 1M, 16 probes, 7,300 rows, 35 ms at p50 for a 4.4 ms scan.) The lists
#: are an index-only scan of ``ix_ticket_vectors_ivf``, which carries ``ticket_id`` and
#: ``ivf_code``. ``string_agg`` skips NULLs: a row without a code makes the lengths disagree
#: with the count, and the caller reads rows instead. The same row carries the index's
#: versions as of this read (``_versions``): the query assumed those the process saw last,
#: and this checks them without a round trip of its own.
_PG_CODES = (
    "SELECT v.versions, v.ready, c.n, c.ids, c.codes FROM "
    "(SELECT array_agg(version ORDER BY version DESC) AS versions, "
    "array_agg(ready ORDER BY version DESC) AS ready FROM (SELECT version, ready "
    "FROM vector_indexes WHERE model = {model} ORDER BY version DESC LIMIT 2) AS s) AS v, "
    "(SELECT count(*) AS n, string_agg(int4send(ticket_id), ''::bytea) AS ids, "
    "string_agg(ivf_code, ''::bytea) AS codes FROM ({arms}) AS r) AS c"
)
_PG_CODES_ARM = (
    "SELECT ticket_id, ivf_code FROM ticket_vectors "
    "WHERE ivf_version = {version} AND ivf_list = ANY({lists})"
)


def among(column: Any, ids: Sequence[int]) -> Any:
    """``column IN ids``; on PostgreSQL as ``= ANY(array)``: one bind parameter, where a few
    hundred ids would cost more to render than the query takes."""
    if _postgres():
        return column == any_(bindparam("among_ids", list(ids), type_=ARRAY(Integer), unique=True))
    return column.in_(list(ids))


def _pg_codes(statement: Any, dims: int) -> tuple[Versions, tuple[Any, bytes] | None]:
    """PostgreSQL: (versions, (ids, codes back to back)) from ``_PG_CODES``; the second is
    None when a code is missing or of another size."""
    import numpy as np

    raw = db.session.connection().connection.driver_connection
    with raw.cursor(binary=True) as cursor:
        versions, ready, count, ids, values = cursor.execute(statement).fetchone()
    seen = tuple(zip(versions or [], ready or [], strict=True))
    ids, values = bytes(ids or b""), bytes(values or b"")
    if len(ids) != 4 * count or len(values) != _code_type(dims).itemsize * count:
        return seen, None
    return seen, (np.frombuffer(ids, dtype=">i4").astype(np.int64), values)


def _remember(versions: Versions) -> None:
    if any(ready for _version, ready in versions):
        current_app.extensions[SEEN_KEY] = versions
    else:
        current_app.extensions.pop(SEEN_KEY, None)


def _read_lists(
    parts: list[tuple[int, list[int]]], dims: int, expect: Versions | None = None
) -> tuple[Any, Any]:
    """(ids, codes) of the rows in these (version, lists) (codes: a ``_code_type`` array): the
    index in use, and the one being trained when there is one. A row without a code (written
    by an older release) gets one from its vector. Raises ``Retrained`` when the index's
    versions, as of this read, are not ``expect`` (PostgreSQL checks them in the same
    statement; SQLite when no row was found, as a retraining moved them all)."""
    import numpy as np

    parts = [(int(version), [int(i) for i in lists]) for version, lists in parts]
    if _postgres():
        from psycopg import sql

        arms = sql.SQL(" UNION ALL ").join(
            sql.SQL(_PG_CODES_ARM).format(version=sql.Literal(v), lists=sql.Literal(lists))
            for v, lists in parts
        )
        statement = sql.SQL(_PG_CODES).format(model=sql.Literal(embeddings.MODEL_ID), arms=arms)
        seen, found = _pg_codes(statement, dims)
        _remember(seen)
        if expect is not None and seen != expect:
            raise Retrained(seen)
        if found is not None:
            return found[0], np.frombuffer(found[1], dtype=_code_type(dims))
    rows = db.session.execute(
        union_all(
            *(
                select(TicketVector.ticket_id, TicketVector.ivf_code, TicketVector.vector).where(
                    TicketVector.ivf_version == version, TicketVector.ivf_list.in_(lists)
                )
                for version, lists in parts
            )
        )
    ).all()
    if not rows and expect is not None and not _postgres():
        seen = _versions()
        if seen != expect:
            raise Retrained(seen)
    blobs = [r[1] or encode(_decode([r[2]], dims))[0] for r in rows]
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    return ids, np.frombuffer(b"".join(blobs), dtype=_code_type(dims))


#: Per app: the exact read compiled for PostgreSQL, per ``where`` condition.
EXACT_KEY = "tickets.ivf.exact"


def _exact_statement(where: Any, postgres: bool) -> Any:
    """The exact read (``_read_exact``) with its values as bind parameters: ``rerank`` (ids),
    ``version``, ``model``."""

    def among_(column: Any, name: str) -> Any:
        if postgres:
            return column == any_(bindparam(name, [], type_=ARRAY(Integer)))
        return column.in_(bindparam(name, expanding=True))

    if where is None:
        kept: Any = lambda _column: true()  # noqa: E731
    else:

        def kept(column: Any) -> Any:
            return select(Ticket.id).where(Ticket.id == column, where).exists()

    arms = [
        select(TicketVector.ticket_id, TicketVector.vector, kept(TicketVector.ticket_id)).where(
            among_(TicketVector.ticket_id, "rerank")
        ),
        select(TicketVector.ticket_id, TicketVector.vector, kept(TicketVector.ticket_id)).where(
            TicketVector.model == bindparam("model", embeddings.MODEL_ID),
            or_(
                TicketVector.ivf_version.is_(None),
                TicketVector.ivf_version < bindparam("version", 0, type_=Integer),
            ),
        ),
    ]
    return union_all(*arms)


def _pg_exact(where: Any, values: dict[str, Any]) -> list[tuple[int, bytes | None, bool]]:
    """PostgreSQL: the exact read, compiled once per app and condition, on the driver's binary
    cursor (building and compiling it, and SQLAlchemy's handling of the rows, cost ~2 ms a
    request; the text of the statement being the same, the driver prepares it)."""
    cache = current_app.extensions.setdefault(EXACT_KEY, {})
    entry = cache.get(id(where))
    if entry is None:
        compiled = _exact_statement(where, postgres=True).compile(
            dialect=db.session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
        )
        if len(cache) >= 16:  # conditions built per call: keep a few
            cache.clear()
        entry = cache[id(where)] = (where, compiled.string, dict(compiled.params))
    _where, statement, params = entry
    raw = db.session.connection().connection.driver_connection
    with raw.cursor(binary=True) as cursor:
        cursor.execute(statement, {k: values.get(k, v) for k, v in params.items()})
        return cursor.fetchall()


def _read_exact(
    version: int, rerank: list[int], dims: int, where: Any = None
) -> tuple[Any, Any, set[int] | None]:
    """(ids, float16 vectors) of the ``rerank`` rows and of every stray row (not in a list of
    ``version``: they are read by every query, so they are still found); and, with ``where``
    (a condition on ``Ticket``), which of those rows meet it (else None) — in the same
    statement."""
    import numpy as np

    values = {"rerank": rerank, "version": int(version), "model": embeddings.MODEL_ID}
    if _postgres():
        rows = _pg_exact(where, values)
    else:
        rows = db.session.execute(_exact_statement(where, postgres=False), values).all()
    ids = np.fromiter((i for i, _blob, _ok in rows), dtype=np.int64, count=len(rows))
    matrix = _decode([blob for _i, blob, _ok in rows], dims, np.float16)
    return ids, matrix, (None if where is None else {i for i, _blob, ok in rows if ok})


def meeting(where: Any, ids: list[int]) -> set[int]:
    """Which of ``ids`` meet ``where`` (a condition on ``Ticket``)."""
    return set(db.session.scalars(select(Ticket.id).where(among(Ticket.id, ids), where)))


def _first_meeting(
    out: list[tuple[int, float]], checked: set[int], kept: set[int], where: Any, limit: int | None
) -> list[tuple[int, float]]:
    """The first ``limit`` (all without) of ``out`` that meet ``where``: ``checked`` were
    checked with the exact read (``kept`` met it); the first other one reached (a code's score
    above an exact one, or too few of the re-ranked meet it) has the rest checked at once."""
    found: list[tuple[int, float]] = []
    for position, (ticket_id, score) in enumerate(out):
        if limit is not None and len(found) == limit:
            break
        if ticket_id not in checked:
            rest = [i for i, _score in out[position:] if i not in checked]
            kept = kept | meeting(where, rest)
            checked = checked | set(rest)
        if ticket_id in kept:
            found.append((ticket_id, score))
    return found


def nearest(
    vector: Any,
    n: int,
    skip: set[int],
    probes: int | None = None,
    where: Any = None,
    limit: int | None = None,
) -> list[tuple[int, float]] | None:
    """The ``n`` ids (less ``skip``) with the highest cosine to ``vector`` among the lists of
    the ``probes`` nearest centroids, best first, less those not meeting ``where`` (a
    condition on ``Ticket``, checked in the database for those ``n``); None when no index is
    trained; with ``limit``, only the first ``limit`` of those. The lists' rows are ranked by
    their codes, the best ``RERANK`` re-ranked by their exact vectors (with the stray rows):
    the first scores are exact, those past ``RERANK`` the codes'. Two statements on
    PostgreSQL once the process has seen the index: the lists (which also checks the
    versions), the exact vectors with ``where`` for them (a third checks the others, only
    when the first ``limit`` are not all among the re-ranked)."""
    import numpy as np

    probes = probes or int(current_app.config["SIMILAR_IVF_PROBES"])
    query = np.asarray(vector, dtype=np.float32)
    versions = current_app.extensions.get(SEEN_KEY) if _postgres() else None
    for attempt in range(ATTEMPTS):
        if versions is None:
            versions = _versions()
        centroids = _index_of(versions)
        if centroids is None:
            return None
        parts = []
        for index in (centroids, centroids.training):
            if index is not None:
                closeness = dots(index.matrix, query)
                near = np.argpartition(-closeness, min(probes, len(closeness)) - 1)[:probes]
                parts.append((index.version, sorted(int(i) for i in near)))
        try:
            last = attempt == ATTEMPTS - 1
            ids, codes = _read_lists(parts, centroids.dims, None if last else versions)
            break
        except Retrained as stale:
            versions = stale.versions
    scores = approx_scores(codes, query) if len(ids) else np.empty(0, dtype=np.float32)
    want = min(len(ids), max(n + len(skip), RERANK))
    order = np.argpartition(-scores, want - 1)[:want] if want else np.empty(0, dtype=np.int64)
    order = order[np.argsort(-scores[order], kind="stable")]
    exact_ids, matrix, kept = _read_exact(
        centroids.version, ids[order[:RERANK]].tolist(), centroids.dims, where
    )
    ids = np.concatenate([exact_ids, ids[order[RERANK:]]])
    scores = np.concatenate([dots(matrix, query), scores[order[RERANK:]]])
    if not len(ids):
        return []
    want = min(len(ids), n + len(skip))
    best = np.argpartition(-scores, want - 1)[:want]
    best = best[np.lexsort((-ids[best], -scores[best]))]
    out = []
    for i in best:
        ticket_id = int(ids[i])
        if ticket_id not in skip:
            out.append((ticket_id, float(scores[i])))
            if len(out) == n:
                break
    if kept is None:
        return out
    return _first_meeting(out, set(exact_ids.tolist()), kept, where, limit)


# --------------------------------------------------------------------------- training
def kmeans(sample: Any, k: int, iterations: int = ITERATIONS, seed: int = 0) -> Any:
    """Spherical k-means: ``k`` unit centroids of the unit rows of ``sample`` (random rows to
    start; an emptied list restarts from a random row)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    centroids = sample[rng.choice(len(sample), k, replace=False)].copy()
    labels = None
    for _ in range(iterations):
        fresh = _nearest_list(sample, centroids)
        if labels is not None and np.array_equal(fresh, labels):
            break
        labels = fresh
        order = np.argsort(labels, kind="stable")
        counts = np.bincount(labels, minlength=k)
        filled = np.flatnonzero(counts)
        starts = np.concatenate([[0], np.cumsum(counts[filled])[:-1]])
        sums = np.add.reduceat(sample[order], starts, axis=0)
        centroids[filled] = sums
        empty = np.flatnonzero(counts == 0)
        if len(empty):
            centroids[empty] = sample[rng.choice(len(sample), len(empty), replace=False)]
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    return centroids.astype(np.float32)


def _stored() -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(TicketVector)
            .where(TicketVector.model == embeddings.MODEL_ID)
        )
        or 0
    )


def _sample(size: int) -> Any:
    picked = (
        select(TicketVector.ticket_id)
        .where(TicketVector.model == embeddings.MODEL_ID)
        .order_by(func.random())
        .limit(size)
    )
    blobs = db.session.scalars(
        select(TicketVector.vector).where(TicketVector.ticket_id.in_(picked))
    ).all()
    return _decode(list(blobs), embeddings.DIMENSIONS)


def _write_lists(version: int, ids: list[int], lists: list[int], codes: list[bytes]) -> None:
    if not ids:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text(
                "UPDATE ticket_vectors SET ivf_version = :v, ivf_list = u.l, ivf_code = u.c "
                "FROM unnest(CAST(:ids AS integer[]), CAST(:lists AS integer[]), "
                "CAST(:codes AS bytea[])) AS u(id, l, c) WHERE ticket_vectors.ticket_id = u.id"
            ),
            {"v": version, "ids": ids, "lists": lists, "codes": codes},
        )
        return
    db.session.execute(  # the ORM's bulk UPDATE by primary key: one executemany
        update(TicketVector),
        [
            {"ticket_id": i, "ivf_version": version, "ivf_list": lst, "ivf_code": code}
            for i, lst, code in zip(ids, lists, codes, strict=True)
        ],
    )


def _assign_rows(centroids: Centroids, rows: list[tuple[int, bytes]]) -> None:
    matrix = _decode([r[1] for r in rows], centroids.matrix.shape[1])
    labels = _nearest_list(matrix, centroids.matrix)
    _write_lists(centroids.version, [r[0] for r in rows], labels.tolist(), encode(matrix))


def balance(sample: Any, centroids: Any, seed: int = 0) -> Any:
    """The centroids with every list that holds more than ``MAX_LIST_SHARE`` times the mean
    share of ``sample`` split by k-means on its own rows into lists of about the mean size: a
    probe never reads a huge list (queries fall into the big lists most often, so they made
    the slow tail). Rows that are all alike cannot be split; their list stays as it is."""
    import numpy as np

    labels = _nearest_list(sample, centroids)
    counts = np.bincount(labels, minlength=len(centroids))
    mean = len(sample) / len(centroids)
    kept = [centroids[counts <= MAX_LIST_SHARE * mean]]
    for j in np.flatnonzero(counts > MAX_LIST_SHARE * mean):
        rows = sample[labels == j]
        kept.append(kmeans(rows, math.ceil(len(rows) / mean), seed=seed + int(j)))
    return np.vstack(kept).astype(np.float32)


class _TrainingLock:
    """PostgreSQL: a session advisory lock on a connection of its own, held across the
    training's many transactions (two trainings would fight over the rows). SQLite: none."""

    def __enter__(self) -> bool:
        self.conn = None
        if db.session.get_bind().dialect.name != "postgresql":
            return True
        self.conn = db.engine.connect()
        got = self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY})
        self.held = bool(got.scalar())
        return self.held

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            if self.held:
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            self.conn.close()


def _unfinished() -> VectorIndex | None:
    """The newest version when its training has not finished (a training under way, or one
    that stopped half-way: the next one resumes it)."""
    row = db.session.scalar(
        select(VectorIndex)
        .where(VectorIndex.model == embeddings.MODEL_ID)
        .order_by(VectorIndex.version.desc())
        .limit(1)
    )
    return row if row is not None and not row.ready else None


def train(lists: int | None = None, seed: int = 0) -> dict[str, Any]:
    """A new index version: k-means on a sample, every stored vector moved to its list, older
    versions deleted; returns what it did. Commits, in many short transactions: the new
    version's centroids first (not yet ``ready``: queries keep the old index, and read the
    rows already moved from the new one's lists too), then every ``CHUNK`` rows moved, then
    ready and the older versions deleted. No row lock is held for more than a chunk (a ticket
    edited meanwhile is not kept waiting), and a training stopped half-way is resumed by the
    next one (``lists`` is then the stopped one's)."""
    started = time.perf_counter()
    with _TrainingLock() as held:
        if not held:
            return {"skipped": "another training is running"}
        total = _stored()
        if not total:
            return {"skipped": "no vectors stored"}
        row, kmeans_seconds = _unfinished(), 0.0
        if row is None:
            lists = max(1, min(lists or round(LISTS_PER_ROOT * math.sqrt(total)), total))
            sample = _sample(min(total, max(SAMPLE_PER_LIST * lists, MIN_SAMPLE)))
            trained_at = time.perf_counter()
            matrix = balance(sample, kmeans(sample, lists, seed=seed), seed=seed)
            kmeans_seconds = time.perf_counter() - trained_at
            row = VectorIndex(
                model=embeddings.MODEL_ID,
                lists=len(matrix),
                centroids=matrix.astype("<f4").tobytes(),
                trained_rows=total,
                sample_rows=len(sample),
                seconds=0.0,
                ready=False,
            )
            db.session.add(row)
            db.session.commit()
        version = row.version
        centroids = _centroids(version)
        after = 0
        while True:
            rows = db.session.execute(
                select(TicketVector.ticket_id, TicketVector.vector)
                .where(
                    TicketVector.model == embeddings.MODEL_ID,
                    TicketVector.ticket_id > after,
                    or_(TicketVector.ivf_version.is_(None), TicketVector.ivf_version != version),
                )
                .order_by(TicketVector.ticket_id)
                .limit(CHUNK)
            ).all()
            if not rows:
                break
            _assign_rows(centroids, rows)
            db.session.commit()
            after = rows[-1][0]
        row = db.session.get(VectorIndex, version)
        db.session.execute(delete(VectorIndex).where(VectorIndex.version < version))
        row.ready = True
        row.trained_rows = max(row.trained_rows, total)
        row.seconds = round(row.seconds + time.perf_counter() - started, 3)
        db.session.commit()
        report = {
            "version": version,
            "lists": row.lists,
            "vectors": total,
            "sample": row.sample_rows,
            "kmeans_seconds": round(kmeans_seconds, 3),
            "seconds": row.seconds,
        }
    log.info("vector index trained: %s", report)
    return report


def assign_pending(limit: int = PENDING_PER_ROUND) -> int:
    """Move up to ``limit`` rows without a list of the current version (or of the one being
    trained) to theirs; flushes. Returns how many."""
    centroids = current()
    if centroids is None:
        return 0
    done = 0
    while done < limit:
        rows = db.session.execute(
            select(TicketVector.ticket_id, TicketVector.vector)
            .where(
                TicketVector.model == embeddings.MODEL_ID,
                or_(
                    TicketVector.ivf_version.is_(None),
                    TicketVector.ivf_version < centroids.version,
                ),
            )
            .limit(min(CHUNK, limit - done))
        ).all()
        if not rows:
            break
        _assign_rows(centroids.newest, rows)
        done += len(rows)
    return done


def due() -> bool:
    """Whether a (re)training is due: ``SIMILAR_IVF_MIN`` vectors stored and no index yet, or
    ``REGROW`` times as many as the index was trained on, or a training stopped half-way."""
    last = db.session.execute(
        select(VectorIndex.trained_rows, VectorIndex.ready)
        .where(VectorIndex.model == embeddings.MODEL_ID)
        .order_by(VectorIndex.version.desc())
        .limit(1)
    ).first()
    if last is not None and not last.ready:
        return True
    total = _stored()
    if last is None:
        return total >= int(current_app.config["SIMILAR_IVF_MIN"])
    return total >= REGROW * last.trained_rows


def retrain(lists: int | None = None) -> dict[str, Any]:
    """``train``; then, on PostgreSQL, ``VACUUM ANALYZE ticket_vectors``: the training rewrote
    every row, and until the old versions are vacuumed every query would visit them (and the
    index-only scan needs the visibility map). An entry point."""
    report = train(lists)
    db.session.commit()
    if "skipped" not in report and db.session.get_bind().dialect.name == "postgresql":
        started = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE ticket_vectors"))
        report["vacuum_seconds"] = round(time.perf_counter() - started, 3)
    return report


def upkeep() -> dict[str, Any]:
    """The upkeep task: train when due, else move stray rows to their lists; commits."""
    if due():
        return retrain()
    report = {"assigned": assign_pending()}
    db.session.commit()
    return report
