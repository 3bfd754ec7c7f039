"""The lookup tables the matcher reads, built once per process from the per-language cue data.

``cue_tables()`` expands every readable cue row (``cues_en``, ``cues_de``) into its phrases, merges
phrases that several rows produce, indexes phrases by their first token and derives the typo
map. It runs on first use (or ``warm_up()``), never at import.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from ...core.vocab import Category
from . import cues_de, cues_en
from .cues_en import NEGATORS, PROTECTED_WORDS
from .syntax import expand, typo_variants

#: The cue data, one module per language. Each defines ``TOPIC_CUES`` (pattern,
#: {category: weight}, negatable), ``SIGNAL_CUES`` (pattern, urgency, anger, frustration,
#: politeness, negatable) and ``TYPO_VARIANTS`` (whether typos of its words are recognised).
#: Order matters only where two rows give one phrase equally strong readings: the first wins.
LANGUAGES: tuple[ModuleType, ...] = (cues_en, cues_de)

Phrase = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Topic:
    """What a topic phrase says about the category: a weight towards one or more of them."""

    label: str
    weights: tuple[tuple[Category, float], ...]
    negatable: bool


@dataclass(frozen=True, slots=True)
class Signal:
    """What a signal phrase says about urgency and tone."""

    label: str
    urgency: float
    anger: float
    frustration: float
    politeness: float
    negatable: bool


@dataclass(slots=True)
class Tables:
    """Phrase -> cue maps (one-token phrases also under the bare token) and the typo map."""

    topic: dict
    #: first token -> the lengths of the phrases starting with it, longest first
    topic_starts: dict[str, tuple[int, ...]]
    signal: dict
    signal_starts: dict[str, tuple[int, ...]]
    typos: dict[str, str]


def _merge_topics(rows: Iterable[tuple]) -> dict[Phrase, Topic]:
    """One ``Topic`` per phrase; a phrase from several rows keeps each category's top weight
    and is negatable only if every row says so."""
    weights_of: dict[Phrase, dict[Category, float]] = {}
    negatable: dict[Phrase, bool] = {}
    for pattern, weights, row_negatable in rows:
        for phrase in expand(pattern):
            merged = weights_of.setdefault(phrase, {})
            for cat, weight in weights.items():
                merged[cat] = max(merged.get(cat, 0.0), weight)
            negatable[phrase] = negatable.get(phrase, True) and row_negatable
    return {
        phrase: Topic(" ".join(phrase), tuple(sorted(weights.items())), negatable[phrase])
        for phrase, weights in weights_of.items()
    }


def _merge_signals(rows: Iterable[tuple]) -> dict[Phrase, Signal]:
    """One ``Signal`` per phrase; a phrase from several rows keeps the strongest reading
    (largest magnitude) of each figure and is negatable only if every row says so."""
    points_of: dict[Phrase, tuple[float, ...]] = {}
    negatable: dict[Phrase, bool] = {}
    for pattern, urgency, anger, frustration, politeness, row_negatable in rows:
        points = (urgency, anger, frustration, politeness)
        for phrase in expand(pattern):
            current = points_of.get(phrase)
            if current is None:
                points_of[phrase] = points
            else:
                points_of[phrase] = tuple(
                    max(a, b, key=abs) for a, b in zip(current, points, strict=True)
                )
            negatable[phrase] = negatable.get(phrase, True) and row_negatable
    return {
        phrase: Signal(" ".join(phrase), *points, negatable[phrase])
        for phrase, points in points_of.items()
    }


def _tokens_of(rows: Iterable[tuple]) -> set[str]:
    return {tok for pattern, *_ in rows for phrase in expand(pattern) for tok in phrase}


def _typo_exempt() -> set[str]:
    """Words of languages without typo variants that no language with them also uses."""
    rows_by_flag: dict[bool, list[tuple]] = {True: [], False: []}
    for language in LANGUAGES:
        rows_by_flag[language.TYPO_VARIANTS] += language.TOPIC_CUES + language.SIGNAL_CUES
    return _tokens_of(rows_by_flag[False]) - _tokens_of(rows_by_flag[True])


def _typo_map(vocabulary: set[str], exempt: set[str]) -> dict[str, str]:
    """Misspelling -> cue word, for cue words of 5+ letters.

    A variant that is a cue word itself, a protected ordinary word, shorter than 5 letters,
    or a variant of two different cue words is left out.
    """
    typos: dict[str, str] = {}
    ambiguous: set[str] = set()
    for word in sorted(vocabulary):
        if len(word) < 5 or not word.isalpha() or word in NEGATORS or word in exempt:
            continue
        for variant in typo_variants(word):
            if variant in vocabulary or variant in PROTECTED_WORDS or len(variant) < 5:
                continue
            if variant in typos and typos[variant] != word:
                ambiguous.add(variant)
            typos[variant] = word
    for variant in ambiguous:
        del typos[variant]
    return typos


def _starts(phrases: dict) -> dict[str, tuple[int, ...]]:
    lengths: dict[str, set[int]] = {}
    for phrase in phrases:
        if isinstance(phrase, tuple):
            lengths.setdefault(phrase[0], set()).add(len(phrase))
    return {tok: tuple(sorted(ls, reverse=True)) for tok, ls in lengths.items()}


def _with_bare_tokens(cues: dict) -> dict:
    """Also file each one-token phrase under its plain token (no tuple to build when matching)."""
    cues.update({phrase[0]: cue for phrase, cue in list(cues.items()) if len(phrase) == 1})
    return cues


@cache
def cue_tables() -> Tables:
    """Build the phrase dictionaries once per process (on first use, not at import)."""
    topic = _merge_topics(itertools.chain.from_iterable(lang.TOPIC_CUES for lang in LANGUAGES))
    signal = _merge_signals(itertools.chain.from_iterable(lang.SIGNAL_CUES for lang in LANGUAGES))
    vocabulary = {tok for phrase in itertools.chain(topic, signal) for tok in phrase}
    typos = _typo_map(vocabulary, _typo_exempt())
    topic_cues, signal_cues = _with_bare_tokens(topic), _with_bare_tokens(signal)
    return Tables(
        topic=topic_cues,
        topic_starts=_starts(topic_cues),
        signal=signal_cues,
        signal_starts=_starts(signal_cues),
        typos=typos,
    )
