"""Ticket statistics and triage metrics: aggregate queries only."""
