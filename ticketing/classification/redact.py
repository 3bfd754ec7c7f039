"""Moved to ``ticketing.core.pii`` (reply drafts withhold personal data the same way); kept
so triage's imports read as before."""

from __future__ import annotations

from ..core.pii import CARD, EMAIL, IBAN, KINDS, PHONE, SECRET, Redactor, iban_ok, luhn_ok

__all__ = ["CARD", "EMAIL", "IBAN", "KINDS", "PHONE", "SECRET", "Redactor", "iban_ok", "luhn_ok"]
