"""The local fallback classifier: deterministic rules over ticket language, no network.

An engine and its data (see docs/triage-fallback.md):

- data, one module per language: ``cues_en`` (English cue rows and word lists) and ``cues_de``
  (German core words). Tuning a phrase is a diff there.
- engine: ``syntax`` (the cue pattern language, typo variants), ``tables`` (builds the lookup
  tables from the data, once per process), ``matching`` (tokens, greedy longest-phrase
  matching, negation -> evidence), ``decide`` (category and confidence, urgency and priority,
  sentiment, explanation), ``title`` (the suggested title), and ``classify`` here.

How it works:

1. The text is lower-cased, apostrophes dropped ("can't" -> "cant") and split into tokens;
   common typos of cue words ("pasword", "refnud", "acount") are mapped back to the word.
2. Tokens are matched greedily, longest phrase first, against two cue tables built once:
   *topic* cues (weights towards the categories) and *signal* cues (urgency points, tone
   points). Subject matches weigh more than body matches; a cue right after a negator
   ("no error", "not urgent") is discounted where that makes sense.
3. The category with the highest score wins; the confidence comes from how much matched and
   by how far the winner leads. No cue at all -> ``general`` with low confidence.
4. Urgency (0..100) is a base for the kind of ticket plus the strongest severity and impact
   cues minus dampeners; priority is the vocabulary's band for the urgency
   (``core.vocab.URGENCY_FLOORS``), critical only with a critical-class cue. Sentiment comes
   from tone cues, shouting in capitals and exclamation marks.

Nothing happens at import: the tables are built on first use or by ``warm_up()``.
"""

from __future__ import annotations

import time

from ...core.vocab import TriageSource
from ..result import TriageResult
from .decide import (
    decide_category,
    decide_priority,
    decide_sentiment,
    decide_urgency,
    explain,
    shouting,
)
from .matching import collect
from .tables import cue_tables
from .title import suggested_title

__all__ = ["MODEL", "classify", "suggested_title", "warm_up"]

MODEL = "fallback-v1"
_SOURCE = TriageSource.FALLBACK.value
#: Subject words say more about the ticket than any one body word.
SUBJECT_WEIGHT = 1.6
#: Only the first part of a very long body is read: enough to classify, bounded cost.
MAX_BODY_CHARS = 6000


def classify(subject: str, body: str, language: str | None = None) -> TriageResult:
    """Triage one ticket with the local rules: deterministic, offline, about 50 µs.

    ``language`` (ISO 639-1) is the ticket's language when the caller knows it; inside an app
    it is otherwise detected. A ticket in a language the rules do not read says so in its
    explanation, with a confidence to match, instead of guessing confidently.
    """
    started = time.perf_counter()
    subject = subject or ""
    body = (body or "")[:MAX_BODY_CHARS]
    ev = collect([(subject[:500], SUBJECT_WEIGHT), (body, 1.0)])
    category, confidence = decide_category(ev)
    caps, bangs = shouting(subject, body)
    words = len(subject.split()) + len(body.split())
    sentiment = decide_sentiment(ev, caps, bangs, words)
    urgency = decide_urgency(ev, category, sentiment)
    priority = decide_priority(urgency, max(ev.urgency_cues.values(), default=0.0))
    result = TriageResult(
        category=category,
        priority=priority,
        sentiment=sentiment,
        urgency_score=urgency,
        confidence=confidence,
        explanation=explain(ev, category, confidence, priority, urgency, sentiment),
        suggested_title=suggested_title(subject, body),
        source=_SOURCE,
        model=MODEL,
        latency_ms=round((time.perf_counter() - started) * 1000),
        extra={"scores": {c: round(s, 2) for c, s in ev.scores.items()}},
    )
    return language_note(result, language or _detected(subject, body))


#: The most a ticket in a language without cue tables may claim, and one with only core words.
FOREIGN_CONFIDENCE = 0.3
PARTIAL_CONFIDENCE = 0.6


def _detected(subject: str, body: str) -> str | None:
    from flask import current_app, has_app_context

    if not has_app_context() or "LANGUAGES" not in current_app.config:
        return None
    from ..language import detector, ticket_text

    return detector(current_app).detect(ticket_text(subject, body))


def language_note(result: TriageResult, language: str | None) -> TriageResult:
    """Say so when the ticket is not in English: the rules read English (and core German)."""
    result.language = language
    if not language or language == "en":
        return result
    from ..language import RULES_LANGUAGES, name

    if language in RULES_LANGUAGES:
        note = f"Written in {name(language)}: only its core ticket words are in the rules."
        cap = PARTIAL_CONFIDENCE
    else:
        note = (
            f"Written in {name(language)} ({language}), which the local rules do not read: "
            "a low-confidence guess."
        )
        cap = FOREIGN_CONFIDENCE
    result.confidence = min(result.confidence, cap)
    text = f"{note} {result.explanation}"
    result.explanation = text if len(text) <= 500 else text[:499] + "…"
    return result


def warm_up() -> None:
    """Build the cue tables now (about 0.2 s) so the first ticket is as fast as the rest."""
    cue_tables()
