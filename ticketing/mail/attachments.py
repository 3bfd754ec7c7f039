"""Files that come with a mail, or that an agent attaches to a reply.

Kept in the export storage (``EXPORT_DIR`` or ``EXPORT_STORAGE_URL``: the app's
``export_storage`` extension, used through its writer/open/delete seam) under a server-chosen
key; the name a sender gave is only shown, after sanitising, and a download is always an
attachment (never rendered by the browser). ``MAIL_MAX_ATTACHMENT_BYTES`` per file; a mail
as a whole is bounded by ``MAIL_MAX_MESSAGE_BYTES``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from typing import Any

from flask import current_app

from ..core.errors import PayloadTooLarge
from ..core.extensions import db
from ..models import Attachment, Reply, Ticket

_UNSAFE = re.compile(r"[^\w.()+ -]+", re.UNICODE)
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")
FALLBACK_NAME = "attachment"
OCTET_STREAM = "application/octet-stream"


def storage() -> Any:
    return current_app.extensions["export_storage"]


def max_bytes() -> int:
    return int(current_app.config["MAIL_MAX_ATTACHMENT_BYTES"])


def safe_filename(name: str | None) -> str:
    """A name safe to show and to put in a header: no path, no control characters, no
    leading dots, at most 150 characters (keeping the extension)."""
    name = unicodedata.normalize("NFKC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._") or FALLBACK_NAME
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 140 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:150]
    return name


def safe_content_type(value: str | None) -> str:
    value = (value or "").strip().lower()
    return value if _CONTENT_TYPE.match(value) else OCTET_STREAM


def too_large_note(filename: str, size: int) -> str:
    limit = max_bytes() / 1024 / 1024
    return (
        f"[Attachment {safe_filename(filename)!r} ({size / 1024 / 1024:.1f} MB) was not "
        f"accepted: files may be at most {limit:.0f} MB.]"
    )


def save(
    ticket: Ticket,
    filename: str | None,
    content_type: str | None,
    data: bytes,
    reply: Reply | None = None,
) -> Attachment:
    """Store the bytes, then add the row (the caller commits). Raises ``PayloadTooLarge``."""
    if len(data) > max_bytes():
        raise PayloadTooLarge(too_large_note(filename or FALLBACK_NAME, len(data)))
    key = f"attachment-{uuid.uuid4().hex}"
    with storage().writer(key) as handle:
        handle.write(data)
    row = Attachment(
        ticket_id=ticket.id,
        reply=reply,
        filename=safe_filename(filename),
        content_type=safe_content_type(content_type),
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
    )
    db.session.add(row)
    return row


def read(row: Attachment) -> bytes:
    with storage().open(row.storage_key) as handle:
        return handle.read()
