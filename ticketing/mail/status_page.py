"""The customer's status page: ``/status/<token>`` (the link in every mail and from /submit).

No account: the token is the ticket's HMAC (``tickets.links``), revoked by a new nonce and
refused ``STATUS_LINK_DAYS`` after the ticket was resolved or closed. It shows the status and
the public thread — never internal notes — and takes a reply (the customer's reply, with the
same status rule as a mail: ``pending``/``resolved`` reopen). Server-rendered, autoescaped, no
script; the token never leaves in a Referer.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for

from ..core import ratelimits
from ..core.context import Actor, acting_as
from ..core.extensions import db
from ..core.vocab import ActorType, Via
from ..models import Ticket
from ..tickets import links
from ..tickets import services as tickets

page = Blueprint("status_page", __name__, template_folder="templates")

MAX_REPLY = 10_000
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
}


def _answer(html: str, status: int = 200) -> Response:
    return Response(html, status=status, headers=HEADERS, mimetype="text/html")


def _show(ticket: Ticket, token: str, error: str | None = None, status: int = 200) -> Response:
    thread = [r for r in ticket.replies if not r.internal]
    html = render_template(
        "mail_status.html", ticket=ticket, thread=thread, token=token, error=error
    )
    return _answer(html, status)


@page.route("/status/<token>", methods=["GET", "POST"])
def status(token: str) -> Response:
    ticket = links.ticket_for_token(token)
    if ticket is None or links.link_expired(ticket):
        return _answer(render_template("mail_status_gone.html"), 404)
    if request.method == "GET":
        return _show(ticket, token)
    body = (request.form.get("body") or "").strip()
    if not body or len(body) > MAX_REPLY or "\x00" in body:
        return _show(ticket, token, f"Write between 1 and {MAX_REPLY:,} characters.", 422)
    who = ticket.requester_email or f"ticket-{ticket.id}"
    if not ratelimits.hit("MAIL_SENDER_RATE_LIMIT", "mail-from", who):
        return _show(ticket, token, "Too many messages: please try again later.", 429)
    with acting_as(Actor(type=ActorType.SYSTEM, via=Via.WEB, label=f"status page: {who}")):
        tickets.add_customer_reply(ticket, body, ticket.requester_email, ticket.requester_name)
        db.session.commit()
    return redirect(url_for("status_page.status", token=token) + "#thread", code=303)
