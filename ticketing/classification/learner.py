"""The learner: a local model trained on the team's own corrections (pure Python, no numpy).

Every category or priority a person set is a labelled example. ``train(examples)`` builds one
linear model per field from scratch; ``LearnedModel.predict`` answers for a ticket. The same
code path serves live corrections (the worker trains it, ``learning.py`` stores it in the
database) and ``flask tickets evaluate --learn`` (trained on the first N rows of a file).

Features (hashed into ``BUCKETS`` slots, so the model has a fixed, bounded size):

- word unigrams and bigrams of the subject and the start of the body (subject words also as
  their own features: a subject says more than any one body word);
- character 3..5-grams of each distinct word, with word boundaries ("refund" also matches
  "refunded", "refnud" shares most of its n-grams): robust to typos and inflections;
- the local rules' answer for the ticket (its category and priority band), so that with few
  corrections the model starts from the rules' judgement and learns where the team differs.

Weighting is tf-idf (sublinear tf, idf from the training examples), each vector L2-normalised.
The model per field is a class-balanced multinomial logistic regression trained by a few
epochs of SGD with a decaying step; it is small (a dict of the buckets seen in training) and
serialises to compact JSON.
"""

from __future__ import annotations

import json
import math
import random
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from ..core.vocab import Category, Priority, values

#: The fields a model learns, and their labels.
FIELDS: dict[str, tuple[str, ...]] = {
    "category": values(Category),
    "priority": values(Priority),
}
ENGINE = "tfidf-logreg"
FORMAT_VERSION = 1
BUCKETS = 1 << 18
#: Characters of the body read (the start of a long e-mail says what it is about).
BODY_CHARS = 2000
EPOCHS = 12
#: How far ahead the rules' answer starts (logits); the corrections must outweigh it.
PRIOR_WEIGHT = 2.0
LEARNING_RATE = 0.5
L2 = 1e-4

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_DIGITS = re.compile(r"\d")


def _hash(text: str) -> int:
    """A stable hash (Python's ``hash`` of a str changes between processes)."""
    return zlib.crc32(text.encode("utf-8")) & (BUCKETS - 1)


def _words(text: str) -> list[str]:
    return [_DIGITS.sub("0", w.replace("'", "").replace("’", "")) for w in _WORD.findall(text)]


