"""Ticket rules and queries. Services flush; the caller (route, job, CLI) commits."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select, case, func, select, text, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..core.errors import InvalidInput, NotFound
from ..core.extensions import db
from ..core.pagination import Page
from ..core.statements import frozen
from ..core.vocab import (
    CLOSED_STATUSES,
    PRIORITY_RANK,
    REOPENED_BY_CUSTOMER,
    UNCLASSIFIED,
    WAITING_STATUSES,
    AssignmentSource,
    Source,
    TicketStatus,
)
from ..models import Attachment, Reply, Tag, Team, Ticket, User, ticket_tags, utcnow
from . import keyset, listing, pagecache, rollups, searchcount, slaquery
from .search import apply_search

NULLABLE_SORT_KEYS = frozenset(
    {"priority", "urgency_score", "assignee", "team", *slaquery.DUE_SORT_KEYS}
)
#: Ownership fields: a person's choice is ``manual`` and routing never overrides it.
OWNERSHIP = {"assignee_id": "assignee_source", "team_id": "team_source"}
#: The filter value for "nobody" / "no team" (``assignee=none``).
NONE = "none"


def get_ticket(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"Ticket {ticket_id}")
    return ticket


def get_ticket_for_update(ticket_id: int) -> Ticket:
    """The ticket, its row locked until the transaction ends (a conditional update reads the
    version it will replace). SQLite has no row locks: a no-op write takes its write lock."""
    if db.session.get_bind().dialect.name == "sqlite":
        table = Ticket.__table__
        db.session.execute(
            update(table)
            .where(table.c.id == ticket_id)
            .values(version=table.c.version, updated_at=table.c.updated_at)
        )
    ticket = db.session.scalars(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if ticket is None:
        raise NotFound(f"Ticket {ticket_id}")
    return ticket


def insert_missing_tags(names: Iterable[str]) -> None:
    """``INSERT … ON CONFLICT (name) DO NOTHING`` (PostgreSQL and SQLite alike): a tag another
    transaction creates at the same moment is waited for and kept, never a unique violation.
    Names go in sorted, so two transactions inserting the same new tags cannot deadlock."""
    rows = [{"name": name} for name in sorted(set(names))]
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(Tag).values(rows).on_conflict_do_nothing(index_elements=["name"]))


def get_or_create_tags(names: Iterable[str]) -> list[Tag]:
    """Tags by normalised name, creating the missing ones (names arrive normalised) with an
    upsert that cannot race another request creating the same tag."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    existing = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(wanted)))}
    missing = [name for name in wanted if name not in existing]
    if missing:
        insert_missing_tags(missing)
        created = select(Tag).where(Tag.name.in_(missing))
        existing.update((t.name, t) for t in db.session.scalars(created))
    return [existing[name] for name in wanted]


def check_owners(data: dict[str, Any]) -> None:
    """An assignee must be an active user and a team must exist (422 naming the field)."""
    fields: dict[str, list[str]] = {}
    assignee_id = data.get("assignee_id")
    if assignee_id is not None:
        user = db.session.get(User, assignee_id)
        if user is None or not user.active:
            fields["assignee_id"] = ["No active user has this id."]
    team_id = data.get("team_id")
    if team_id is not None and db.session.get(Team, team_id) is None:
        fields["team_id"] = ["No team has this id."]
    if fields:
        raise InvalidInput(fields=fields)


def _set_status(ticket: Ticket, status: str) -> None:
    was_closed = ticket.status in CLOSED_STATUSES
    ticket.status = status
    if status in CLOSED_STATUSES and not was_closed:
        ticket.resolved_at = utcnow()
    elif status not in CLOSED_STATUSES:
        ticket.resolved_at = None


def create_ticket(data: dict[str, Any], created_by_id: int | None = None) -> Ticket:
    """A new ticket from validated fields; a category/priority given by a person is ``manual``."""
    check_owners(data)
    ticket = build_ticket(data, created_by_id)
    db.session.flush()
    return ticket


