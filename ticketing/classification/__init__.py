"""Triage: Claude with a local fallback, queued and live."""