def raw_features(subject: str, body: str, rules: tuple[str, str] | None = None) -> Counter:
    """Hashed feature counts of one ticket (before idf weighting)."""
    subject = (subject or "").lower()
    body = (body or "")[:BODY_CHARS].lower()
    counts: Counter = Counter()
    subject_words = _words(subject)
    all_words = subject_words + _words(body)
    for w in subject_words:
        counts[_hash("s:" + w)] += 1
    for w in all_words:
        counts[_hash("w:" + w)] += 1
    for a, b in zip(all_words, all_words[1:], strict=False):
        counts[_hash(f"b:{a} {b}")] += 1
    for w in set(all_words):
        padded = f"<{w}>"
        size = len(padded)
        grams = {padded[i : i + n] for n in (3, 4, 5) for i in range(max(size - n + 1, 0))}
        for gram in grams:
            counts[_hash("c:" + gram)] += 1
    if rules is not None:
        # Strong, always-present evidence: as heavy as a few words.
        counts[_hash("r:c:" + rules[0])] += 3
        counts[_hash("r:p:" + rules[1])] += 3
    return counts


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled ticket: the text and whichever of its labels a person set."""

    subject: str
    body: str
    category: str | None = None
    priority: str | None = None


Features = dict[int, float]


def _weigh(counts: Counter, idf: dict[int, float], default_idf: float) -> Features:
    vec = {b: (1.0 + math.log(c)) * idf.get(b, default_idf) for b, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {b: v / norm for b, v in vec.items()}


@dataclass
class FieldModel:
    """A linear model for one field: ``weights[bucket][class]`` plus a bias per class.

    ``prior`` maps the bucket of "the rules said <label>" to that label's class: a ticket with
    it starts ``prior_weight`` ahead for the rules' answer, so the model learns only where the
    team differs from the rules (with few corrections it answers like them).
    """

    labels: tuple[str, ...]
    weights: dict[int, list[float]]
    bias: list[float]
    prior: dict[int, int] = field(default_factory=dict)
    prior_weight: float = 0.0

    def offset(self, vec: Features) -> list[float]:
        totals = list(self.bias)
        for bucket, index in self.prior.items():
            if bucket in vec:
                totals[index] += self.prior_weight
        return totals

    def scores(self, vec: Features) -> list[float]:
        totals = self.offset(vec)
        get = self.weights.get
        k = len(totals)
        for b, v in vec.items():
            row = get(b)
            if row is not None:
                for i in range(k):
                    totals[i] += row[i] * v
        return totals

    def predict(self, vec: Features) -> tuple[str, float]:
        """(label, probability) of the most likely class."""
        probs = _softmax(self.scores(vec))
        best = max(range(len(probs)), key=probs.__getitem__)
        return self.labels[best], probs[best]


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def fit_field(
    vectors: Sequence[Features],
    targets: Sequence[str],
    seed: int = 0,
    prior: dict[int, str] | None = None,
) -> FieldModel | None:
    """Class-balanced multinomial logistic regression by SGD; None with fewer than 2 classes.

    ``prior``: bucket of "the rules said <label>" -> label (see ``FieldModel``).
    """
    labels = tuple(sorted(set(targets)))
    if len(labels) < 2:
        return None
    index = {label: i for i, label in enumerate(labels)}
    k = len(labels)
    shell = FieldModel(
        labels,
        {},
        [0.0] * k,
        {b: index[label] for b, label in (prior or {}).items() if label in index},
        PRIOR_WEIGHT if prior else 0.0,
    )
    counts = Counter(targets)
    n = len(targets)
    class_weight = [n / (k * counts[label]) for label in labels]
    weights: dict[int, list[float]] = {}
    bias = [0.0] * k
    order = list(range(n))
    rng = random.Random(seed)  # noqa: S311 - a reproducible shuffle, not a secret
    step = 0
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for i in order:
            step += 1
            lr = LEARNING_RATE / (1.0 + 0.002 * step)
            vec = vectors[i]
            y = index[targets[i]]
            scores = shell.offset(vec)
            for c in range(k):
                scores[c] += bias[c]
            rows = []
            for b, v in vec.items():
                row = weights.get(b)
                if row is None:
                    row = weights[b] = [0.0] * k
                rows.append((row, v))
                for c in range(k):
                    scores[c] += row[c] * v
            probs = _softmax(scores)
            cw = class_weight[y]
            decay = 1.0 - lr * L2
            for c in range(k):
                g = (probs[c] - (1.0 if c == y else 0.0)) * cw * lr
                bias[c] -= g * 0.1
                for row, v in rows:
                    row[c] = row[c] * decay - g * v
    return FieldModel(labels, weights, bias, shell.prior, shell.prior_weight)


@dataclass
class LearnedModel:
    """Idf table and one model per field (a field without enough labels has none)."""

    idf: dict[int, float]
    default_idf: float
    fields: dict[str, FieldModel] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    uses_rules: bool = True
    engine: ClassVar[str] = ENGINE

    def predict(
        self, subject: str, body: str, rules: tuple[str, str] | None = None
    ) -> dict[str, tuple[str, float]]:
        """field -> (label, probability) for every field this model learned."""
        return self.predict_raw(raw_features(subject, body, rules if self.uses_rules else None))

    def predict_raw(self, counts: Counter) -> dict[str, tuple[str, float]]:
        """``predict`` for features already counted (``raw_features``)."""
        vec = _weigh(counts, self.idf, self.default_idf)
        return {name: model.predict(vec) for name, model in self.fields.items()}

    # ---------------------------------------------------------------- storage
    def to_bytes(self) -> bytes:
        """Compact, versioned, compressed JSON (weights rounded to 4 significant digits)."""
        data = {
            "format": FORMAT_VERSION,
            "engine": ENGINE,
            "buckets": BUCKETS,
            "uses_rules": self.uses_rules,
            "default_idf": round(self.default_idf, 4),
            "idf": {str(b): round(v, 3) for b, v in self.idf.items()},
            "counts": self.counts,
            "fields": {
                name: {
                    "labels": list(m.labels),
                    "bias": [round(x, 5) for x in m.bias],
                    "prior": {str(b): i for b, i in m.prior.items()},
                    "prior_weight": m.prior_weight,
                    "weights": {
                        str(b): [float(f"{x:.4g}") for x in row]
                        for b, row in m.weights.items()
                        if any(abs(x) > 1e-4 for x in row)
                    },
                }
                for name, m in self.fields.items()
            },
        }
        return zlib.compress(json.dumps(data, separators=(",", ":")).encode("utf-8"), 6)

    @classmethod
    def from_bytes(cls, blob: bytes) -> LearnedModel:
        data = json.loads(zlib.decompress(blob).decode("utf-8"))
        if data.get("format") != FORMAT_VERSION or data.get("buckets") != BUCKETS:
            raise ValueError("stored model has another format; it must be retrained")
        return cls(
            idf={int(b): v for b, v in data["idf"].items()},
            default_idf=data["default_idf"],
            fields={
                name: FieldModel(
                    tuple(m["labels"]),
                    {int(b): row for b, row in m["weights"].items()},
                    m["bias"],
                    {int(b): i for b, i in m.get("prior", {}).items()},
                    m.get("prior_weight", 0.0),
                )
                for name, m in data["fields"].items()
            },
            counts=data.get("counts", {}),
            uses_rules=data.get("uses_rules", True),
        )


RulesFn = Callable[[str, str], tuple[str, str]]


def rules_answer(subject: str, body: str) -> tuple[str, str]:
    """The local rules' (category, priority) for a ticket: a feature of the learner."""
    from . import fallback

    result = fallback.classify(subject, body, language="en")
    return result.category, result.priority


def train(
    examples: Iterable[Example],
    seed: int = 0,
    rules: RulesFn | None = rules_answer,
    raw: Sequence[Counter] | None = None,
) -> LearnedModel:
    """A model trained from scratch on ``examples`` (the live path and ``evaluate --learn``).

    ``raw`` may hold the examples' ``raw_features`` already computed (evaluate reuses them).
    """
    examples = list(examples)
    if raw is None:
        raw = [
            raw_features(ex.subject, ex.body, rules(ex.subject, ex.body) if rules else None)
            for ex in examples
        ]
    n = len(examples)
    df: Counter = Counter()
    for counts in raw:
        df.update(counts.keys())
    idf = {b: math.log((1 + n) / (1 + d)) + 1.0 for b, d in df.items()}
    default_idf = math.log(1 + n) + 1.0
    vectors = [_weigh(counts, idf, default_idf) for counts in raw]
    model = LearnedModel(idf=idf, default_idf=default_idf, uses_rules=rules is not None)
    for name in FIELDS:
        picked = [(v, getattr(ex, name)) for v, ex in zip(vectors, examples, strict=True)]
        picked = [(v, y) for v, y in picked if y]
        model.counts[name] = len(picked)
        prior = (
            {_hash(f"r:{name[0]}:{label}"): label for label in FIELDS[name]}
            if rules is not None
            else None
        )
        fitted = fit_field([v for v, _ in picked], [y for _, y in picked], seed, prior)
        if fitted is not None:
            model.fields[name] = fitted
    return model
