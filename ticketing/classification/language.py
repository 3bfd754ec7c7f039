"""The language a ticket is written in (ISO 639-1), detected locally with lingua.

lingua (``lingua-language-detector``) in low-accuracy mode, restricted to the team's
``LANGUAGES``: ~40 MB resident, ~0.1 ms per ticket, its models ship inside the wheel (nothing is
downloaded). A text too short or too mixed to tell (lingua's minimum relative distance not
reached) is taken to be in ``LANGUAGE_DEFAULT``, the team's main language.
``LANGUAGE_DETECTOR_MODE=high`` trades ~200 MB more memory for better short-text accuracy.
The comparison with ``langdetect`` that chose this is in docs/triage.md.

The detector is built on first use and kept per process (never at import).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

#: ISO 639-1: two lowercase letters.
CODE = re.compile(r"^[a-z]{2}$")
#: Below this many letters nothing is worth guessing: the default language.
MIN_LETTERS = 3
#: lingua's minimum relative distance: how clearly the best language must lead.
MIN_DISTANCE = 0.2
#: The languages the local rules have cue tables for (fallback/cues_*.py).
RULES_LANGUAGES = ("en", "de")

_lock = threading.Lock()
_detectors: dict[tuple[Any, ...], Any] = {}


def parse_codes(value: str | Iterable[str]) -> tuple[str, ...]:
    """``"en, de,fr"`` -> ``("en", "de", "fr")``; raises ValueError on a code that is not one."""
    items = value.split(",") if isinstance(value, str) else list(value)
    codes = tuple(dict.fromkeys(c.strip().lower() for c in items if c.strip()))
    bad = [c for c in codes if not CODE.match(c)]
    if bad:
        raise ValueError(f"not ISO 639-1 language codes: {', '.join(bad)}")
    return codes


def _build(codes: tuple[str, ...], mode: str) -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = []
    for code in codes:
        iso = getattr(IsoCode639_1, code.upper(), None)
        if iso is None:
            raise ValueError(f"lingua does not know the language {code!r}")
        languages.append(Language.from_iso_code_639_1(iso))
    if len(languages) < 2:
        return None  # one language: nothing to tell apart
    builder = LanguageDetectorBuilder.from_languages(*languages)
    builder = builder.with_minimum_relative_distance(MIN_DISTANCE)
    if mode != "high":
        builder = builder.with_low_accuracy_mode()
    return builder.build()


class Detector:
    """``detect(text) -> "en"``: one of ``codes``, or ``default`` when unsure."""

    def __init__(self, codes: Iterable[str], default: str = "en", mode: str = "low") -> None:
        self.codes = parse_codes(codes)
        self.default = parse_codes([default])[0]
        self.mode = mode
        key = (self.codes, mode)
        with _lock:
            if key not in _detectors:
                _detectors[key] = _build(self.codes, mode)
            self._lingua = _detectors[key]

    def warm_up(self) -> None:
        """Load every language model now (lingua loads them on first use otherwise)."""
        if self._lingua is not None:
            self._lingua.detect_language_of("warm up the language models before serving")

    def detect(self, text: str) -> str:
        text = (text or "")[:2000]
        if self._lingua is None or sum(ch.isalpha() for ch in text) < MIN_LETTERS:
            return self.default
        found = self._lingua.detect_language_of(text)
        if found is None:
            return self.default
        return found.iso_code_639_1.name.lower()


def from_config(config: Any) -> Detector:
    return Detector(
        parse_codes(config["LANGUAGES"]),
        config["LANGUAGE_DEFAULT"],
        config["LANGUAGE_DETECTOR_MODE"],
    )


def detector(app: Any) -> Detector:
    """The app's detector (built on first use)."""
    found = app.extensions.get("language_detector")
    if found is None:
        found = app.extensions["language_detector"] = from_config(app.config)
    return found


def ticket_text(subject: str | None, body: str | None) -> str:
    return f"{subject or ''}\n{body or ''}".strip()


def clean_code(value: Any) -> str | None:
    """A model's language answer as an ISO 639-1 code, or None when it is not one."""
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    return value if CODE.match(value) else None


_NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "sv": "Swedish",
    "da": "Danish",
}


def name(code: str) -> str:
    return _NAMES.get(code, code)
