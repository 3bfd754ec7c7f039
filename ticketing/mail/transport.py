"""Getting a composed message out: SMTP (``SMTP_URL``) or, with none configured, a .eml file.

``SMTP_URL`` forms: ``smtp://host:25`` (plain), ``smtp://host:587?starttls=true`` or
``smtp+starttls://host:587`` (STARTTLS), ``smtps://host:465`` (TLS from the start); a
``user:password@`` part logs in (percent-encode special characters).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

TRUE = {"1", "true", "yes", "on"}


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): retrying cannot help."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: bool
    starttls: bool
    username: str | None
    password: str | None


def smtp_settings(url: str) -> SmtpSettings:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"smtp", "smtps", "smtp+starttls"}:
        raise ValueError(
            f"SMTP_URL must start with smtp://, smtps:// or smtp+starttls:// ({url!r})"
        )
    query = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query).items()}
    tls = scheme == "smtps"
    starttls = scheme == "smtp+starttls" or query.get("starttls", "") in TRUE
    default_port = 465 if tls else (587 if starttls else 25)
    return SmtpSettings(
        host=parts.hostname or "localhost",
        port=parts.port or default_port,
        tls=tls,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """The system's trust store, loaded once per process (loading it costs ~0.5 s)."""
    return ssl.create_default_context()


def send_smtp(url: str, sender: str, recipient: str, raw: str) -> None:
    """Hand one message to the SMTP server; raises ``PermanentFailure`` on a 5xx refusal and
    the transport's error (retried later) on anything else."""
    cfg = smtp_settings(url)
    timeout = float(current_app.config["MAIL_SMTP_TIMEOUT"])
    client_class = smtplib.SMTP_SSL if cfg.tls else smtplib.SMTP
    kwargs = {"context": tls_context()} if cfg.tls else {}
    try:
        with client_class(cfg.host, cfg.port, timeout=timeout, **kwargs) as client:
            if cfg.starttls:
                client.starttls(context=tls_context())
            if cfg.username:
                client.login(cfg.username, cfg.password or "")
            # A str (ASCII: every header and body part is encoded) so smtplib turns the
            # line ends into CRLF, as SMTP requires.
            client.sendmail(sender, [recipient], raw)
    except smtplib.SMTPRecipientsRefused as err:
        code, reply = next(iter(err.recipients.values()))
        if code >= 500:
            raise PermanentFailure(f"{code} {_text(reply)}") from err
        raise
    except smtplib.SMTPResponseException as err:
        if err.smtp_code >= 500 and not isinstance(err, smtplib.SMTPAuthenticationError):
            raise PermanentFailure(f"{err.smtp_code} {_text(err.smtp_error)}") from err
        raise


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def save_eml(mail_id: int, raw: str) -> str:
    """The embedded default: write the message to ``MAIL_DIR/<id>.eml``; returns the path."""
    folder = Path(current_app.config["MAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"outbox-{mail_id:08d}.eml"
    path.write_text(raw, encoding="ascii")
    return str(path)
