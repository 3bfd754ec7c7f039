"""Reading a received mail with the standard library's ``email`` (``policy.default``).

Charsets, quoted-printable and base64 bodies and RFC 2047 headers are decoded by the library;
``multipart/alternative`` gives its text/plain part, and an HTML-only mail is turned into plain
text here (HTML is never stored or shown). Quoted history and signatures are cut from the text
with ``mail-parser-reply``; the full text stays available (``full_text``, and the raw message
on its ``InboundMail`` row).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html import unescape
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser

#: Languages whose "On … wrote:" lines the reply parser recognises.
REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv", "cs", "da"]
_MSGID = re.compile(r"<[^<>\s]+>")
BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})
_BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str
    from_address: str
    from_name: str
    subject: str
    recipients: list[str]
    in_reply_to: list[str]
    references: list[str]
    full_text: str
    text: str
    #: Why this is not a person writing (auto-reply, bulk, bounce), else None.
    automatic: str | None = None
    #: For a bounce: the Message-IDs of the mail that bounced (ours, if it was ours).
    bounced_ids: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


class _TextFromHtml(HTMLParser):
    """HTML to plain text: the words, line breaks where blocks end, no markup, no scripts."""

    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
    )
    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS and tag != "li":  # list items: one line each
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    text = unescape("".join(parser.parts)).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a malformed header reads as absent
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _ids(value: str) -> list[str]:
    return _MSGID.findall(value or "")


def _decode(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("latin-1" if payload else "ascii", errors="replace")


def body_text(msg: EmailMessage) -> str:
    """The message's text: text/plain preferred, HTML converted, nothing else."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = _decode(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").strip()


def strip_quoted(text: str) -> str:
    """The new part of a reply: quoted history and signature cut (the whole text if that
    would leave nothing)."""
    try:
        reply = EmailReplyParser(languages=REPLY_LANGUAGES).parse_reply(text=text)
    except Exception:  # noqa: BLE001 - a parser failure keeps the whole text
        reply = text
    lines = (reply or "").rstrip().splitlines()
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()  # a quote left at the end without an "On … wrote:" line
    return "\n".join(lines).strip() or text


def _automatic(msg: EmailMessage, from_address: str) -> str | None:
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(msg, "Precedence").lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    if _header(msg, "X-Autoreply") or _header(msg, "X-Autorespond"):
        return "auto-reply (X-Autoreply)"
    if is_bounce(msg, from_address):
        return "bounce"
    return None


def is_bounce(msg: EmailMessage, from_address: str) -> bool:
    if msg.get_content_type() == "multipart/report":
        return True
    return from_address.lower().startswith(_BOUNCE_SENDERS) or (
        _header(msg, "Return-Path") == "<>" and not from_address
    )


def _bounced_ids(msg: EmailMessage) -> list[str]:
    """Message-IDs of the mail a bounce is about: in its returned headers or message."""
    found: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            for inner in part.iter_parts():
                found += _ids(_header(inner, "Message-ID"))
        elif ctype == "text/rfc822-headers":
            headers = BytesParser(policy=policy.default).parsebytes(
                part.get_payload(decode=True) or b"", headersonly=True
            )
            found += _ids(_header(headers, "Message-ID"))
    return found + _ids(_header(msg, "In-Reply-To")) + _ids(_header(msg, "References"))


def _attachments(msg: EmailMessage) -> list[Attachment]:
    found = []
    if not msg.is_multipart():
        return found
    for part in msg.iter_attachments():
        if part.get_content_maintype() in ("multipart", "message"):
            continue
        data = part.get_payload(decode=True) or b""
        found.append(Attachment(part.get_filename() or "", part.get_content_type(), data))
    return found


def fallback_message_id(raw: bytes) -> str:
    """For a mail without a Message-ID: a stable id from its bytes (the same mail fetched
    twice is the same id), marked so it never matches a real one."""
    return f"sha256:{hashlib.sha256(raw).hexdigest()}"


def parse(raw: bytes) -> ParsedMail:
    msg: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)
    message_id = (_ids(_header(msg, "Message-ID")) or [fallback_message_id(raw)])[0][:255]
    from_name, from_address = parseaddr(_header(msg, "From"))
    from_address = from_address.strip().lower()
    recipients = [
        addr.lower()
        for _, addr in getaddresses(
            [_header(msg, h) for h in ("To", "Cc", "Delivered-To", "X-Original-To")]
        )
        if addr
    ]
    full = body_text(msg)
    automatic = _automatic(msg, from_address)
    return ParsedMail(
        message_id=message_id,
        from_address=from_address,
        from_name=" ".join(from_name.split())[:120],
        subject=_header(msg, "Subject"),
        recipients=recipients,
        in_reply_to=_ids(_header(msg, "In-Reply-To")),
        references=_ids(_header(msg, "References")),
        full_text=full,
        text=strip_quoted(full) if full else "",
        automatic=automatic,
        bounced_ids=_bounced_ids(msg) if automatic == "bounce" else [],
        attachments=_attachments(msg),
    )
