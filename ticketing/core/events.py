"""Events: "a ticket was saved", "a reply was added" — so side effects subscribe, not get called.

Every entry point (a route, public intake, the CSV import, the CLI, a job, and whatever comes
next: e-mail, bulk edits, merges) saves tickets through the ORM. Two SQLAlchemy session hooks
watch what each flush writes, so no call site has to remember anything:

``ticket_saving`` / ``reply_saving`` — sent **inside the transaction**, during the flush that
  writes the row (``before_flush``), with the model object. A receiver records the work the
  save implies *in the same transaction* — mark the ticket as needing triage, write an outbox
  row, start a clock — so that work commits or rolls back with the save (the database is the
  record of work). It may change the object or add rows; it must not flush or commit.

``ticket_saved`` / ``reply_saved`` — sent **after the commit**, with plain ids (``Saved``). A
  receiver rings a bell (enqueue a job); it must not use the session that committed (it is
  between transactions). Losing this signal loses no work: the rows written by the
  ``*_saving`` receivers are the record, and upkeep finds them.

``access_noted`` — sent **inside the transaction** when something happens to an account or to
  access: a sign-in (or a failed one), a sign-out, a password, role or active change, a token
  created, revoked or first used, an export created or downloaded, a setting changed. Sent
  with an ``AccessNote`` (``note_access()``); the audit package writes the access log row in
  the same session, so it commits with the change it describes (a caller with nothing else to
  commit — a failed sign-in — commits it itself). Accounts and exports only send it: they know
  nothing of the audit package.

Receivers take ``(sender, change=...)`` where ``sender`` is the Flask app. ``Change.notes`` is
a dict the in-transaction receivers may fill for the after-commit ones (e.g. a job id).
Nothing is connected at import: features connect their receivers in their ``init_app``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from blinker import Namespace, Signal
from flask import current_app, has_app_context
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from .hooks import listen_once

_signals = Namespace()

ticket_saving = _signals.signal("ticket-saving")
ticket_saved = _signals.signal("ticket-saved")
reply_saving = _signals.signal("reply-saving")
reply_saved = _signals.signal("reply-saved")
access_noted = _signals.signal("access-noted")
#: A notification to a person (an SLA warning …): written in its cause's transaction.
notification_saving = _signals.signal("notification-saving")
notification_saved = _signals.signal("notification-saved")
#: "Forgot your password?": sent **inside the transaction** with a ``PasswordResetMail``; the
#: mail package (when mail is configured) writes the outbox row and sets ``queued``. After the
#: commit the caller sends ``password_reset_mailed`` (the mail package rings its sender).
password_reset_requested = _signals.signal("password-reset-requested")
password_reset_mailed = _signals.signal("password-reset-mailed")

_PENDING = "ticketing.events.pending"  # changes noted by this flush, waiting for their ids
_COMMITTED = "ticketing.events.committed"  # changes of this transaction, sent after commit

_options: ContextVar[dict[str, Any] | None] = ContextVar("event_options", default=None)


@dataclass
class Change:
    """What one save did to one row (merged across the flushes of a transaction)."""

    kind: str  # "ticket" | "reply"
    id: int | None
    created: bool
    fields: set[str]
    obj: Any = None
    notes: dict[str, Any] = field(default_factory=dict)
    #: For a reply: its ticket's id.
    parent_id: int | None = None


@dataclass
class PasswordResetMail:
    """A reset link to mail to a user (accounts knows nothing of the mail package)."""

    user_id: int
    email: str
    name: str
    url: str
    valid_minutes: int
    #: Set by the receiver that wrote an outbox row for it.
    queued: bool = False


@dataclass(frozen=True)
class Saved:
    """A committed change, as after-commit receivers see it (ids only, no session objects)."""

    kind: str
    id: int
    created: bool
    fields: frozenset[str]
    notes: dict[str, Any]
    parent_id: int | None = None


@dataclass(frozen=True)
class _Tracked:
    kind: str
    saving: Signal
    saved: Signal
    parent_attr: str | None = None


_TRACKED: dict[type, _Tracked] = {}


def track(
    model: type, kind: str, saving: Signal, saved: Signal, parent_attr: str | None = None
) -> None:
    """Send ``saving``/``saved`` for every insert and update of ``model`` rows."""
    _TRACKED[model] = _Tracked(kind, saving, saved, parent_attr)


@contextmanager
def save_options(**options: Any) -> Iterator[None]:
    """Options receivers read with ``option()`` for saves made inside the block, e.g.
    ``with save_options(triage=False):`` — the CSV import's ``--no-triage``."""
    token = _options.set({**(_options.get() or {}), **options})
    try:
        yield
    finally:
        _options.reset(token)


