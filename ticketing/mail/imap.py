"""IMAP polling with ``imap-tools``: new mail in ``IMAP_URL``'s folder becomes tickets/replies.

``IMAP_URL``: ``imaps://user:password@host:993/INBOX`` (TLS), ``imap://…:143/INBOX?starttls=true``
or ``imap+starttls://…`` (STARTTLS), plain ``imap://`` only for a server on the same machine.

One poll (``fetch``): search the folder for messages without our keyword (``$Ticketing``), skip
(and record as ignored) any larger than ``MAIL_MAX_MESSAGE_BYTES`` without downloading it, download
the rest one by one with ``BODY.PEEK`` (the \\Seen flag is left alone), store each (committed:
the same Message-ID is one row, so a message fetched twice is processed once), then mark it
with the keyword — and move it to ``IMAP_PROCESSED_FOLDER`` when that is set. A crash between
storing and flagging re-fetches the message next time and finds it already stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from imap_tools import NOT, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.message import MailMessage

from ..core import jobs, kv
from ..core.errors import QueueUnavailable
from ..core.extensions import db
from ..core.vocab import InboundSource, InboundStatus
from ..models import utcnow
from . import inbound
from .transport import tls_context

log = logging.getLogger(__name__)

PROCESSED_KEYWORD = "$Ticketing"
TRUE = {"1", "true", "yes", "on"}


class RawMessage(MailMessage):
    """imap-tools' message, keeping the bytes exactly as the server sent them."""

    def __init__(self, fetch_data: list) -> None:
        super().__init__(fetch_data)
        self.raw: bytes = self._get_message_data_parts(fetch_data)[0]


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    mode: str  # "tls" | "starttls" | "plain"
    username: str
    password: str
    folder: str


def imap_settings(url: str) -> ImapSettings:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"imap", "imaps", "imap+starttls"}:
        raise ValueError("IMAP_URL must start with imaps://, imap:// or imap+starttls://")
    query = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query).items()}
    if scheme == "imaps":
        mode = "tls"
    elif scheme == "imap+starttls" or query.get("starttls", "") in TRUE:
        mode = "starttls"
    else:
        mode = "plain"
    return ImapSettings(
        host=parts.hostname or "localhost",
        port=parts.port or (993 if mode == "tls" else 143),
        mode=mode,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


def _mailbox(cfg: ImapSettings):
    timeout = float(current_app.config["MAIL_SMTP_TIMEOUT"])
    if cfg.mode == "tls":
        box = MailBox(cfg.host, cfg.port, timeout=timeout, ssl_context=tls_context())
    elif cfg.mode == "starttls":
        box = MailBoxStartTls(cfg.host, cfg.port, timeout=timeout, ssl_context=tls_context())
    else:
        box = MailBoxUnencrypted(cfg.host, cfg.port, timeout=timeout)
    box.email_message_class = RawMessage
    return box.login(cfg.username, cfg.password, initial_folder=cfg.folder)


def fetch(limit: int = 500) -> dict[str, int]:
    """One poll of ``IMAP_URL`` (the command, the worker's schedule, the upkeep)."""
    url = current_app.config.get("IMAP_URL")
    if not url:
        return {"skipped": 1}
    cfg = imap_settings(url)
    max_bytes = inbound.max_message_bytes()
    counts = {"stored": 0, "duplicates": 0, "too_large": 0}
    moved_to = current_app.config.get("IMAP_PROCESSED_FOLDER")
    with _mailbox(cfg) as box:
        if moved_to and not box.folder.exists(moved_to):
            box.folder.create(moved_to)
        waiting = list(
            box.fetch(
                NOT(keyword=PROCESSED_KEYWORD), mark_seen=False, headers_only=True, limit=limit
            )
        )
        for head in waiting:
            if head.size_rfc822 > max_bytes:
                _refuse(head, max_bytes)
                counts["too_large"] += 1
            else:
                [msg] = list(box.fetch(uid_list=[head.uid], mark_seen=False))
                row, new = inbound.store(msg.raw, InboundSource.IMAP)
                if new:
                    inbound.ring(row.id)
                counts["stored" if new else "duplicates"] += 1
            box.flag(head.uid, PROCESSED_KEYWORD, True)
            if moved_to:
                box.move(head.uid, moved_to)
    log.info("imap poll: %s", counts)
    return counts


def _refuse(head: RawMessage, max_bytes: int) -> None:
    """Record a message too large to take (its headers only), so an agent can see it."""
    row, new = inbound.store(head.raw, InboundSource.IMAP)
    if new:
        row.status = InboundStatus.IGNORED
        row.reason = f"too large: {head.size_rfc822} bytes (MAIL_MAX_MESSAGE_BYTES={max_bytes})"
        row.processed_at = utcnow()
        db.session.commit()


POLL_KEY = "ticketing:mail:imap-poll"


def poll_job() -> dict[str, int] | None:
    """The worker's polling chain: fetch, then run again in ``IMAP_POLL_SECONDS`` (RQ's
    scheduler). A Redis key that lives for the interval lets one chain through per interval:
    a second chain (the upkeep starts one in case the chain was lost) finds it taken and ends."""
    interval = float(current_app.config["IMAP_POLL_SECONDS"])
    if not current_app.config.get("IMAP_URL") or interval <= 0:
        return None
    if not kv.store().set(POLL_KEY, utcnow().isoformat(), nx=True, ex=max(1, int(interval))):
        return None
    try:
        return fetch()
    finally:
        try:
            jobs.enqueue_later(inbound.QUEUE, interval, poll_job)
        except QueueUnavailable:
            log.warning("imap poll: queue unavailable; the upkeep restarts polling")


def start_polling() -> dict[str, str]:
    """Upkeep: make sure the polling chain runs (a no-op when it already does)."""
    if not current_app.config.get("IMAP_URL"):
        return {"imap": "not configured"}
    if kv.store().exists(POLL_KEY):
        return {"imap": "polling"}
    jobs.enqueue(inbound.QUEUE, poll_job)
    return {"imap": "started"}
