"""The one result type every classifier returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        return data
