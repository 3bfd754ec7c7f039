"""The one result type every classifier returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .examples import Example


@dataclass(frozen=True)
class Hints:
    """What a caller knows about a ticket beyond its text (for classifiers that take it)."""

    language: str | None = None
    examples: tuple[Example, ...] = ()


@dataclass
class TriageResult:
    category: str  # billing | technical | account | general
    priority: str  # low | medium | high | critical
    sentiment: str  # calm | neutral | frustrated | angry
    urgency_score: int  # 0..100
    confidence: float  # 0..1
    explanation: str  # <= 500 chars
    suggested_title: str  # <= 120 chars
    source: str  # claude | fallback
    model: str | None = None
    latency_ms: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    attempts: int | None = None
    #: Why this is not Claude's answer when Claude was asked (timeout, bad output, ...).
    error: str | None = None
    #: ISO 639-1 code of the ticket's language (detected locally; Claude may confirm it).
    language: str | None = None
    #: Kinds of personal data withheld from the text sent out (``redact.KINDS``).
    redacted: tuple[str, ...] = ()
    #: What the run cost in US dollars (tokens x CLAUDE_PRICE*; batches half).
    cost_usd: float | None = None
    #: Per field, who answered when it is not ``source`` (the learner may answer one field
    #: while the rules answer the other): ``{"category": "learned"}``.
    field_sources: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        data.pop("field_sources")
        return data