def build_ticket(data: dict[str, Any], created_by_id: int | None = None) -> Ticket:
    """``create_ticket`` without the flush: the ticket is added to the session, so a bulk caller
    (the CSV import) can flush many at once. The same rules apply."""
    data = dict(data)
    tags = data.pop("tags", [])
    status = data.pop("status", TicketStatus.OPEN)
    ticket = Ticket(created_by_id=created_by_id, **data)
    ticket.status = TicketStatus.OPEN
    _set_status(ticket, status)
    if ticket.category:
        ticket.category_source = Source.MANUAL
    if ticket.priority:
        ticket.priority_source = Source.MANUAL
    for key, source in OWNERSHIP.items():
        if getattr(ticket, key) is not None:
            setattr(ticket, source, AssignmentSource.MANUAL)
    ticket.tags = get_or_create_tags(tags)
    db.session.add(ticket)
    return ticket


def update_ticket(ticket: Ticket, data: dict[str, Any], check: bool = True) -> set[str]:
    """Apply a partial update; returns the names of the fields that really changed.

    An assignee or team set here (or cleared) is a person's choice: ``manual``, never
    overridden by routing. ``check=False``: the caller checked the assignee and team once
    (a bulk edit)."""
    if check:
        check_owners(data)
    changed: set[str] = set()
    for key, value in data.items():
        if key in OWNERSHIP:
            if getattr(ticket, key) != value or getattr(ticket, OWNERSHIP[key]) is None:
                setattr(ticket, key, value)
                setattr(ticket, OWNERSHIP[key], AssignmentSource.MANUAL)
                changed.add(key)
            continue
        if key == "tags":
            if value != ticket.tag_names:
                ticket.tags = get_or_create_tags(value)
                changed.add("tags")
            continue
        if getattr(ticket, key) == value and key not in ("category", "priority"):
            continue
        if key == "status":
            _set_status(ticket, value)
        elif key in ("category", "priority"):
            # A person's new value is manual and sticks. Choosing the value the ticket already
            # has changes nothing: triage's answer keeps its source (an agent who picks what
            # Claude chose agrees with Claude; the mark stays "Claude", the version stays, no
            # audit row). Clearing a value clears its source.
            source_attr = f"{key}_source"
            unchanged = getattr(ticket, key) == value
            if unchanged and (value is not None or not getattr(ticket, source_attr)):
                continue
            new_source = Source.MANUAL if value is not None else None
            setattr(ticket, key, value)
            setattr(ticket, source_attr, new_source)
        else:
            setattr(ticket, key, value)
        changed.add(key)
    if changed:
        ticket.updated_at = utcnow()
        db.session.flush()
    return changed


def reply_count(ticket: Ticket | listing.ListedTicket) -> int:
    """How many replies the ticket has, notes included (a list row carries the count)."""
    if isinstance(ticket, listing.ListedTicket):
        return ticket.reply_count
    return len(ticket.replies)


def waiting_since(ticket: Ticket | listing.ListedTicket) -> datetime | None:
    """Since when the requester has been waiting for an answer from the team: their first
    message after the team's last public reply (the ticket itself when the team has not
    answered yet). None when nobody waits on the team: the ticket is resolved or closed, waits
    on the customer or a third party (``WAITING_STATUSES``), or the team spoke last.

    A staff reply is one posted by a signed-in user; an internal note answers nobody. A list
    row carries the same walk's result, read by SQL (``listing.reply_facts``).
    """
    if ticket.status in CLOSED_STATUSES or ticket.status in WAITING_STATUSES:
        return None
    if isinstance(ticket, listing.ListedTicket):
        return ticket.awaited_since
    since: datetime | None = ticket.created_at
    for reply in ticket.replies:  # in the order they were written
        if reply.internal:
            continue
        if reply.user_id is not None:
            since = None
        elif since is None:
            since = reply.created_at
    return since


def delete_ticket(ticket: Ticket) -> None:
    db.session.delete(ticket)
    db.session.flush()


