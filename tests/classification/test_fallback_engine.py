"""The fallback as an engine over per-language cue data, speaking the one vocabulary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import MappingProxyType

import pytest

from ticketing.classification import fallback
from ticketing.classification.fallback import tables
from ticketing.classification.fallback.decide import decide_priority
from ticketing.core import vocab
from ticketing.core.vocab import Category

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_classifier_builds_no_table_until_first_use():
    script = (
        "from ticketing.classification import fallback\n"
        "from ticketing.classification.fallback import tables\n"
        "print(tables.cue_tables.cache_info().currsize)\n"
        "fallback.warm_up()\n"
        "print(tables.cue_tables.cache_info().currsize)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "1"]


@pytest.mark.parametrize(
    ("urgency", "strongest_cue", "priority"),
    [
        (75, 45, "critical"),
        (74, 45, "high"),
        (75, 39, "high"),  # critical urgency without a critical-class cue stops at high
        (100, 40, "critical"),
        (48, 0, "high"),
        (47, 0, "medium"),
        (24, 0, "medium"),
        (23, 0, "low"),
    ],
)
def test_priority_bands_are_the_vocabularys_urgency_floors(urgency, strongest_cue, priority):
    assert decide_priority(urgency, strongest_cue) == priority


def test_moving_a_vocabulary_floor_moves_the_fallbacks_priority(monkeypatch):
    monkeypatch.setattr(
        vocab, "URGENCY_FLOORS", MappingProxyType({"critical": 90, "high": 60, "medium": 40})
    )
    assert decide_priority(80, 45) == "high"
    assert decide_priority(90, 45) == "critical"
    assert decide_priority(55, 0) == "medium"
    assert decide_priority(35, 0) == "low"


@pytest.mark.parametrize("language", tables.LANGUAGES, ids=lambda m: m.__name__.rsplit(".")[-1])
def test_each_language_module_is_cue_data_in_the_vocabulary(language):
    assert isinstance(language.TYPO_VARIANTS, bool)
    assert language.TOPIC_CUES and language.SIGNAL_CUES
    for pattern, weights, negatable in language.TOPIC_CUES:
        assert pattern.strip() and isinstance(negatable, bool)
        assert weights and all(type(cat) is Category for cat in weights), pattern
    for pattern, *points, negatable in language.SIGNAL_CUES:
        assert pattern.strip() and isinstance(negatable, bool)
        assert len(points) == 4 and any(points), pattern


def test_german_words_are_read_but_not_guessed_from_typos():
    # "rechnung" is a German billing cue; a typo of it is not mapped back (German words would
    # collide with English ones), while a typo of an English cue word is.
    assert fallback.classify("", "Rechnung").category == "billing"
    assert fallback.classify("", "Rechnnug").category == "general"
    assert fallback.classify("", "refnud").category == "billing"
