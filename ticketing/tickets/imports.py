"""CSV import of tickets: validated row by row with the API's own schema, stored in batches.

The file is streamed (a ``csv`` reader over the open file, never the whole file in memory).
Each good row goes through the same ``TicketIn`` schema and ``create_ticket`` service as
``POST /api/tickets``, so a category or priority given in the file counts as ``manual``.
Good rows are stored in batches; each batch is one transaction, so a failure never leaves a
half-imported batch. Bad rows are reported with their line number and reason (and can be
written to a rejects file). This module is the import's unit-of-work boundary: it commits.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from marshmallow import Schema, ValidationError

from ..core.context import Actor, acting_as
from ..core.extensions import db
from ..core.schemas import DateOrDateTime
from ..core.vocab import ActorType, Via
from .schemas import TicketIn
from .services import build_ticket, get_or_create_tags

REQUIRED_COLUMNS = ("subject", "body")
OPTIONAL_COLUMNS = (
    "category",
    "priority",
    "status",
    "tags",
    "requester_email",
    "requester_name",
    "created_at",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
DEFAULT_BATCH_SIZE = 500


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, not UTF-8, no usable header)."""

    report: ImportReport | None = None


class ImportExtras(Schema):
    """The import-only column, validated beside ``TicketIn`` (composition, not a subclass)."""

    created_at = DateOrDateTime()


@dataclass
class Rejected:
    line: int
    reason: str
    row: dict[str, Any]


@dataclass
class ImportReport:
    good: int = 0
    imported: int = 0
    rejected: int = 0
    batches: int = 0
    dry_run: bool = False
    stopped: str | None = None  # why the import stopped early (strict mode, file error)
    ignored_columns: list[str] = field(default_factory=list)


