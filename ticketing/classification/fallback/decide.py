"""Deciding: evidence -> category and confidence, urgency and priority, sentiment, explanation.

The numbers here are the algorithm's calibration (how evidence is weighed), not cue data.
"""

from __future__ import annotations

import re

from ...core.vocab import Category, Priority, Sentiment, priority_for_urgency
from .cues_en import ACRONYMS
from .matching import CATEGORY_VALUES, Evidence

#: Urgency a ticket starts from before cues, by category.
BASE_URGENCY = {
    Category.TECHNICAL: 30.0,
    Category.BILLING: 32.0,
    Category.ACCOUNT: 30.0,
    Category.GENERAL: 20.0,
}
#: Urgency added by the customer's tone: an angry customer is an escalation risk.
TONE_URGENCY = {
    Sentiment.ANGRY: 10,
    Sentiment.FRUSTRATED: 4,
    Sentiment.NEUTRAL: 0,
    Sentiment.CALM: 0,
}
#: On a tie the specific business topic wins over a generic failure word.
TIE_ORDER = (Category.BILLING, Category.ACCOUNT, Category.GENERAL, Category.TECHNICAL)
#: Only a cue at least this strong (outage, data loss, security, everyone affected) may make a
#: ticket critical; a pile of lesser cues (urgent + deadline + locked out) stops at high.
CRITICAL_CUE = 40

_CAPS_WORD = re.compile(r"\b[A-Z][A-Z']{2,}\b")


def decide_category(ev: Evidence) -> tuple[str, float]:
    """The best-scoring category and an honest confidence (how much matched, how clear a lead)."""
    ranked = sorted(CATEGORY_VALUES, key=lambda c: (-ev.scores[c], TIE_ORDER.index(c)))
    top, second = ranked[0], ranked[1]
    s1, s2 = ev.scores[top], ev.scores[second]
    if s1 < 1.0:
        # Nothing (or next to nothing) matched: a general ticket, and we say we are unsure.
        return Category.GENERAL.value, round(0.2 + 0.1 * s1, 2)
    evidence = 1.0 - 2.718281828 ** (-s1 / 4.0)  # how much matched: 0..1
    lead = (s1 - s2) / s1  # by how far the winner leads: 0..1
    confidence = 0.25 + 0.7 * evidence * (0.35 + 0.65 * lead)
    return top, round(min(confidence, 0.95), 2)


def decide_urgency(ev: Evidence, category: str, sentiment: str) -> int:
    """0..100: the category's base plus the strongest severity cues minus dampeners and tone."""
    # Cues worth the same points are one kind of evidence ("error", "failed", "wrong" ...):
    # count each kind once, so a long list of small complaints does not add up to an outage.
    kinds = set(ev.urgency_cues.values())
    positives = sorted((v for v in kinds if v > 0), reverse=True)
    negatives = sorted(v for v in kinds if v < 0)
    total = BASE_URGENCY[category]
    for rank, value in enumerate(positives[:4]):
        total += value * (1.0, 0.5, 0.3, 0.2)[rank]
    for rank, value in enumerate(negatives[:3]):
        total += value * (1.0, 0.5, 0.25)[rank]
    total += TONE_URGENCY[sentiment]
    return max(0, min(100, round(total)))


def decide_priority(urgency: int, strongest_cue: float) -> str:
    """The vocabulary's band for ``urgency``; critical also needs one critical-class cue."""
    priority = priority_for_urgency(urgency)
    if priority == Priority.CRITICAL and strongest_cue < CRITICAL_CUE:
        return Priority.HIGH.value
    return priority


def shouting(*texts: str) -> tuple[int, int]:
    """(words in capitals that are not acronyms, exclamation marks)."""
    caps = 0
    bangs = 0
    for text in texts:
        if not text:
            continue
        bangs += text.count("!")
        for word in _CAPS_WORD.findall(text):
            if word.replace("'", "") not in ACRONYMS:
                caps += 1
    return caps, bangs


def decide_sentiment(ev: Evidence, caps: int, bangs: int, words: int) -> str:
    """The customer's tone; shouting and ``!!!`` are named in ``ev.tone_cues`` when they count."""
    anger, frustration = ev.anger, ev.frustration
    if caps >= 3 and caps >= 0.3 * max(words, 1) or caps >= 6:
        anger += 1.5
        ev.tone_cues["capitals"] = 1.5
    if bangs >= 3:
        anger += 1.0
        ev.tone_cues["!!!"] = 1.0
    elif bangs:
        frustration += 0.3
    if anger >= 2.4 or (anger >= 1.5 and frustration >= 1.5):
        return Sentiment.ANGRY.value
    if anger + frustration >= 1.0:
        return Sentiment.FRUSTRATED.value
    if ev.politeness >= 1.0:
        return Sentiment.CALM.value
    return Sentiment.NEUTRAL.value


def _top(cues: dict[str, float], limit: int) -> list[str]:
    ranked = sorted(cues.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    return [f"'{label}'" for label, _ in ranked[:limit]]


def _words(cues: list[str]) -> str:
    """'a', 'b' and 'c' (the cues as a person would list them)."""
    if len(cues) <= 1:
        return "".join(cues)
    return f"{', '.join(cues[:-1])} and {cues[-1]}"


def _explain_category(ev: Evidence, category: str) -> list[str]:
    cat_cues = _top(ev.cues[category], 5)
    name = category.capitalize()
    if cat_cues:
        parts = [f"{name}: it mentions {_words(cat_cues)}."]
    else:
        parts = [f"It matched no topic cues, so it is filed as {name}."]
    runner_up = max(
        (c for c in CATEGORY_VALUES if c != category),
        key=lambda c: (ev.scores[c], -TIE_ORDER.index(c)),
    )
    if ev.scores[runner_up] > 0:
        parts.append(
            f"It also reads a little like {runner_up} "
            f"({_words(_top(ev.cues[runner_up], 2))}), but less so."
        )
    return parts


def _explain_priority(ev: Evidence, priority: str, urgency: int) -> str:
    urgency_up = {k: v for k, v in ev.urgency_cues.items() if v > 0}
    urgency_down = {k: v for k, v in ev.urgency_cues.items() if v < 0}
    text = f"{priority.capitalize()} priority: urgency {urgency} of 100"
    if urgency_up:
        text += f", raised by {_words(_top(urgency_up, 3))}"
    if urgency_down:
        text += f", lowered by {_words(_top(urgency_down, 2))}"
    return text + "."


def explain(
    ev: Evidence,
    category: str,
    confidence: float,
    priority: str,
    urgency: int,
    sentiment: str,
) -> str:
    """Short plain sentences (at most 500 characters) naming the words behind each decision.
    The confidence is shown beside the result, so it is not repeated here."""
    parts = _explain_category(ev, category)
    parts.append(_explain_priority(ev, priority, urgency))
    tone = _top(ev.tone_cues, 3)
    if sentiment == Sentiment.NEUTRAL.value or not tone:
        parts.append(f"The tone reads {sentiment}.")
    else:
        parts.append(f"The tone reads {sentiment} ({_words(tone)}).")
    if ev.negated:
        negated = list(dict.fromkeys(ev.negated))[:3]
        parts.append(f"Ignored negated words: {_words([repr(n) for n in negated])}.")
    text = " ".join(parts)
    return text if len(text) <= 500 else text[:499] + "…"