def filter_tickets(stmt: Select, filters: dict[str, Any]) -> Select:
    """Apply the list filters (several values of one filter combine with OR)."""
    if statuses := filters.get("status"):
        stmt = stmt.where(Ticket.status.in_(statuses))
    if categories := filters.get("category"):
        stmt = stmt.where(_or_none(Ticket.category, categories, UNCLASSIFIED))
    if priorities := filters.get("priority"):
        stmt = stmt.where(Ticket.priority.in_(priorities))
    if sentiments := filters.get("sentiment"):
        stmt = stmt.where(Ticket.sentiment.in_(sentiments))
    if tags := filters.get("tag"):
        tagged = (
            select(ticket_tags.c.ticket_id)
            .join(Tag, Tag.id == ticket_tags.c.tag_id)
            .where(Tag.name.in_(tags))
        )
        stmt = stmt.where(Ticket.id.in_(tagged))
    if "has_note" in filters:
        has_note = (Ticket.note.is_not(None)) & (Ticket.note != "")
        stmt = stmt.where(has_note if filters["has_note"] else ~has_note)
    if requester := filters.get("requester"):
        stmt = stmt.where(Ticket.requester_email == requester)
    if languages := filters.get("language"):
        stmt = stmt.where(Ticket.language.in_(languages))
    for key, column in (("assignee", Ticket.assignee_id), ("team", Ticket.team_id)):
        if wanted := filters.get(key):
            stmt = stmt.where(_owner_condition(column, wanted))
    if created_from := filters.get("created_from"):
        stmt = stmt.where(Ticket.created_at >= created_from)
    if created_to := filters.get("created_to"):
        stmt = stmt.where(Ticket.created_at < created_to)
    if sla := filters.get("sla"):
        stmt = stmt.where(slaquery.filter_condition(sla, utcnow()))
    if q := filters.get("q"):
        stmt = apply_search(stmt, q, db.session.get_bind().dialect.name)
    return stmt


def _or_none(column, wanted: list, none_word: str):
    """``category=billing,unclassified`` -> ``category IN ('billing') OR category IS NULL``."""
    named = [v for v in wanted if v != none_word]
    conditions = []
    if named:
        conditions.append(column.in_(named))
    if none_word in wanted:
        conditions.append(column.is_(None))
    return conditions[0] if len(conditions) == 1 else db.or_(*conditions)


def _owner_condition(column, wanted: list[str]):
    """``assignee=none,7`` -> ``assignee_id IS NULL OR assignee_id IN (7)`` ("me" is resolved
    to an id by the schema)."""
    return _or_none(column, [v if v == NONE else int(v) for v in wanted], NONE)


def _sort_column(key: str):
    """The value a list sort orders by (``key`` without its ``-``)."""
    if key == "priority":
        return case(dict(PRIORITY_RANK), value=Ticket.priority, else_=None)
    if key == "assignee":
        return select(User.name).where(User.id == Ticket.assignee_id).scalar_subquery()
    if key == "team":
        return select(Team.name).where(Team.id == Ticket.team_id).scalar_subquery()
    if key in slaquery.DUE_SORT_KEYS:
        return slaquery.sort_column(key)
    return getattr(Ticket, key)


def _order_by(sort: str, column=None, id_column=None) -> list:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    column = _sort_column(key) if column is None else column
    id_column = Ticket.id if id_column is None else id_column
    ordered = column.desc() if descending else column.asc()
    if key in NULLABLE_SORT_KEYS:
        # Tickets without a value sort last either way. Only here: NULLS LAST on a NOT NULL
        # timestamp would stop PostgreSQL from walking the (created_at, id) index backwards.
        ordered = ordered.nulls_last()
    return [ordered, id_column.desc() if descending else id_column.asc()]


_TABLE_ROWS: dict[str, tuple[float, float]] = {}
TABLE_ROWS_SECONDS = 60.0


def _table_rows(bind) -> float:
    """The tickets table's size from its statistics, read at most once a minute per process
    (it only decides whether an estimate is worth asking for; a round trip per list saved)."""
    key = bind.url.render_as_string(hide_password=True)
    now = time.monotonic()
    cached = _TABLE_ROWS.get(key)
    if cached and now - cached[0] < TABLE_ROWS_SECONDS:
        return cached[1]
    rows = db.session.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = 'tickets'::regclass")
    ).scalar()
    _TABLE_ROWS[key] = (now, float(rows or 0))
    return _TABLE_ROWS[key][1]


