"""The learner on sentence embeddings (numpy), used instead of the pure-Python one when the
embedding model is installed (``core.embeddings``).

Same contract as ``learner``: ``train(examples, vectors, rules)`` builds one model per field
from scratch, ``model.predict(subject, body, rules)`` answers, ``to_bytes``/``load`` store it
in the database. Per field: a class-balanced multinomial logistic regression on the ticket's
unit vector times √384 (about unit variance per dimension, as a standard scaler would make it)
plus the rules' answer one-hot, L2 with C = 1 on the summed loss (scikit-learn's default),
trained by full-batch gradient descent with Nesterov momentum (step size from the data's
largest curvature, so it cannot diverge). As in the pure learner, the rules' answer starts
``PRIOR_WEIGHT`` logits ahead, so with few corrections the model leans on the rules.

Measured while choosing the scale (Bitext file, first 2,500 shuffled rows; the two small
held-out samples in bench/data): scale 1 (C = 1 on unit vectors) follows the rules too long
(Bitext macro-F1 0.977 at 25 corrections → 0.987 at 500), 4 gives 0.987 → 0.995, √384 gives
0.995 → 0.998 but is below the rules on the short sample at 10–20 corrections (0.886 vs
0.909) — under ``LEARN_MIN_CORRECTIONS`` (50), and the held-back take-over guards the rest.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core import embeddings
from . import learner

ENGINE = "minilm-logreg"
FORMAT_VERSION = 1
ITERATIONS = 400
MOMENTUM = 0.9
#: Unit vectors are multiplied by this (see the module's docstring).
SCALE = embeddings.DIMENSIONS**0.5
#: Rule labels as features: (field initial, label) in a fixed order.
RULE_SLOTS = tuple((name[0], label) for name, labels in learner.FIELDS.items() for label in labels)


def _np():
    import numpy as np

    return np


def _features(vectors: Any, rules: Sequence[tuple[str, str]] | None) -> Any:
    np = _np()
    x = np.asarray(vectors, dtype=np.float32) * np.float32(SCALE)
    onehot = np.zeros((x.shape[0], len(RULE_SLOTS)), dtype=np.float32)
    if rules is not None:
        index = {slot: i for i, slot in enumerate(RULE_SLOTS)}
        for row, (category, priority) in enumerate(rules):
            for slot in (("c", category), ("p", priority)):
                if slot in index:
                    onehot[row, index[slot]] = 1.0
    return np.hstack([x, onehot])


def _softmax(z: Any) -> Any:
    np = _np()
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class FieldModel:
    labels: tuple[str, ...]
    weights: Any  # (features, classes) float32
    bias: Any  # (classes,)
    prior: dict[str, int] = field(default_factory=dict)  # rules' label -> class
    prior_weight: float = 0.0

    def offsets(self, answers: Sequence[str | None]) -> Any:
        np = _np()
        out = np.zeros((len(answers), len(self.labels)), dtype=np.float32)
        for row, answer in enumerate(answers):
            index = self.prior.get(answer or "")
            if index is not None:
                out[row, index] += self.prior_weight
        return out

    def probabilities(self, x: Any, answers: Sequence[str | None]) -> Any:
        return _softmax(x @ self.weights + self.bias + self.offsets(answers))


def fit_field(
    x: Any, targets: Sequence[str], answers: Sequence[str | None], prior: bool
) -> FieldModel | None:
    """Class-balanced softmax regression by gradient descent; None with fewer than 2 classes."""
    np = _np()
    labels = tuple(sorted(set(targets)))
    if len(labels) < 2:
        return None
    index = {label: i for i, label in enumerate(labels)}
    n, d = x.shape
    k = len(labels)
    y = np.zeros((n, k), dtype=np.float32)
    y[np.arange(n), [index[t] for t in targets]] = 1.0
    counts = y.sum(axis=0)
    sample_weight = (n / (k * counts))[[index[t] for t in targets]].astype(np.float32)[:, None]
    model = FieldModel(
        labels,
        np.zeros((d, k), dtype=np.float32),
        np.zeros(k, dtype=np.float32),
        {label: index[label] for label in labels} if prior else {},
        learner.PRIOR_WEIGHT if prior else 0.0,
    )
    offsets = model.offsets(answers)
    l2 = 1.0 / n  # C = 1 on the summed loss, as a mean
    # Softmax cross-entropy curves at most 1/2 * the largest eigenvalue of the (weighted) X'X/n.
    curvature = 0.5 * float(np.linalg.norm(x, 2)) ** 2 / n * float(sample_weight.max()) + l2
    rate = 1.0 / curvature
    w, b = model.weights, model.bias
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    for _ in range(ITERATIONS):
        lw, lb = w + MOMENTUM * vw, b + MOMENTUM * vb
        p = _softmax(x @ lw + lb + offsets)
        g = (p - y) * sample_weight / n
        gw = x.T @ g + l2 * lw
        gb = g.sum(axis=0)
        vw = MOMENTUM * vw - rate * gw
        vb = MOMENTUM * vb - rate * gb
        w, b = w + vw, b + vb
    model.weights, model.bias = w.astype(np.float32), b.astype(np.float32)
    return model


@dataclass
class VectorModel:
    fields: dict[str, FieldModel] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    uses_rules: bool = True
    engine: str = ENGINE

    def predict_vectors(
        self, vectors: Any, rules: Sequence[tuple[str, str]] | None
    ) -> list[dict[str, tuple[str, float]]]:
        """field -> (label, probability) per row of ``vectors``."""
        np = _np()
        used = rules if self.uses_rules else None
        x = _features(vectors, used)
        out: list[dict[str, tuple[str, float]]] = [{} for _ in range(x.shape[0])]
        for name, model in self.fields.items():
            position = list(learner.FIELDS).index(name)
            answers = [r[position] for r in used] if used is not None else [None] * x.shape[0]
            probs = model.probabilities(x, answers)
            best = np.argmax(probs, axis=1)
            for row, i in enumerate(best):
                out[row][name] = (model.labels[int(i)], float(probs[row, i]))
        return out

    def predict(
        self,
        subject: str,
        body: str,
        rules: tuple[str, str] | None = None,
        vector: Any | None = None,
    ) -> dict[str, tuple[str, float]]:
        if vector is None:
            embedder = embeddings.get()
            if embedder is None:
                raise embeddings.Unavailable("this model needs the embedding model")
            vector = embedder.embed_ticket(subject, body)
        return self.predict_vectors([vector], [rules] if rules is not None else None)[0]

    def to_bytes(self) -> bytes:
        np = _np()

        def pack(a: Any) -> str:
            return base64.b64encode(np.asarray(a, dtype="<f4").tobytes()).decode("ascii")

        data = {
            "format": FORMAT_VERSION,
            "engine": ENGINE,
            "embedding": embeddings.MODEL_ID,
            "uses_rules": self.uses_rules,
            "counts": self.counts,
            "fields": {
                name: {
                    "labels": list(m.labels),
                    "shape": list(m.weights.shape),
                    "weights": pack(m.weights),
                    "bias": pack(m.bias),
                    "prior": m.prior,
                    "prior_weight": m.prior_weight,
                }
                for name, m in self.fields.items()
            },
        }
        return zlib.compress(json.dumps(data, separators=(",", ":")).encode("utf-8"), 6)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> VectorModel:
        np = _np()
        if data.get("format") != FORMAT_VERSION or data.get("embedding") != embeddings.MODEL_ID:
            raise ValueError("stored model has another format; it must be retrained")

        def unpack(text: str, shape: Sequence[int]) -> Any:
            raw = np.frombuffer(base64.b64decode(text), dtype="<f4")
            return raw.reshape(shape).astype(np.float32)

        fields = {}
        for name, m in data["fields"].items():
            k = len(m["labels"])
            fields[name] = FieldModel(
                tuple(m["labels"]),
                unpack(m["weights"], m["shape"]),
                unpack(m["bias"], [k]),
                dict(m["prior"]),
                m["prior_weight"],
            )
        return cls(fields, data.get("counts", {}), data.get("uses_rules", True))


def train(
    examples: Iterable[learner.Example],
    vectors: Any,
    rules: Sequence[tuple[str, str]] | None = None,
) -> VectorModel:
    """A model trained from scratch on ``examples`` and their ``vectors`` (same order);
    ``rules``: the rules' (category, priority) per example, or None to learn without them."""
    examples = list(examples)
    x = _features(vectors, rules)
    model = VectorModel(uses_rules=rules is not None)
    for position, name in enumerate(learner.FIELDS):
        rows = [i for i, ex in enumerate(examples) if getattr(ex, name)]
        model.counts[name] = len(rows)
        if not rows:
            continue
        answers = [rules[i][position] for i in rows] if rules is not None else [None] * len(rows)
        fitted = fit_field(
            x[rows], [getattr(examples[i], name) for i in rows], answers, rules is not None
        )
        if fitted is not None:
            model.fields[name] = fitted
    return model
