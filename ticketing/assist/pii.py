"""Personal data kept out of what the team publishes (a help article drafted from a ticket)."""

from __future__ import annotations

from ..core.pii import Redactor


def redact_for_publication(text: str) -> str:
    """``text`` with e-mail addresses, phone and card numbers, IBANs and secrets replaced by
    typed placeholders (``[EMAIL_1]`` …) — the redaction triage uses, never restored."""
    return Redactor(enabled=True).redact(text)