class RejectsWriter:
    """Writes bad rows to a CSV file: line, error, the known columns, then any others."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.handle: IO[str] | None = None
        self.writer: Any = None
        self.extra: list[str] = []

    def write(self, rejected: Rejected) -> None:
        row = rejected.row
        if self.writer is None:
            self.handle = self.path.open("w", newline="", encoding="utf-8")
            self.extra = [k for k in row if k and k not in COLUMNS]
            self.writer = csv.writer(self.handle)
            self.writer.writerow(["line", "error", *COLUMNS, *self.extra])
        self.writer.writerow(
            [rejected.line, rejected.reason]
            + [row.get(c) or "" for c in COLUMNS]
            + [row.get(c) or "" for c in self.extra]
        )

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def _format_errors(messages: Any) -> str:
    if isinstance(messages, dict):
        parts = []
        for name, value in sorted(messages.items(), key=lambda kv: str(kv[0])):
            text = "; ".join(_flatten(value))
            parts.append(f"{name}: {text}")
        return " | ".join(parts)
    return "; ".join(_flatten(messages))


def _flatten(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _flatten(v)]
    if isinstance(value, list | tuple):
        return [m for item in value for m in _flatten(item)]
    return [str(value)]


def parse_row(raw: dict[str | None, Any]) -> dict[str, Any]:
    """One CSV record -> validated ticket fields; raises ``ValidationError`` naming the cells.

    Empty optional cells are left out (the API's defaults apply); ``tags`` is a comma- or
    semicolon-separated list.
    """
    if raw.get(None):
        extra = len(raw[None])
        raise ValidationError({"_row": [f"Has {extra} more cell(s) than the header."]})
    payload: dict[str, Any] = {}
    for name in COLUMNS:
        value = raw.get(name)
        if value is None:
            continue
        if name not in REQUIRED_COLUMNS and value.strip() == "":
            continue
        payload[name] = value
    if "tags" in payload:
        payload["tags"] = [t for t in payload["tags"].replace(";", ",").split(",") if t.strip()]
    extras = {"created_at": payload.pop("created_at")} if "created_at" in payload else {}
    errors: dict[str, Any] = {}
    data: dict[str, Any] = {}
    try:
        data = TicketIn().load(payload)
    except ValidationError as err:
        errors.update(err.messages if isinstance(err.messages, dict) else {"_row": err.messages})
    try:
        loaded = ImportExtras().load(extras)
    except ValidationError as err:
        errors.update(err.messages if isinstance(err.messages, dict) else {"_row": err.messages})
    else:
        created = loaded.get("created_at")
        if created is not None and created > datetime.now(UTC):
            errors["created_at"] = ["Must not be in the future."]
        elif created is not None:
            data["created_at"] = created
    if errors:
        raise ValidationError(errors)
    return data


def _store(rows: list[dict[str, Any]]) -> None:
    """Create the tickets of one batch in the current transaction: one flush for the batch.

    Each ticket is built by the tickets service (the API's rules: manual sources, status and
    ``resolved_at``); tags are looked up once per batch.
    """
    names = list(dict.fromkeys(name for data in rows for name in data.get("tags", ())))
    with db.session.no_autoflush:
        known = {tag.name: tag for tag in get_or_create_tags(names)}
        for data in rows:
            data = dict(data)
            created_at = data.pop("created_at", None)
            tags = data.pop("tags", [])
            ticket = build_ticket(data)
            ticket.tags = [known[name] for name in tags]
            if created_at is not None:
                ticket.created_at = created_at
                ticket.updated_at = created_at
                if ticket.resolved_at is not None and ticket.resolved_at < created_at:
                    ticket.resolved_at = created_at
    db.session.flush()


class _Source:
    """The file's lines, decoded one at a time, with the byte and line position for reports.

    Decoding per line (rather than through a buffered text wrapper) puts a non-UTF-8 byte on
    its exact line and lets the csv reader stream quoted multi-line fields.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.bytes_read = 0
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        for chunk in self.raw:
            self.line += 1
            self.bytes_read += len(chunk)
            if self.line == 1 and chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[len(codecs.BOM_UTF8) :]
            try:
                yield chunk.decode("utf-8")
            except UnicodeDecodeError as err:
                raise ImportFileError(
                    f"line {self.line}: the file is not UTF-8 text ({err.reason}); "
                    'save it as UTF-8 ("CSV UTF-8" in spreadsheet programs)'
                ) from err


def open_csv(path: str | Path) -> tuple[IO[bytes], _Source, Iterator[tuple[int, dict]]]:
    """Open ``path`` for streaming: (binary file, position, iterator of (line, record)).

    A UTF-8 byte-order mark is skipped; header names are trimmed and lower-cased; the header
    must name ``subject`` and ``body``.
    """
    raw = Path(path).open("rb")
    source = _Source(raw)
    reader = csv.DictReader(source)
    try:
        header = reader.fieldnames
    except csv.Error as err:
        raw.close()
        raise ImportFileError(f"cannot read the header: {err}") from err
    except BaseException:
        raw.close()
        raise
    if not header:
        raw.close()
        raise ImportFileError("the file is empty: expected a header row with subject and body")
    names = [(h or "").strip().lower() for h in header]
    reader.fieldnames = names
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raw.close()
        raise ImportFileError(
            f"missing required column(s): {', '.join(missing)} "
            f"(the header has: {', '.join(h for h in names if h) or 'nothing'})"
        )

    def records() -> Iterator[tuple[int, dict]]:
        last_line = reader.line_num
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                raise ImportFileError(f"line {last_line + 1}: malformed CSV: {err}") from err
            start = last_line + 1
            last_line = reader.line_num
            if not any((v or "").strip() for k, v in record.items() if k is not None):
                continue  # a blank line
            yield start, record

    return raw, source, records()


class _Run:
    """One import's state: the batch in hand, the report, progress so far."""

    def __init__(self, batch_size: int, dry_run: bool, strict: bool, hooks: dict) -> None:
        self.batch_size = batch_size
        self.dry_run = dry_run
        self.strict = strict
        self.hooks = hooks
        self.report = ImportReport(dry_run=dry_run)
        self.batch: list[dict[str, Any]] = []
        self.seen = 0

    def advance(self, counter: Any) -> None:
        progress = self.hooks.get("progress")
        if progress is not None and counter.bytes_read > self.seen:
            progress(counter.bytes_read - self.seen)
            self.seen = counter.bytes_read

    def flush(self) -> None:
        if not self.batch:
            return
        if not self.dry_run:
            _store(self.batch)
            if self.strict:
                db.session.expunge_all()  # one transaction, bounded memory
            else:
                db.session.commit()
                self.report.imported += len(self.batch)
            self.report.batches += 1
        self.batch.clear()

    def header(self, record: dict) -> None:
        unknown = [k for k in record if k is not None and k and k not in COLUMNS]
        self.report.ignored_columns = unknown
        if unknown and self.hooks.get("on_ignored_columns"):
            self.hooks["on_ignored_columns"](unknown)

    def reject(self, line: int, err: ValidationError, record: dict) -> bool:
        """Report a bad row; True when the import must stop (``strict``)."""
        self.report.rejected += 1
        if self.hooks.get("on_reject"):
            self.hooks["on_reject"](Rejected(line, _format_errors(err.messages), record))
        if not self.strict:
            return False
        self.report.stopped = f"line {line} is invalid (--strict): nothing imported"
        db.session.rollback()
        self.report.batches = 0
        self.report.imported = 0
        return True

    def rows(self, records: Iterable, counter: Any) -> ImportReport:
        for index, (line, record) in enumerate(records):
            if index == 0:
                self.header(record)
            try:
                data = parse_row(record)
            except ValidationError as err:
                if self.reject(line, err, record):
                    return self.report
                continue
            self.report.good += 1
            self.batch.append(data)
            if len(self.batch) >= self.batch_size:
                self.flush()
                self.advance(counter)
        self.flush()
        if self.strict and not self.dry_run:
            db.session.commit()
            self.report.imported = self.report.good
        self.advance(counter)
        return self.report


def run_import(
    path: str | Path,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    strict: bool = False,
    on_reject: Callable[[Rejected], None] | None = None,
    progress: Callable[[int], None] | None = None,
    on_ignored_columns: Callable[[list[str]], None] | None = None,
) -> ImportReport:
    """Import the tickets in the CSV file at ``path``.

    - default: every batch of good rows is committed as one transaction; bad rows are reported
      through ``on_reject`` and skipped.
    - ``strict``: the first bad row stops the import and nothing is stored (one transaction).
    - ``dry_run``: validate only; nothing is written.
    Raises ``ImportFileError`` when the file cannot be read; batches committed before a
    mid-file read error stay, the batch in hand is rolled back.
    """
    hooks = {"on_reject": on_reject, "progress": progress, "on_ignored_columns": on_ignored_columns}
    run = _Run(batch_size, dry_run, strict, hooks)
    raw, counter, records = open_csv(path)
    try:
        with acting_as(Actor(type=ActorType.SYSTEM, via=Via.CLI, label="csv import")):
            return run.rows(records, counter)
    except BaseException as err:
        db.session.rollback()
        if isinstance(err, ImportFileError):
            err.report = run.report  # what was committed before the file turned unreadable
        raise
    finally:
        raw.close()
