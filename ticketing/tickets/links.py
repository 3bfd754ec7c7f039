"""A ticket's secret: its reply address (``support+<token>@…``) and its status-page link.

The token is ``<ticket id>-<HMAC(SECRET_KEY, ticket id, nonce)>``: unguessable, checked
without a lookup table of tokens, and revoked by giving the ticket a new nonce (every address
and link handed out before stops working). A status link also expires ``STATUS_LINK_DAYS``
after the ticket was resolved or closed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from email.headerregistry import Address
from email.utils import parseaddr

from flask import current_app, has_request_context, request

from ..core.extensions import db
from ..core.vocab import CLOSED_STATUSES
from ..models import Ticket, TicketLink, utcnow

TOKEN_RE = re.compile(r"^(\d{1,12})-([0-9a-f]{20})$")


def _link(ticket_id: int, create: bool = True) -> TicketLink | None:
    link = db.session.get(TicketLink, ticket_id)
    if link is None and create:
        link = TicketLink(ticket_id=ticket_id, nonce=secrets.token_hex(16))
        db.session.add(link)
        db.session.flush()
    return link


def _sign(ticket_id: int, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"ticket-link:{ticket_id}:{nonce}".encode(), hashlib.sha256)
    return digest.hexdigest()[:20]


def token_for(ticket_id: int) -> str:
    """The ticket's current token (its nonce is created on first use; the caller commits)."""
    link = _link(ticket_id)
    return f"{ticket_id}-{_sign(ticket_id, link.nonce)}"


def ticket_for_token(token: str) -> Ticket | None:
    """The ticket a token names, if the token is genuine and not revoked."""
    match = TOKEN_RE.match((token or "").strip().lower())
    if not match:
        return None
    ticket_id = int(match.group(1))
    link = _link(ticket_id, create=False)
    if link is None or not hmac.compare_digest(_sign(ticket_id, link.nonce), match.group(2)):
        return None
    return db.session.get(Ticket, ticket_id)


def link_expired(ticket: Ticket) -> bool:
    """A status link ends ``STATUS_LINK_DAYS`` after the ticket was resolved or closed."""
    if ticket.status not in CLOSED_STATUSES or ticket.resolved_at is None:
        return False
    days = int(current_app.config["STATUS_LINK_DAYS"])
    return utcnow() > ticket.resolved_at + timedelta(days=days)


def revoke(ticket_id: int) -> None:
    """New nonce: every reply address and status link given out for the ticket stops working."""
    link = _link(ticket_id)
    link.nonce = secrets.token_hex(16)


def _base_address() -> Address:
    cfg = current_app.config
    _, addr = parseaddr(cfg["MAIL_REPLY_TO"] or cfg["MAIL_FROM"])
    local, _, domain = addr.partition("@")
    return Address(username=local or "support", domain=domain or "localhost")


def reply_address(ticket_id: int) -> str:
    """``local+<token>@domain`` of ``MAIL_REPLY_TO`` (or ``MAIL_FROM``)."""
    base = _base_address()
    return f"{base.username}+{token_for(ticket_id)}@{base.domain}"


def token_in_address(address: str) -> str | None:
    """The token of a reply address of ours (``local+<token>@domain``), else None."""
    base = _base_address()
    local, _, domain = address.strip().lower().rpartition("@")
    prefix = f"{base.username.lower()}+"
    if domain != base.domain.lower() or not local.startswith(prefix):
        return None
    return local[len(prefix) :]


def status_url(ticket_id: int) -> str:
    """The customer's page for the ticket (``PUBLIC_BASE_URL``, else the request's host)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        base = request.host_url if has_request_context() else "http://127.0.0.1:5000"
    return f"{base.rstrip('/')}/status/{token_for(ticket_id)}"


#: ``app.extensions`` key of the functions that say where a ticket's correspondence goes now
#: (a feature registers one: assist sends a merged ticket's mail to the ticket it went into).
REDIRECTS = "ticket_redirects"
MAX_HOPS = 5


def register_redirect(app, redirect) -> None:
    """``redirect(ticket) -> Ticket | None``: the ticket that now receives ``ticket``'s mail."""
    app.extensions.setdefault(REDIRECTS, []).append(redirect)


def follow_redirects(ticket: Ticket) -> Ticket:
    """The ticket that receives mail meant for ``ticket`` (itself unless a feature moved it)."""
    redirects = current_app.extensions.get(REDIRECTS, [])
    seen = {ticket.id}
    for _ in range(MAX_HOPS):
        target = next((t for t in (r(ticket) for r in redirects) if t is not None), None)
        if target is None or target.id in seen:
            break
        seen.add(target.id)
        ticket = target
    return ticket
