"""The suggested title: the subject when it says something, else the body's opening."""

from __future__ import annotations

import re

from .cues_en import GENERIC_SUBJECTS

#: Longest title suggested (characters); a longer one is cut at a word with "…".
MAX_TITLE = 120

_LETTERS = re.compile(r"[A-Za-z]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_SPACES = re.compile(r"\s+")
_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|tr)\s*(\[\d+\])?\s*:\s*)+", re.I)
_TICKET_TAG = re.compile(r"^\s*(\[[^\]]{1,40}\]\s*)+")
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|good (morning|afternoon|evening)|greetings|to whom it may concern"
    r"|hallo|guten tag|sehr geehrte[rs]?|liebe[rs]?)"
    r"\b[^,.!?\n]{0,40}[,.!:\n-]+\s*",
    re.I,
)
_PLEASANTRY = re.compile(
    r"^\s*(i hope (you are|you're|this finds you) [^.!?\n]{0,40}[.!?]+|thanks? (you )?for "
    r"(your|the) (help|time)[^.!?\n]{0,20}[.!?]+)\s*",
    re.I,
)


def _clean_title(text: str) -> str:
    text = _TICKET_TAG.sub("", _REPLY_PREFIX.sub("", text))
    text = _SPACES.sub(" ", text).strip(" \t-:;,.")
    return text


def _trim(text: str, limit: int = MAX_TITLE) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def _says_something(subject: str) -> bool:
    return (
        len(subject) >= 4
        and subject.lower().strip("!?. ") not in GENERIC_SUBJECTS
        and len(_LETTERS.findall(subject)) >= 3
    )


def _opening(body: str) -> str:
    """The body's first sentence after a greeting line and pleasantries."""
    text = (body or "")[:1000].strip()
    for _ in range(3):  # drop a greeting line and pleasantries before the point
        stripped = _PLEASANTRY.sub("", _GREETING.sub("", text, count=1), count=1)
        if stripped == text:
            break
        text = stripped
    first = next((s for s in _SENTENCE_END.split(text) if len(s.strip()) >= 3), "")
    return _clean_title(first.strip().rstrip(".!?"))


def suggested_title(subject: str, body: str) -> str:
    """A short, clean title: the subject when it says something, else the body's opening."""
    subject = _clean_title(subject or "")
    if _says_something(subject):
        title = subject
    else:
        title = _opening(body) or subject or "Support request"
    title = title[0].upper() + title[1:] if title else "Support request"
    return _trim(title)
