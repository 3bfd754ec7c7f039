"""Matching: ticket text -> tokens -> the cues found in it, gathered as evidence.

Tokens are matched greedily, longest phrase first, against the topic and signal tables; a
negatable cue right after a negator ("no error", "not urgent") is set aside and named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...core.vocab import Category, values
from .cues_en import NEGATION_FILLERS, NEGATORS
from .syntax import TOKEN
from .tables import Tables, cue_tables

_APOSTROPHES = re.compile(r"['\u2019\u2018`´]")
#: The category values in vocabulary order, as plain strings (cheaper per ticket than the
#: enum class; a member and its value are the same dict key).
CATEGORY_VALUES: tuple[str, ...] = values(Category)


def tokens(text: str, typos: dict[str, str]) -> list[str]:
    """Lower-cased tokens without apostrophes ("can't" -> "cant"), known typos mapped back."""
    found = TOKEN.findall(_APOSTROPHES.sub("", text.lower()))
    get = typos.get
    return [get(tok, tok) for tok in found]


def negated(tokens: list[str], start: int) -> bool:
    """True when a negator stands right before position ``start`` (one filler allowed)."""
    if start >= 1 and tokens[start - 1] in NEGATORS:
        return True
    return start >= 2 and tokens[start - 1] in NEGATION_FILLERS and tokens[start - 2] in NEGATORS


def scan(tokens: list[str], phrases: dict, starts: dict[str, tuple[int, ...]]) -> list:
    """Greedy longest-phrase matches, left to right: [(cue, start index), ...].

    ``phrases`` holds n-token phrases under their token tuple and one-token ones under the
    plain token as well (no tuple to build for the commonest case).
    """
    found = []
    n = len(tokens)
    resume = 0
    get_lengths, get_cue = starts.get, phrases.get
    for i, token in enumerate(tokens):
        if i < resume:
            continue
        lengths = get_lengths(token)
        if lengths is None:
            continue
        for length in lengths:
            if length == 1:
                cue = get_cue(token)
            elif i + length <= n:
                cue = get_cue(tuple(tokens[i : i + length]))
            else:
                continue
            if cue is not None:
                found.append((cue, i))
                resume = i + length
                break
    return found


@dataclass(slots=True)
class Evidence:
    """Everything the cues of one ticket said, for the decisions and the explanation."""

    scores: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CATEGORY_VALUES, 0.0))
    #: category -> cue label -> contribution
    cues: dict[str, dict[str, float]] = field(
        default_factory=lambda: {cat: {} for cat in CATEGORY_VALUES}
    )
    negated: list[str] = field(default_factory=list)
    urgency_cues: dict[str, float] = field(default_factory=dict)
    anger: float = 0.0
    frustration: float = 0.0
    politeness: float = 0.0
    tone_cues: dict[str, float] = field(default_factory=dict)


def _add_topics(ev: Evidence, tokens: list[str], weight: float, t: Tables) -> None:
    seen: dict[str, int] = {}
    for cue, start in scan(tokens, t.topic, t.topic_starts):
        if cue.negatable and negated(tokens, start):
            ev.negated.append(cue.label)
            continue
        # The same cue repeated adds less and less: 1, 1/2, 1/3 ...
        repeat = seen.get(cue.label, 0) + 1
        seen[cue.label] = repeat
        for cat, w in cue.weights:
            gain = w * weight / repeat
            ev.scores[cat] += gain
            ev.cues[cat][cue.label] = ev.cues[cat].get(cue.label, 0.0) + gain


def _add_signals(ev: Evidence, tokens: list[str], t: Tables) -> None:
    for cue, start in scan(tokens, t.signal, t.signal_starts):
        if cue.negatable and negated(tokens, start):
            ev.negated.append(cue.label)
            continue
        if cue.urgency:
            ev.urgency_cues[cue.label] = max(
                ev.urgency_cues.get(cue.label, 0.0), cue.urgency, key=abs
            )
        if cue.anger or cue.frustration or cue.politeness:
            ev.anger += cue.anger
            ev.frustration += cue.frustration
            ev.politeness += cue.politeness
            if cue.anger or cue.frustration:
                ev.tone_cues[cue.label] = cue.anger + cue.frustration


def collect(parts: list[tuple[str, float]]) -> Evidence:
    """The evidence in ``parts`` — (text, weight) pairs such as (subject, 1.6), (body, 1.0)."""
    t = cue_tables()
    ev = Evidence()
    for text, weight in parts:
        if not text:
            continue
        toks = tokens(text, t.typos)
        _add_topics(ev, toks, weight, t)
        _add_signals(ev, toks, t)
    return ev
