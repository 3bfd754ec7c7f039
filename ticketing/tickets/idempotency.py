"""``Idempotency-Key`` on the POSTs that create things: a retry never creates twice.

A client that may retry (a lost answer, a timeout, a double click) sends a key of its own
choosing. The key is stored, with a fingerprint of the request, **in the same transaction as
what the request created** (a ``before_commit`` hook adds the row to the request's first
commit), so either both exist or neither does. Right after, the answer the request gives
(status, body, ``Location``) is recorded on the row. Within ``IDEMPOTENCY_TTL_HOURS``:

- the same key with the same request replays the first answer (``Idempotent-Replayed: true``);
- the same key with a different request (method, path or body) is a 422;
- two requests with the same key at once: the unique key lets one transaction commit; the
  other rolls back whole (nothing it created survives) and replays the winner's answer (a 409
  if that answer is not recorded within ``IDEMPOTENCY_WAIT_SECONDS``).

Keys are per caller: a signed-in user's own, or the client address's for public intake. A
request that creates nothing (a 4xx before any commit) binds no key. Expired keys are deleted
by the upkeep.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from datetime import timedelta
from typing import Any

from flask import Response, current_app, g, has_request_context, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core import ratelimits
from ..core.access import current_user_id
from ..core.errors import Conflict, DomainError, InvalidInput
from ..core.extensions import db
from ..core.hooks import listen_once
from ..core.schemas import ErrorEnvelope
from ..models import IdempotencyKey, utcnow

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
_G = "_idempotency"
#: The 422 message (schemathesis may reuse a key with another body: see the fuzz test).
REUSED = "This key was already used with a different request."

PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": "^[!-~]+$"},
    "description": "A key of your choosing (e.g. a UUID) that makes a retry safe: the same key "
    "with the same request within 24 h returns the first answer (with `Idempotent-Replayed: "
    "true`) instead of creating again; with a different request it is a 422. Keys are per "
    "caller (a user, or the client address for public intake).",
}


class _Pending:
    """The key this request will bind on its first commit."""

    def __init__(self, scope: str, key: str, fingerprint: str) -> None:
        self.scope = scope
        self.key = key
        self.fingerprint = fingerprint
        self.row: IdempotencyKey | None = None
        #: Where the created resource lives, stored with the key (so a retry can say where
        #: it is even if the answer could not be recorded).
        self.location: str | None = None


def _ttl() -> timedelta:
    return timedelta(hours=float(current_app.config["IDEMPOTENCY_TTL_HOURS"]))


def _scope() -> str:
    user_id = current_user_id()
    if user_id is not None:
        return f"user:{user_id}"
    return f"addr:{ratelimits.client_address()}"[:100]


def _fingerprint() -> str:
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), body):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def _read_key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 0 < len(key) <= MAX_LENGTH or not all("!" <= ch <= "~" for ch in key):
        raise DomainError(
            f"{HEADER} must be 1 to {MAX_LENGTH} printable ASCII characters without spaces.",
            code="invalid_idempotency_key",
        )
    return key


def _find(scope: str, key: str) -> IdempotencyKey | None:
    return db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    )


def _replay(row: IdempotencyKey) -> Response:
    response = current_app.response_class(
        row.response_body or "", status=row.status_code, mimetype="application/json"
    )
    if row.location:
        response.headers["Location"] = row.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _answer_for(row: IdempotencyKey, fingerprint: str) -> Response | None:
    """The answer a request with an already bound key gets, or None while it has none."""
    if row.fingerprint != fingerprint:
        raise InvalidInput(REUSED, fields={HEADER: [REUSED]})
    if row.status_code is None:
        return None
    return _replay(row)


def _unanswered(row: IdempotencyKey | None) -> Conflict:
    """A key bound (the work is done, once) whose answer is not recorded (yet): a 409 that
    says where the created resource is, when the request said."""
    if row is not None and row.location:
        return Conflict(
            "The request with this Idempotency-Key was applied, but its answer was not "
            "recorded: the created resource is at error.location.",
            headers={"Location": row.location},
            body={"location": row.location},
        )
    return Conflict("A request with this Idempotency-Key is still being processed; retry.")


def created(location: str) -> None:
    """Routes call this before their creating commit: the new resource's URL is stored with
    the key (a retry whose first answer was lost learns where the resource is)."""
    pending: _Pending | None = g.get(_G) if has_request_context() else None
    if pending is not None:
        pending.location = location[:500]


def _existing(pending: _Pending) -> Response | None:
    """The stored answer for this key (or a 422), or None when the key is free (an expired
    row is removed first, so the key can be bound again)."""
    row = _find(pending.scope, pending.key)
    if row is None:
        return None
    if row.created_at < utcnow() - _ttl():
        db.session.delete(row)
        db.session.commit()
        return None
    answer = _answer_for(row, pending.fingerprint)
    if answer is None:
        # Bound by a request that committed but has not recorded its answer yet (or never
        # will): wait for it like a loser of the insert race, then 409 if it never comes.
        return _await_winner(pending)
    return answer


def _await_winner(pending: _Pending) -> Response:
    """Another request bound this key first: wait (briefly) for its answer and replay it."""
    deadline = time.monotonic() + float(current_app.config["IDEMPOTENCY_WAIT_SECONDS"])
    while True:
        db.session.rollback()  # a fresh snapshot each look
        row = _find(pending.scope, pending.key)
        if row is not None:
            answer = _answer_for(row, pending.fingerprint)
            if answer is not None:
                return answer
        if time.monotonic() >= deadline:
            raise _unanswered(row)
        time.sleep(0.05)


def _record(pending: _Pending, response: Response) -> None:
    """Store the answer on the key bound by the request's commit (its own small transaction;
    a failure leaves the key bound without an answer: a retry gets a 409, never a twin)."""
    if pending.row is None or response.status_code >= 500:
        return
    key_id = pending.row.id
    deadline = time.monotonic() + float(current_app.config["IDEMPOTENCY_WAIT_SECONDS"])
    while True:  # a database blip (a restart) is waited out briefly
        try:
            row = db.session.get(IdempotencyKey, key_id)
            if row is None:
                return
            row.status_code = response.status_code
            row.response_body = response.get_data(as_text=True)
            row.location = (response.headers.get("Location") or "")[:500] or row.location
            db.session.commit()
            return
        except Exception:  # noqa: BLE001 - the client still gets its answer
            _reset()
            if time.monotonic() >= deadline:
                log.warning("idempotency: could not record the answer for key %r", pending.key)
                return
            time.sleep(0.2)


def _reset() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone
        db.session.remove()


def _before_commit(session: Session) -> None:
    """Bind the request's key in the transaction of its first commit (what it created)."""
    if not has_request_context():
        return
    pending: _Pending | None = g.get(_G)
    if pending is None or pending.row is not None or session is not db.session():
        return
    pending.row = IdempotencyKey(
        scope=pending.scope,
        key=pending.key,
        fingerprint=pending.fingerprint,
        location=pending.location,
    )
    session.add(pending.row)
    session.flush()