def planner_estimate(stmt: Select, above: int) -> int | None:
    """PostgreSQL's own row estimate for ``stmt`` (one EXPLAIN, no rows read).

    Only asked when the table's statistics say it holds more than ``above`` rows: estimates
    on a small or never-analysed table are guesses, and counting such a table is cheap.
    """
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    table_rows = _table_rows(bind)
    if not table_rows or table_rows <= above:
        return None
    compiled = (
        stmt.with_only_columns(Ticket.id)
        .order_by(None)
        .compile(dialect=bind.dialect, compile_kwargs={"render_postcompile": True})
    )
    connection = db.session.connection()
    plan = connection.exec_driver_sql(
        "EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params
    ).scalar()
    return int(plan[0]["Plan"]["Plan Rows"])


def count_capped(stmt: Select, cap: int, estimate: bool = True) -> tuple[int, bool]:
    """Count the rows ``stmt`` selects, but never more than ``cap`` of them.

    Counting a broad filter over a million rows costs hundreds of milliseconds, so when
    PostgreSQL's planner expects more than ``cap`` rows its estimate is returned instead
    (``exact`` is then False). Otherwise the count stops at ``cap`` + 1 rows. Without
    ``estimate`` the planner is not asked (its guesses for a text match are often off by 4x):
    the count always stops at ``cap`` and says so.
    """
    guess = planner_estimate(stmt, cap) if estimate else None
    if guess is not None and guess > cap:
        return guess, False
    return capped_total(db.session.scalar(capped_count(stmt, cap)) or 0, cap)


def capped_count(stmt: Select, cap: int) -> Select:
    """``SELECT count(*)`` of at most ``cap`` + 1 of the rows ``stmt`` selects."""
    limited = stmt.with_only_columns(Ticket.id).order_by(None).limit(cap + 1).subquery()
    return select(func.count()).select_from(limited)


def capped_total(counted: int, cap: int) -> tuple[int, bool]:
    """What ``capped_count`` read, as (total, exact)."""
    return (cap, False) if counted > cap else (counted, True)


