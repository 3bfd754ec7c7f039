"""Similar tickets at scale: an inverted-file (IVF) index of the ticket vectors, in the database.

k-means (numpy, on a sample) splits the stored vectors of the current model into about
sqrt(N) lists. ``vector_indexes`` keeps the centroids (one row per training; the newest of
the model is in use) and every ``ticket_vectors`` row the list it falls in (``ivf_version``,
``ivf_list``, one index on both). A query takes the ``SIMILAR_IVF_PROBES`` centroids nearest
the ticket's vector, reads those lists' vectors with one indexed query and ranks them by
cosine: a few thousand rows instead of all, nothing built at request time, no process holding
every vector. The centroids (1.5 MB at 1M tickets) are cached per process; their version is
checked against the database on every query (one tiny indexed read).

A vector gets its list as it is stored (``vectors.store_many`` calls ``assign``). A row without a
list (stored before the first training, or by ``COPY``) or with an older version's (stored by
a process that had not yet seen a retraining) is read by every query — it is still found —
and the upkeep moves it to its list (``assign_pending``).

Trained by the upkeep once ``SIMILAR_IVF_MIN`` vectors are stored and again when they are
``REGROW`` times as many as at the last training (``upkeep``), after ``flask tickets embed``
when due, and on demand by ``flask tickets vector-index``. A training adds a version, moves
every vector to its list and deletes the older versions in one transaction: readers see the
old index or the new one, never a mix. Services flush; ``upkeep`` commits (an entry point).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, or_, select, text, union_all, update

from ..core import embeddings
from ..core.extensions import db
from ..models import TicketVector, VectorIndex

log = logging.getLogger(__name__)

KEY = "tickets.ivf"
#: A retraining is due when the stored vectors are this many times those it was trained on.
REGROW = 2.0
#: Training sample: this many vectors per list (at least ``MIN_SAMPLE``, at most all).
SAMPLE_PER_LIST = 40
MIN_SAMPLE = 10_000
ITERATIONS = 12
#: Rows read, assigned and written together (training, pending rows).
CHUNK = 20_000
#: Rows the upkeep moves to their list per round, at most.
PENDING_PER_ROUND = 200_000
#: PostgreSQL advisory lock held by a training (two trainings would deadlock on the rows).
LOCK_KEY = 0x1F17_0017


@dataclass
class Centroids:
    version: int
    matrix: Any  # (lists, dimensions) float32, unit rows


def _decode(blobs: list[bytes], dims: int, dtype: Any = None) -> Any:
    """Stored vectors (float16) as one (n, dims) matrix, float32 unless ``dtype`` says."""
    import numpy as np

    matrix = np.frombuffer(b"".join(blobs), dtype="<f2").reshape(-1, dims)
    return matrix.astype(dtype or np.float32)


def _latest_version() -> int | None:
    return db.session.scalar(
        select(VectorIndex.version)
        .where(VectorIndex.model == embeddings.MODEL_ID)
        .order_by(VectorIndex.version.desc())
        .limit(1)
    )


def current() -> Centroids | None:
    """The centroids in use (None before any training): the version is asked for every time
    (one indexed read of a tiny table), the centroids themselves are cached per process."""
    version = _latest_version()
    if version is None:
        return None
    cached = current_app.extensions.get(KEY)
    if cached is None or cached.version != version:
        import numpy as np

        lists, blob = db.session.execute(
            select(VectorIndex.lists, VectorIndex.centroids).where(VectorIndex.version == version)
        ).one()
        matrix = np.frombuffer(blob, dtype="<f4").reshape(lists, -1).astype(np.float32)
        cached = current_app.extensions[KEY] = Centroids(version, matrix)
    return cached


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
    matrix = np.asarray(np.vstack([np.asarray(v, dtype=np.float32) for v in vectors]))
    return [(centroids.version, int(i)) for i in _nearest_list(matrix, centroids.matrix)]


# --------------------------------------------------------------------------- query
#: PostgreSQL: the lists read by ``COPY … TO STDOUT (FORMAT binary)``, whose rows here are of
#: one fixed size, parsed by numpy in one go: no Python object per row. (Measured at 1M, 10k
#: rows: 19-23 ms, against 36-38 ms for a binary cursor's rows and ~3x that through the ORM,
#: which also hex-decodes bytea.)
_PG_COPY_LISTS = (
    "COPY (SELECT ticket_id, vector FROM ticket_vectors "
    "WHERE ivf_version = {version} AND ivf_list = ANY({lists}) "
    "UNION ALL SELECT ticket_id, vector FROM ticket_vectors WHERE model = {model} "
    "AND (ivf_version IS NULL OR ivf_version < {version})) TO STDOUT (FORMAT binary)"
)
#: The binary COPY format: a 19-byte header (signature, flags, extension length), per row a
#: field count, then each field's length and bytes; a 2-byte trailer.
_COPY_HEADER = 19
_COPY_TRAILER = 2


def _copy_row_type(dims: int) -> Any:
    import numpy as np

    return np.dtype(
        [("n", ">i2"), ("id_len", ">i4"), ("id", ">i4"), ("vec_len", ">i4"), ("vec", "<f2", dims)]
    )


def _parse_copy(data: bytes, dims: int) -> tuple[Any, Any] | None:
    """(ids, float16 vectors) from a binary COPY of (integer, bytea) rows of ``dims`` values;
    None when the data is not of that exact shape (the caller reads rows instead)."""
    import numpy as np

    row = _copy_row_type(dims)
    size = len(data) - _COPY_HEADER - _COPY_TRAILER
    if size < 0 or size % row.itemsize or int.from_bytes(data[15:19], "big"):
        return None
    body = np.frombuffer(data, dtype=row, offset=_COPY_HEADER, count=size // row.itemsize)
    if not (
        (body["n"] == 2).all()
        and (body["id_len"] == 4).all()
        and (body["vec_len"] == 2 * dims).all()
    ):
        return None
    return body["id"].astype(np.int64), body["vec"]


def _read_lists(version: int, lists: list[int], dims: int) -> tuple[Any, Any]:
    """(ids, float16 vectors) of these lists, and of every row not yet in a list of
    ``version`` (the stray rows: without a list, or an older version's).

    Two arms, so that the first is an index-only scan of ``ix_ticket_vectors_ivf`` on
    PostgreSQL (a version's rows are all of its model: no need to read the model column)."""
    import numpy as np

    listed = select(TicketVector.ticket_id, TicketVector.vector).where(
        TicketVector.ivf_version == version, TicketVector.ivf_list.in_(lists)
    )
    stray = select(TicketVector.ticket_id, TicketVector.vector).where(
        TicketVector.model == embeddings.MODEL_ID,
        or_(TicketVector.ivf_version.is_(None), TicketVector.ivf_version < version),
    )
    if db.session.get_bind().dialect.name == "postgresql":
        from psycopg import sql

        statement = sql.SQL(_PG_COPY_LISTS).format(
            version=sql.Literal(int(version)),
            lists=sql.Literal([int(i) for i in lists]),
            model=sql.Literal(embeddings.MODEL_ID),
        )
        raw = db.session.connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            parsed = _parse_copy(b"".join(copy), dims)
        if parsed is not None:
            return parsed
    rows = db.session.execute(union_all(listed, stray)).all()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    return ids, _decode([r[1] for r in rows], dims, np.float16)


def nearest(
    vector: Any, n: int, skip: set[int], probes: int | None = None
) -> list[tuple[int, float]] | None:
    """The ``n`` ids (less ``skip``) with the highest cosine to ``vector`` among the lists of
    the ``probes`` nearest centroids, best first; None when no index is trained."""
    import numpy as np

    centroids = current()
    if centroids is None:
        return None
    probes = probes or int(current_app.config["SIMILAR_IVF_PROBES"])
    query = np.asarray(vector, dtype=np.float32)
    closeness = centroids.matrix @ query
    probes = min(probes, len(closeness))
    near = np.argpartition(-closeness, probes - 1)[:probes]
    dims = centroids.matrix.shape[1]
    ids, matrix = _read_lists(centroids.version, sorted(int(i) for i in near), dims)
    if not len(ids) and _latest_version() != centroids.version:
        return nearest(vector, n, skip, probes)  # retrained between the two reads
    if not len(ids):
        return []
    scores = matrix.astype(np.float32) @ query
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
    return out


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


def _write_lists(version: int, ids: list[int], lists: list[int]) -> None:
    if not ids:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text(
                "UPDATE ticket_vectors SET ivf_version = :v, ivf_list = u.l "
                "FROM unnest(CAST(:ids AS integer[]), CAST(:lists AS integer[])) AS u(id, l) "
                "WHERE ticket_vectors.ticket_id = u.id"
            ),
            {"v": version, "ids": ids, "lists": lists},
        )
        return
    db.session.execute(  # the ORM's bulk UPDATE by primary key: one executemany
        update(TicketVector),
        [
            {"ticket_id": i, "ivf_version": version, "ivf_list": lst}
            for i, lst in zip(ids, lists, strict=True)
        ],
    )


def _assign_rows(centroids: Centroids, rows: list[tuple[int, bytes]]) -> None:
    labels = _nearest_list(
        _decode([r[1] for r in rows], centroids.matrix.shape[1]), centroids.matrix
    )
    _write_lists(centroids.version, [r[0] for r in rows], labels.tolist())


def train(lists: int | None = None, seed: int = 0) -> dict[str, Any]:
    """A new index version: k-means on a sample, every stored vector moved to its list, older
    versions deleted; flushes (the caller commits all of it at once). Returns what it did."""
    started = time.perf_counter()
    if db.session.get_bind().dialect.name == "postgresql" and not db.session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY}
    ):
        return {"skipped": "another training is running"}
    total = _stored()
    if not total:
        return {"skipped": "no vectors stored"}
    lists = max(1, min(lists or round(math.sqrt(total)), total))
    sample = _sample(min(total, max(SAMPLE_PER_LIST * lists, MIN_SAMPLE)))
    trained_at = time.perf_counter()
    matrix = kmeans(sample, lists, seed=seed)
    kmeans_seconds = time.perf_counter() - trained_at
    row = VectorIndex(
        model=embeddings.MODEL_ID,
        lists=lists,
        centroids=matrix.astype("<f4").tobytes(),
        trained_rows=total,
        sample_rows=len(sample),
        seconds=0.0,
    )
    db.session.add(row)
    db.session.flush()
    centroids = Centroids(row.version, matrix)
    after = 0
    while True:
        rows = db.session.execute(
            select(TicketVector.ticket_id, TicketVector.vector)
            .where(TicketVector.model == embeddings.MODEL_ID, TicketVector.ticket_id > after)
            .order_by(TicketVector.ticket_id)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        _assign_rows(centroids, rows)
        after = rows[-1][0]
    db.session.execute(delete(VectorIndex).where(VectorIndex.version < row.version))
    row.seconds = round(time.perf_counter() - started, 3)
    db.session.flush()
    report = {
        "version": row.version,
        "lists": lists,
        "vectors": total,
        "sample": len(sample),
        "kmeans_seconds": round(kmeans_seconds, 3),
        "seconds": row.seconds,
    }
    log.info("vector index trained: %s", report)
    return report


def assign_pending(limit: int = PENDING_PER_ROUND) -> int:
    """Move up to ``limit`` rows without a list of the current version to theirs; flushes.
    Returns how many."""
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
        _assign_rows(centroids, rows)
        done += len(rows)
    return done


def due() -> bool:
    """Whether a (re)training is due: ``SIMILAR_IVF_MIN`` vectors stored and no index yet, or
    ``REGROW`` times as many as the index was trained on."""
    trained = db.session.scalar(
        select(VectorIndex.trained_rows)
        .where(VectorIndex.model == embeddings.MODEL_ID)
        .order_by(VectorIndex.version.desc())
        .limit(1)
    )
    total = _stored()
    if trained is None:
        return total >= int(current_app.config["SIMILAR_IVF_MIN"])
    return total >= REGROW * trained


def retrain(lists: int | None = None) -> dict[str, Any]:
    """``train`` and commit; then, on PostgreSQL, ``VACUUM ANALYZE ticket_vectors``: the
    training rewrote every row, and until the old versions are vacuumed every query would
    visit them (and the index-only scan needs the visibility map). An entry point."""
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
