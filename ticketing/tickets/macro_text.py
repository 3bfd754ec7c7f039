"""A macro's reply text filled in for one ticket (the macros themselves live in workflow; the
reply drafts in assist offer them as sources too)."""

from __future__ import annotations

import re

from ..models import Ticket, User

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render(template: str, ticket: Ticket, agent: User | None) -> str:
    """Fill ``{requester_name}``, ``{ticket_id}``, ``{subject}``, ``{agent_name}``; anything
    else in braces stays as written (no format-string evaluation)."""
    values = {
        "requester_name": ticket.requester_name or ticket.requester_email or "there",
        "ticket_id": str(ticket.id),
        "subject": ticket.subject,
        "agent_name": agent.name if agent else "the support team",
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)