def _after_rollback(session: Session) -> None:
    if not has_request_context():
        return
    pending: _Pending | None = g.get(_G)
    if pending is not None and session is db.session() and pending.row is not None:
        if pending.row.id is None or pending.row not in session:
            pending.row = None


def idempotent(view):
    """Honour ``Idempotency-Key`` on a creating POST (put it above the schema decorators)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        key = _read_key()
        if key is None:
            return view(*args, **kwargs)
        pending = _Pending(_scope(), key, _fingerprint())
        stored = _existing(pending)
        if stored is not None:
            return stored
        g.setdefault(_G, pending)
        try:
            response = view(*args, **kwargs)
        except IntegrityError:
            db.session.rollback()
            if _find(pending.scope, pending.key) is None:
                raise
            log.info("idempotency: key %r bound by a concurrent request; replaying", key)
            return _await_winner(pending)
        finally:
            g.pop(_G, None)
        _record(pending, current_app.make_response(response))
        return response

    return wrapper


def documented(blp):
    """``idempotent`` plus its OpenAPI: the header, and the 409 of a key still in use."""

    def decorate(view):
        view = blp.alt_response(
            409, schema=ErrorEnvelope, description="The Idempotency-Key is still in use"
        )(view)
        view = blp.doc(parameters=[PARAMETER])(view)
        return idempotent(view)

    return decorate


def purge_expired() -> dict[str, int]:
    """Upkeep: forget keys older than ``IDEMPOTENCY_TTL_HOURS`` (commits)."""
    result = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - _ttl())
    )
    db.session.commit()
    return {"deleted": result.rowcount or 0}


def init_app(app) -> None:
    listen_once(db.session, ("before_commit", _before_commit), ("after_rollback", _after_rollback))