def list_tickets(params: dict[str, Any]) -> Page:
    """One page of tickets matching the filters, sorted, with (capped) total and the cursor
    of the next page (``None`` on the last).

    With ``cursor`` (from a previous page's ``next_cursor``) the page starts after that row
    by keyset (see ``keyset``) and ``page`` is ignored; else ``page`` is an OFFSET. One row
    more than the page is read, so the last page is known without counting. The page is one
    statement (``listing``): its rows are ``ListedTicket``s, not ORM tickets, and the total
    rides along it when the rollups or a text search's capped count can give it."""
    per_page = params["per_page"]
    sort = params.get("sort", "-created_at")
    nullable = sort.lstrip("-") in NULLABLE_SORT_KEYS
    dialect = db.session.get_bind().dialect.name
    cursor = keyset.decode(params["cursor"], sort, nullable) if params.get("cursor") else None
    served = cursor.served if cursor else (params["page"] - 1) * per_page
    text_cap = current_app.config["SEARCH_TEXT_COUNT_CAP"] if params.get("q") else None
    # A search known (for a few seconds) to match more than the cap is not counted again,
    # and walks the sort's index: see ``searchcount``.
    many = searchcount.known() if text_cap is not None else None
    many_key = searchcount.key(params, text_cap) if many is not None else None
    counting = text_cap is not None and many_key not in many
    # The same list asked again (a refresh, a teammate's view) reuses its statement: see
    # ``pagecache``. A filter on SLA clocks compares with "now": built every time.
    kept = None if params.get("sla") else (dialect, text_cap, counting, frozen(params))
    page, total_from = pagecache.statements().get(
        kept,
        lambda: _page_statement(params, sort, cursor, served, dialect, text_cap, counting),
    )
    # Plain rows: run on the session's connection (same transaction), skipping the ORM's
    # per-statement set-up, which has no entity to load here.
    fetched = db.session.connection().execute(page).all()
    more = len(fetched) > per_page
    fetched = fetched[:per_page]
    rows = [listing.build(row, dialect) for row in fetched]
    next_cursor = None
    if more:
        last = fetched[-1]
        next_cursor = keyset.encode(sort, last.sort_value, last.id, served + per_page)
    if rows and not more:
        # The last page: everything before it was full, so the total is known without a count
        # (most searches fit on one page; a text search's count was not even run).
        total, exact = served + len(rows), True
    elif not rows and served == 0:
        total, exact = 0, True
    elif rows and total_from == "text":
        total, exact = capped_total(fetched[0].text_total, text_cap)
    elif rows and text_cap is not None:
        total, exact = text_cap, False  # known to be more, a moment ago
    elif rows and total_from == "rollup":
        total, exact = int(fetched[0].rollup_total or 0), True
    else:
        total, exact = count_filtered(filter_tickets(select(Ticket.id), params), params)
    if many is not None:
        if exact:
            many.discard(many_key)
        elif total_from == "text":
            # Only a count that ran starts the seconds: a search answered from the memo must
            # not renew it, or one asked every few seconds would never be counted again.
            many.add(many_key)
    return Page(rows, served // per_page + 1, per_page, total, exact, next_cursor)


def _page_statement(
    params: dict[str, Any],
    sort: str,
    cursor: keyset.Cursor | None,
    served: int,
    dialect: str,
    text_cap: int | None,
    counting: bool,
) -> tuple[Select, str | None]:
    """The page's one statement (ordered), and where its total comes from: ``"text"`` (a
    text search's capped count), ``"rollup"`` (the rollup rows) or ``None`` (not in it)."""
    per_page = params["per_page"]
    key = sort.lstrip("-")
    nullable = key in NULLABLE_SORT_KEYS
    column = _sort_column(key)
    stmt = filter_tickets(select(Ticket.id), params)

    def window(rows: Select, value, id_column) -> Select:
        """``rows`` (id, sort_value) narrowed to this page: after the cursor or the offset,
        in the sort's order, one row more than the page."""
        if cursor:
            rows = rows.where(keyset.after(value, cursor, nullable, id_column))
        else:
            rows = rows.offset(served)
        return rows.order_by(*_order_by(sort, value, id_column)).limit(per_page + 1)

    ids = window(stmt.add_columns(column.label("sort_value")), column, Ticket.id)
    # The total rides along the page's own query (each an uncorrelated scalar subquery,
    # evaluated once) instead of a round trip after it: a text search's count reads the
    # index's bitmap of every match and visits them up to a cap; the commonest filters are
    # counted exactly from the rollups.
    extra, total_from = [], None
    if counting:
        if dialect == "postgresql":
            ids, count = _few_or_many(stmt, column, ids, text_cap, window)
        else:
            count = capped_count(stmt, text_cap).scalar_subquery()
        # Read only when a page follows: on the last page the total is known without it, and
        # a subquery in a CASE branch runs only when the branch is taken.
        extra.append(case((func.count().over() > per_page, count)).label("text_total"))
        total_from = "text"
    elif text_cap is None and (rollup := rollups.matching_count(params, UNCLASSIFIED)) is not None:
        extra.append(rollup.scalar_subquery().label("rollup_total"))
        total_from = "rollup"
    page = listing.page_query(ids, dialect, extra)
    return page.order_by(*_order_by(sort, page.selected_columns.sort_value)), total_from


def _few_or_many(stmt: Select, column, walk: Select, cap: int, window) -> tuple[Select, Any]:
    """A text search's page ids on PostgreSQL, and its capped count, from one bitmap.

    ``matches`` holds up to ``cap`` + 1 matching ids, read through the text indexes' bitmap
    (as the count always was). With at most ``cap`` of them, that is every match: the page is
    sorted from them (each one's sort value looked up by id, so the planner has no other way
    in). Only past the cap does the page ``walk`` the sort's index (newest first, say) until
    it has filled a page. The planner picks the walk from its estimate of the matches, which
    takes words as independent: two common words that rarely meet ("refund password": 685
    expected, none there) walked all 100,000 tickets (175 ms; seconds at 1M) to find that
    nothing matched. Each branch is gated by the count (a one-time filter), so one runs."""
    matches = stmt.order_by(None).limit(cap + 1).cte("matches")
    counted = select(func.count()).select_from(matches).scalar_subquery()
    value = select(column).where(Ticket.id == matches.c.id).scalar_subquery().label("sort_value")
    few = window(select(matches.c.id, value).where(counted <= cap), value, matches.c.id)
    return union_all(
        few.subquery("few").select(), walk.where(counted > cap).subquery("many").select()
    ), counted


def count_filtered(stmt: Select, filters: dict[str, Any]) -> tuple[int, bool]:
    """How many tickets ``stmt`` (the list query ``filters`` built) selects, and whether that
    is exact: the list's commonest filters from the rollup rows (exact, a few rows read);
    a text match counted up to ``SEARCH_TEXT_COUNT_CAP``; anything else up to
    ``SEARCH_COUNT_CAP`` or PostgreSQL's estimate beyond it."""
    counted = rollups.count_matching(filters, UNCLASSIFIED)
    if counted is not None:
        return counted, True
    if filters.get("q"):
        # A text match is counted from the index's bitmap of every match, then a heap visit
        # per counted row: stop at a smaller cap ("1,000+ tickets"), never an estimate.
        return count_capped(stmt, current_app.config["SEARCH_TEXT_COUNT_CAP"], estimate=False)
    return count_capped(stmt, current_app.config["SEARCH_COUNT_CAP"])


def add_reply(
    ticket: Ticket,
    data: dict[str, Any],
    author: User | None = None,
    on_behalf_of: dict[str, Any] | None = None,
) -> Reply:
    """Add a reply written by ``author`` (the signed-in user: its name and e-mail are the
    reply's author, never the caller's say), optionally posted for someone else."""
    data = dict(data)
    files = _unattached(ticket, data.pop("attachment_ids", None) or [])
    reply = Reply(ticket=ticket, **data)
    reply.attachments = files
    if author is not None:
        reply.user_id, reply.author_name, reply.author_email = author.id, author.name, author.email
    if on_behalf_of:
        reply.on_behalf_of_name = on_behalf_of["name"]
        reply.on_behalf_of_email = on_behalf_of.get("email")
    db.session.add(reply)
    if on_behalf_of and not reply.internal:
        customer_answered(ticket)  # the customer's words, posted for them (they phoned in)
    ticket.updated_at = utcnow()
    db.session.flush()
    return reply


def _unattached(ticket: Ticket, ids: list[int]) -> list[Attachment]:
    """Files uploaded to ``ticket`` and not yet on a reply, by id (all of them, or a 422)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = db.session.scalars(
        select(Attachment).where(
            Attachment.id.in_(wanted),
            Attachment.ticket_id == ticket.id,
            Attachment.reply_id.is_(None),
        )
    ).all()
    missing = sorted(set(wanted) - {a.id for a in found})
    if missing:
        message = f"No unattached upload {missing} on this ticket."
        raise InvalidInput(message, fields={"attachment_ids": [message]})
    return sorted(found, key=lambda a: wanted.index(a.id))


def add_customer_reply(
    ticket: Ticket, body: str, email: str | None, name: str | None = None
) -> Reply:
    """A reply written by the customer (a mail in, the status page); see
    ``customer_answered`` for what it does to the status."""
    reply = Reply(
        ticket=ticket,
        body=body,
        author_email=email,
        author_name=name or None,
        from_customer=True,
        internal=False,
    )
    db.session.add(reply)
    customer_answered(ticket)
    ticket.updated_at = utcnow()
    db.session.flush()
    return reply


def customer_answered(ticket: Ticket) -> None:
    """The one rule for a customer's reply, whichever way it came (a mail, the status page,
    an admin posting it for them): a ticket waiting on the customer (``pending``) or
    ``resolved`` goes back to ``open`` (the SLA clock resumes with that status change); any
    other status stays as it is."""
    if ticket.status in REOPENED_BY_CUSTOMER:
        _set_status(ticket, TicketStatus.OPEN)


def get_reply(ticket: Ticket, reply_id: int) -> Reply:
    reply = db.session.get(Reply, reply_id)
    if reply is None or reply.ticket_id != ticket.id:
        raise NotFound(f"Reply {reply_id} of ticket {ticket.id}")
    return reply


def list_replies(ticket: Ticket, include_internal: bool = True) -> list[Reply]:
    return [r for r in ticket.replies if include_internal or not r.internal]
