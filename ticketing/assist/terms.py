"""Words of a ticket as comparable terms, and how alike two tickets' terms are.

Engine-independent on purpose: the engines (PostgreSQL ``tsvector``, SQLite FTS5) pick the
candidates fast; this module scores them the same way on both, so a score means the same
thing everywhere and the "why" (the shared words) is what a person would recognise.
Terms are Snowball English stems (what PostgreSQL's ``english`` configuration stores) of the
words a ticket uses, less stop words and support small talk; a subject word counts twice.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache

import snowballstemmer

WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)
#: A subject word weighs this much more than a body word.
SUBJECT_WEIGHT = 2
MIN_LENGTH = 2

STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can cannot could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in into
    is it its itself just let me more most my myself no nor not now of off on once only or other
    our ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    also get got still yet one two ve ll re don didn doesn isn wasn can't i'm it's
    hi hello hey dear thanks thank thx please regards best cheers team support hope kind
    sincerely greetings""".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    """The words of ``text`` worth comparing: lowercase, no stop words, no numbers."""
    found = (w.strip("'-").lower() for w in WORD.findall(text or ""))
    return [w for w in found if len(w) >= MIN_LENGTH and w not in STOP_WORDS]


@dataclass(frozen=True)
class Terms:
    """A ticket's terms: weights by stem, and for each stem the first word that gave it."""

    weights: dict[str, float]
    shown: dict[str, str]

    @cached_property
    def norm(self) -> float:
        """Computed once per Terms (``terms_of`` hands the same one out for the same text)."""
        return math.sqrt(sum(w * w for w in self.weights.values()))


@lru_cache(maxsize=2048)
def terms_of(subject: str, body: str) -> Terms:
    """The terms of a ticket's text (cached by the text: resolved tickets come up again and
    again as look-alikes)."""
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for weight, text in ((SUBJECT_WEIGHT, subject), (1, body)):
        for word in words(text):
            key = stem(word)
            counts[key] += weight
            shown.setdefault(key, word)
    # Sub-linear: a word said ten times is not ten times the evidence.
    weights = {key: 1 + math.log(n) for key, n in counts.items()}
    return Terms(weights, shown)


def similarity(a: Terms, b: Terms) -> tuple[float, list[str]]:
    """Cosine of the two term vectors (0..1) and the shared words, strongest first."""
    if not a.weights or not b.weights:
        return 0.0, []
    shared = [k for k in a.weights if k in b.weights]
    dot = sum(a.weights[k] * b.weights[k] for k in shared)
    score = dot / (a.norm * b.norm)
    shared.sort(key=lambda k: (-a.weights[k] * b.weights[k], k))
    return min(1.0, score), [a.shown[k] for k in shared]


def query_words(terms: Terms, limit: int) -> list[str]:
    """The words to look candidates up by: the strongest ``limit`` terms (as words)."""
    ranked = sorted(terms.weights, key=lambda k: (-terms.weights[k], k))
    return [terms.shown[k] for k in ranked[:limit]]