def option(name: str, default: Any = None) -> Any:
    return (_options.get() or {}).get(name, default)


@dataclass(frozen=True)
class AccessNote:
    """One entry for the access log (``access_noted``)."""

    #: A ``core.vocab.AccessAction``.
    action: str
    #: The account concerned: signing in, changed, owning the token (id and e-mail).
    subject_id: int | None = None
    subject_label: str | None = None
    #: What else matters: filters and row count of an export, old and new role, token id …
    details: dict[str, Any] = field(default_factory=dict)
    #: Who did it, when not the current actor (a sign-in: the person signing in).
    actor: Any = None


def note_access(action: str, **kwargs: Any) -> None:
    """Tell the access log (if one is listening) that ``action`` happened, in this transaction."""
    access_noted.send(_sender(), note=AccessNote(action, **kwargs))


def _changed_fields(obj: Any) -> set[str]:
    state = inspect(obj)
    if state.key is None:
        # New: only an attribute that was set can have a change (the same answer, from the
        # ~20 set of a ticket's ~50 attributes: a tenth of a create's hooks went here).
        attrs, props = state.attrs, state.mapper.attrs
        return {
            key for key in list(state.dict) if key in props and attrs[key].history.has_changes()
        }
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _sender() -> Any:
    return current_app._get_current_object() if has_app_context() else None


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if not _TRACKED:
        return
    pending: list[Change] = session.info.setdefault(_PENDING, [])
    sender = _sender()
    for obj in list(session.new):
        tracked = _TRACKED.get(type(obj))
        if tracked is not None:
            change = Change(tracked.kind, None, True, _changed_fields(obj), obj)
            tracked.saving.send(sender, change=change)
            pending.append(change)
    for obj in list(session.dirty):
        tracked = _TRACKED.get(type(obj))
        if tracked is None or obj in session.deleted:
            continue
        fields = _changed_fields(obj)
        if fields:
            change = Change(tracked.kind, inspect(obj).identity[0], False, fields, obj)
            tracked.saving.send(sender, change=change)
            pending.append(change)


def _after_flush(session: Session, flush_context: Any) -> None:
    pending: list[Change] = session.info.pop(_PENDING, [])
    if not pending:
        return
    committed: dict[tuple[str, int], Change] = session.info.setdefault(_COMMITTED, {})
    for change in pending:
        state = inspect(change.obj)
        change.id = state.mapper.primary_key_from_instance(change.obj)[0]
        tracked = _TRACKED[type(change.obj)]
        if tracked.parent_attr:
            change.parent_id = getattr(change.obj, tracked.parent_attr)
        change.obj = None  # the after-commit receivers get ids, never session objects
        key = (change.kind, change.id)
        earlier = committed.get(key)
        if earlier is None:
            committed[key] = change
        else:
            earlier.created = earlier.created or change.created
            earlier.fields |= change.fields
            earlier.notes.update(change.notes)


def _after_commit(session: Session) -> None:
    committed: dict[tuple[str, int], Change] = session.info.pop(_COMMITTED, {})
    if not committed:
        return
    signals = {tracked.kind: tracked.saved for tracked in _TRACKED.values()}
    sender = _sender()
    for change in committed.values():
        saved = Saved(
            change.kind,
            change.id,
            change.created,
            frozenset(change.fields),
            change.notes,
            change.parent_id,
        )
        signals[change.kind].send(sender, change=saved)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_COMMITTED, None)


def register(session_class: Any) -> None:
    """Attach the hooks to the app's session class (once per process)."""
    listen_once(
        session_class,
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    )
