"""Score a classifier against a labelled CSV: accuracy, macro-F1, per-class figures, speed.

The CSV needs the columns ``subject, body, category`` and may have ``priority``; other columns
are ignored. It is streamed row by row, so a file of any size runs in constant memory.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.vocab import Category, Priority, values
from .result import TriageResult

REQUIRED_COLUMNS = ("subject", "body", "category")
Classifier = Callable[[str, str], TriageResult]


class EvaluationError(ValueError):
    """The file cannot be scored: missing, unreadable, wrong header or a bad label."""


@dataclass(frozen=True, slots=True)
class LabelledTicket:
    line: int
    subject: str
    body: str
    category: str
    priority: str | None


def _label(value: str | None, allowed: tuple[str, ...], column: str, line: int) -> str | None:
    label = (value or "").strip().lower()
    if not label:
        return None
    if label not in allowed:
        raise EvaluationError(f"line {line}: {column} {value!r} is not one of {', '.join(allowed)}")
    return label


def read_labelled_csv(path: str | Path) -> Iterator[LabelledTicket]:
    """Yield the labelled tickets of ``path`` one by one, validating as it goes.

    Raises EvaluationError for a missing file, a header without the required columns,
    a row without a category, or a label outside the taxonomy (naming the line).
    """
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as err:
        raise EvaluationError(f"cannot open {path}: {err.strerror or err}") from err
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames
        except (UnicodeDecodeError, csv.Error) as err:
            raise EvaluationError(f"{path} is not a readable UTF-8 CSV file: {err}") from err
        if not header:
            raise EvaluationError(f"{path} is empty: expected a header row")
        columns = {(name or "").strip().lower(): name for name in header}
        missing = [col for col in REQUIRED_COLUMNS if col not in columns]
        if missing:
            raise EvaluationError(
                f"{path}: header lacks column(s) {', '.join(missing)} "
                f"(found: {', '.join(h or '?' for h in header)}; "
                f"need: subject, body, category[, priority])"
            )
        subject_col, body_col, cat_col = (columns[c] for c in REQUIRED_COLUMNS)
        priority_col = columns.get("priority")
        try:
            for row in reader:
                line = reader.line_num
                category = _label(row.get(cat_col), values(Category), "category", line)
                if category is None:
                    raise EvaluationError(f"line {line}: category is empty")
                priority = (
                    _label(row.get(priority_col), values(Priority), "priority", line)
                    if priority_col
                    else None
                )
                yield LabelledTicket(
                    line=line,
                    subject=row.get(subject_col) or "",
                    body=row.get(body_col) or "",
                    category=category,
                    priority=priority,
                )
        except (UnicodeDecodeError, csv.Error) as err:
            raise EvaluationError(
                f"{path}: unreadable CSV near line {reader.line_num}: {err}"
            ) from err


class _Scores:
    """Confusion counts for one field, over a fixed label order."""

    def __init__(self, labels: tuple[str, ...]):
        self.labels = labels
        self.confusion = {t: dict.fromkeys(labels, 0) for t in labels}
        self.n = 0

    def add(self, truth: str, predicted: str) -> None:
        self.confusion[truth][predicted] += 1
        self.n += 1

    def report(self) -> dict[str, Any]:
        """accuracy, macro_f1, per_class, confusion (rows = true label, columns = predicted).

        Macro-F1 averages over every label that occurs in the truth or the predictions
        (scikit-learn's default), so predicting a class the file never uses costs F1.
        """
        per_class: dict[str, dict[str, float | int]] = {}
        correct = 0
        f1s = []
        for label in self.labels:
            tp = self.confusion[label][label]
            support = sum(self.confusion[label].values())
            predicted = sum(self.confusion[t][label] for t in self.labels)
            correct += tp
            precision = tp / predicted if predicted else 0.0
            recall = tp / support if support else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            per_class[label] = {
                "precision": round(precision, 4),
                "recall": round(recall, 4),
                "f1": round(f1, 4),
                "support": support,
                "predicted": predicted,
            }
            if support or predicted:
                f1s.append(f1)
        return {
            "n": self.n,
            "accuracy": round(correct / self.n, 4) if self.n else 0.0,
            "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
            "per_class": per_class,
            "confusion": {t: dict(row) for t, row in self.confusion.items()},
        }


def evaluate(
    tickets: Iterable[LabelledTicket],
    classifier: Classifier,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Run ``classifier`` over ``tickets`` and return the figures as flat dotted keys.

    ``tickets_per_second`` counts only the time spent inside the classifier.
    """
    category = _Scores(values(Category))
    priority = _Scores(values(Priority))
    spent = 0.0
    clock = time.perf_counter
    for ticket in tickets:
        started = clock()
        try:
            result = classifier(ticket.subject, ticket.body)
        except Exception as err:  # noqa: BLE001 - reported with the line, never half a report
            raise EvaluationError(
                f"line {ticket.line}: the classifier failed: {type(err).__name__}: {err}"
            ) from err
        spent += clock() - started
        known = result.category in values(Category)
        predicted_category = result.category if known else Category.GENERAL.value
        category.add(ticket.category, predicted_category)
        if ticket.priority is not None:
            known = result.priority in values(Priority)
            predicted_priority = result.priority if known else Priority.MEDIUM.value
            priority.add(ticket.priority, predicted_priority)
        if progress is not None:
            progress(1)
    if category.n == 0:
        raise EvaluationError("the file has a header but no rows to score")
    figures: dict[str, Any] = {"n": category.n}
    for key, value in category.report().items():
        if key != "n":
            figures[f"category.{key}"] = value
    if priority.n:
        for key, value in priority.report().items():
            figures[f"priority.{key}"] = value
    figures["classifier_seconds"] = round(spent, 4)
    figures["tickets_per_second"] = round(category.n / spent, 1) if spent > 0 else None
    return figures


def evaluate_file(
    path: str | Path, classifier: Classifier, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Score ``classifier`` on the CSV at ``path`` (see ``evaluate`` for the keys)."""
    return evaluate(read_labelled_csv(path), classifier, progress)


def format_report(figures: dict[str, Any], title: str = "") -> str:
    """The figures as a human-readable text report (tables for per-class and confusion)."""
    lines = []
    if title:
        lines.append(title)
    lines.append(f"Rows scored: {figures['n']}")
    for field in ("category", "priority"):
        if f"{field}.accuracy" not in figures:
            if field == "priority":
                lines.append("Priority: not scored (no priority labels in the file)")
            continue
        n = figures.get(f"{field}.n", figures["n"])
        lines.append("")
        lines.append(
            f"{field.capitalize()} (n={n}): accuracy {figures[f'{field}.accuracy']:.3f}, "
            f"macro-F1 {figures[f'{field}.macro_f1']:.3f}"
        )
        per_class = figures[f"{field}.per_class"]
        lines.append(f"  {'class':<10} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}")
        for label, row in per_class.items():
            lines.append(
                f"  {label:<10} {row['precision']:>9.3f} {row['recall']:>7.3f} "
                f"{row['f1']:>6.3f} {row['support']:>8}"
            )
        confusion = figures[f"{field}.confusion"]
        labels = list(confusion)
        lines.append("  confusion (rows = true, columns = predicted)")
        lines.append("  " + " " * 10 + "".join(f"{lab[:9]:>10}" for lab in labels))
        for truth in labels:
            lines.append(f"  {truth:<10}" + "".join(f"{confusion[truth][p]:>10}" for p in labels))
    lines.append("")
    tps = figures.get("tickets_per_second")
    lines.append(f"Speed: {tps:,.0f} tickets/s" if tps else "Speed: n/a")
    return "\n".join(lines)


def parse_sizes(text: str) -> tuple[int, ...]:
    """``"50,100,200"`` -> (50, 100, 200): positive, ascending, without repeats."""
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError as err:
        raise EvaluationError(f"--learn takes numbers separated by commas, not {text!r}") from err
    if not sizes or sizes[0] <= 0:
        raise EvaluationError("--learn takes positive numbers of corrections, e.g. 50,100,200")
    return tuple(sizes)


#: ``--engine`` choices: the product's own choice, or one of the two learners.
ENGINES = ("auto", "tfidf", "embeddings")


def learning_curve(
    tickets: Iterable[LabelledTicket],
    sizes: Iterable[int],
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    engine: str = "auto",
) -> list[dict[str, Any]]:
    """How the product's learner does after N corrections, for each N in ``sizes``.

    The rows are shuffled with ``seed``; for each N the learner is trained from scratch
    (``learning.train_model``, the code path live corrections take) on the first N rows'
    labels and scores the rows after N. A size that leaves no row to score is left out.
    ``engine``: ``auto`` (embeddings when installed, as live), ``tfidf`` or ``embeddings``.
    """
    import random

    from . import learner, learning

    rows = list(tickets)
    if not rows:
        raise EvaluationError("the file has a header but no rows to score")
    use_vectors = learning.uses_vectors(engine)
    random.Random(seed).shuffle(rows)  # noqa: S311 - a reproducible shuffle
    rules = []
    raw = []
    for row in rows:
        answer = learner.rules_answer(row.subject, row.body)
        rules.append(answer)
        if not use_vectors:
            raw.append(learner.raw_features(row.subject, row.body, answer))
        if progress is not None:
            progress(1)
    vectors = learning.embed_rows([(r.subject, r.body) for r in rows]) if use_vectors else None
    curve = []
    for size in sizes:
        if size >= len(rows):
            continue
        examples = [learner.Example(r.subject, r.body, r.category, r.priority) for r in rows[:size]]
        if use_vectors:
            model = learning.train_model(
                examples, seed, vectors=vectors[:size], rules=rules[:size], engine=engine
            )
            predictions = model.predict_vectors(vectors[size:], rules[size:])
        else:
            model = learning.train_model(examples, seed, raw=raw[:size], engine=engine)
            predictions = [model.predict_raw(counts) for counts in raw[size:]]
        scores = {"category": _Scores(values(Category)), "priority": _Scores(values(Priority))}
        for row, predicted in zip(rows[size:], predictions, strict=True):
            for name, scored in scores.items():
                truth = getattr(row, name)
                if truth is not None and name in predicted:
                    scored.add(truth, predicted[name][0])
        point: dict[str, Any] = {
            "corrections": size,
            "n_scored": len(rows) - size,
            "engine": model.engine,
        }
        for name, scored in scores.items():
            if scored.n:
                report = scored.report()
                point[name] = {"macro_f1": report["macro_f1"], "accuracy": report["accuracy"]}
            else:
                point[name] = None
        curve.append(point)
    return curve


def format_curve(curve: list[dict[str, Any]]) -> str:
    """The learning curve as a small text table."""
    lines = [
        "",
        "Learning curve (learner trained on the first N shuffled rows, scored on the rest)",
    ]
    lines.append(
        f"  {'N':>6} {'scored':>7} {'cat F1':>7} {'cat acc':>8} {'pri F1':>7} {'pri acc':>8}"
    )
    for point in curve:
        cells = []
        for name in ("category", "priority"):
            figures = point[name]
            cells += (
                [f"{figures['macro_f1']:.3f}", f"{figures['accuracy']:.3f}"]
                if figures
                else ["-", "-"]
            )
        lines.append(
            f"  {point['corrections']:>6} {point['n_scored']:>7} {cells[0]:>7} {cells[1]:>8} "
            f"{cells[2]:>7} {cells[3]:>8}"
        )
    if not curve:
        lines.append("  (every size is at least the number of rows: nothing left to score)")
    return "\n".join(lines)
