"""Every ticket's vector in this process's memory, for brute-force cosine search (numpy).

Built on first use from ``ticket_vectors`` and kept current by asking, at most every
``REFRESH_SECONDS``, for the rows written since the last one seen (``seq``, less a margin for
transactions that committed late). A float32 matrix: 1.5 KB a ticket; a query reads all of
it, which is memory-bound (~8 ms at 100k rows on an idle core, several times that on a busy
machine). So from ``COARSE_FROM`` rows on the search is in two steps: the nearest
``COARSE_POOL`` by the vectors projected on their first ``COARSE_DIMS`` principal components
(a third of the bytes to read), then those re-ranked by the exact cosine. Past
``SIMILAR_VECTOR_MAX`` stored vectors the index is not built: similar tickets pre-filter by
full text and re-rank by vector instead (``similar``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from ..tickets import vectors as ticket_vectors

KEY = "assist.vector_index"
REFRESH_SECONDS = 2.0
#: Rows read again behind the last ``seq`` seen (µs): a transaction open this long that
#: commits late is still picked up.
SEQ_MARGIN = 120 * 1_000_000
CHUNK = 20_000
#: The two-step search: from this many rows, on this many principal components, re-ranking
#: this many candidates exactly.
COARSE_FROM = 20_000
COARSE_DIMS = 128
COARSE_POOL = 1_000


@dataclass
class VectorIndex:
    ids: Any = None  # (n,) int64
    matrix: Any = None  # (n, d) float32
    position: dict[int, int] = field(default_factory=dict)
    basis: Any = None  # (d, COARSE_DIMS) principal axes, once there are COARSE_FROM rows
    coarse: Any = None  # (n, COARSE_DIMS) float32: matrix @ basis
    seq: int = 0
    checked: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _apply(self, rows: list[tuple[int, int, bytes]]) -> None:
        import numpy as np

        fresh_ids: list[int] = []
        fresh: list[Any] = []
        for seq, ticket_id, blob in rows:
            vector = ticket_vectors.from_bytes(blob)
            self.seq = max(self.seq, seq)
            at = self.position.get(ticket_id)
            if at is not None:
                self.matrix[at] = vector
                if self.basis is not None:
                    self.coarse[at] = vector @ self.basis
            else:
                self.position[ticket_id] = -1  # placed below
                fresh_ids.append(ticket_id)
                fresh.append(vector)
        if fresh:
            start = 0 if self.ids is None else len(self.ids)
            block = np.vstack(fresh).astype(np.float32)
            new_ids = np.asarray(fresh_ids, dtype=np.int64)
            if self.ids is None:
                self.ids, self.matrix = new_ids, block
            else:
                self.ids = np.concatenate([self.ids, new_ids])
                self.matrix = np.vstack([self.matrix, block])
            for offset, ticket_id in enumerate(fresh_ids):
                self.position[ticket_id] = start + offset
            if self.basis is not None:
                self.coarse = np.vstack([self.coarse, block @ self.basis])
        if self.basis is None and len(self) >= COARSE_FROM:
            self._build_coarse()

    def _build_coarse(self) -> None:
        """Principal axes from a sample of the vectors; every row projected on them."""
        import numpy as np

        rng = np.random.default_rng(0)
        sample = self.matrix[rng.choice(len(self), min(len(self), 20_000), replace=False)]
        _u, _s, axes = np.linalg.svd(sample - sample.mean(axis=0), full_matrices=False)
        basis = np.ascontiguousarray(axes[:COARSE_DIMS].T.astype(np.float32))
        self.coarse = np.ascontiguousarray(self.matrix @ basis)
        self.basis = basis

    def refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.checked < REFRESH_SECONDS:
            return
        with self.lock:
            if not force and now - self.checked < REFRESH_SECONDS:
                return
            since = self.seq - SEQ_MARGIN if self.seq else 0
            while True:
                rows = ticket_vectors.rows_since(since, CHUNK)
                if rows:
                    self._apply(rows)
                if len(rows) < CHUNK:
                    break
                since = rows[-1][0]
            self.checked = time.monotonic()

    def __len__(self) -> int:
        return 0 if self.ids is None else len(self.ids)

    def nearest(self, vector: Any, n: int, skip: set[int]) -> list[tuple[int, float]]:
        """The ``n`` ids with the highest cosine to ``vector`` (unit vectors), best first."""
        import numpy as np

        if self.ids is None or not len(self.ids):
            return []
        vector = np.asarray(vector, dtype=np.float32)
        want = min(len(self.ids), n + len(skip))
        if self.basis is not None and len(self.coarse) == len(self.ids):
            rough = self.coarse @ (vector @ self.basis)
            pool = min(len(rough), max(COARSE_POOL, want))
            rows = np.argpartition(-rough, pool - 1)[:pool]
            exact = self.matrix[rows] @ vector
        else:
            rows = np.arange(len(self.ids))
            exact = self.matrix @ vector
        best = np.argpartition(-exact, want - 1)[:want]
        best = best[np.argsort(-exact[best], kind="stable")]
        top, scores = rows[best], exact[best]
        out = []
        for i, score in zip(top, scores, strict=True):
            ticket_id = int(self.ids[i])
            if ticket_id not in skip:
                out.append((ticket_id, float(score)))
            if len(out) == n:
                break
        return out


def get(app: Flask | None = None) -> VectorIndex:
    app = app or current_app._get_current_object()
    index = app.extensions.get(KEY)
    if index is None:
        index = app.extensions.setdefault(KEY, VectorIndex())
    index.refresh()
    return index
