"""Realistic demo tickets, generated deterministically and inserted in bulk.

Used by ``flask tickets seed``, ``make run`` (first start) and the benchmarks.
"""

from __future__ import annotations

import queue
import random
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice

from sqlalchemy import insert, select

from ..core.extensions import db
from ..core.vocab import CLOSED_STATUSES, Priority, Source, TicketStatus
from ..models import Classification, Reply, Tag, Ticket, ticket_tags
from . import rollups, services

FIRST = [
    "Ana",
    "Ben",
    "Chloé",
    "Dmitri",
    "Emma",
    "Farah",
    "Gus",
    "Hana",
    "Ivan",
    "Jade",
    "Kofi",
    "Lena",
    "Mateo",
    "Nina",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Yusuf",
    "Zoë",
]
LAST = [
    "Alvarez",
    "Brown",
    "Chen",
    "Dubois",
    "Evans",
    "Fischer",
    "García",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Müller",
    "Nakamura",
    "O'Brien",
    "Patel",
    "Rossi",
    "Singh",
    "Tanaka",
    "Novak",
]
DOMAINS = ["example.com", "example.org", "acme.test", "globex.test", "initech.test"]
PRODUCTS = [
    "dashboard",
    "mobile app",
    "API",
    "reporting module",
    "checkout page",
    "CSV importer",
    "admin console",
    "webhooks",
    "single sign-on",
    "search",
]
PLANS = ["Starter", "Team", "Business", "Enterprise"]

# (category, priority, sentiment, subject template, body template, tags)
TEMPLATES: list[tuple[str, str, str, str, str, list[str]]] = [
    (
        "technical",
        "critical",
        "angry",
        "Production down: {product} returns 500 for everyone",
        "Since {time} our whole team gets a 500 error on the {product}. Nobody can work and our "
        "customers are affected. We have a deadline today. Please escalate immediately!",
        ["outage", "escalated"],
    ),
    (
        "technical",
        "high",
        "frustrated",
        "{product} keeps timing out",
        "Requests to the {product} time out after 30 seconds since this morning. We retried from "
        "two networks and cleared the cache, still not working. Error: ETIMEDOUT. Can you check?",
        ["performance"],
    ),
    (
        "technical",
        "medium",
        "neutral",
        "Bug: {product} shows the wrong totals",
        "When I filter by last month the {product} shows totals that don't match the export. "
        "Steps to reproduce: open the report, pick last month, compare with the CSV.",
        ["bug"],
    ),
    (
        "technical",
        "low",
        "calm",
        "Question about {product} integration",
        "Hi, we'd like to connect the {product} to our internal tool. Is there documentation "
        "for the endpoints and rate limits? No rush, thanks!",
        ["integration", "question"],
    ),
    (
        "technical",
        "high",
        "frustrated",
        "Sync failing after the latest update",
        "After updating to version 4.{minor} the {product} sync fails with 'connection reset by "
        "peer'. It worked fine last week. Several colleagues see the same thing.",
        ["bug", "regression"],
    ),
    (
        "billing",
        "high",
        "angry",
        "Charged twice for my {plan} subscription",
        "I was charged twice this month for the {plan} plan (invoice {invoice}). I want a refund "
        "of the duplicate charge right away, this is the second time it happens.",
        ["refund", "duplicate-charge"],
    ),
    (
        "billing",
        "medium",
        "neutral",
        "Invoice {invoice} has the wrong VAT number",
        "Our invoice {invoice} shows an old VAT number. Could you reissue it with the correct "
        "company details? Our accounting needs it before the end of the month.",
        ["invoice"],
    ),
    (
        "billing",
        "low",
        "calm",
        "How do I switch to annual billing?",
        "We are on the monthly {plan} plan and would like to move to annual billing. What is the "
        "price difference and will we get a prorated credit?",
        ["plan-change"],
    ),
    (
        "billing",
        "medium",
        "frustrated",
        "Refund not received yet",
        "You confirmed a refund of ${amount} two weeks ago but it is still not on my card. Can "
        "you tell me the status of the refund?",
        ["refund"],
    ),
    (
        "account",
        "high",
        "frustrated",
        "Can't log in after password reset",
        "I reset my password but the login page still says 'invalid credentials'. The reset "
        "e-mail link also expired. I'm locked out of my account and need access today.",
        ["login", "password"],
    ),
    (
        "account",
        "medium",
        "neutral",
        "Two-factor codes not accepted",
        "My authenticator app codes are rejected when I sign in. I changed phones last week. "
        "How can I reset 2FA on my account?",
        ["2fa", "login"],
    ),
    (
        "account",
        "low",
        "calm",
        "Please update the e-mail on my account",
        "Hello, I changed jobs and would like my account e-mail changed to my new address. "
        "Happy to verify my identity however you need.",
        ["profile"],
    ),
    (
        "account",
        "medium",
        "neutral",
        "Close my account and delete my data",
        "Please close my account and delete the personal data you hold about me, as allowed "
        "under GDPR. Let me know once it's done.",
        ["gdpr", "account-closure"],
    ),
    (
        "general",
        "low",
        "calm",
        "Feature request: dark mode for the {product}",
        "Love the product! Would it be possible to have a dark mode in the {product}? Many of "
        "us work late and it would help.",
        ["feature-request"],
    ),
    (
        "general",
        "low",
        "neutral",
        "Where can I find your security documentation?",
        "Our procurement team needs your security whitepaper and the list of sub-processors. "
        "Where can I download them?",
        ["question"],
    ),
    (
        "general",
        "medium",
        "neutral",
        "Training session for new team members",
        "We have {n} new agents starting next week. Do you offer an onboarding or training "
        "session for the {product}?",
        ["onboarding"],
    ),
    (
        "general",
        "low",
        "calm",
        "Thanks for the quick help yesterday",
        "Just wanted to say thanks to your support team for sorting out our issue so quickly "
        "yesterday. Great service!",
        ["feedback"],
    ),
]
FILLER = [
    "We are on the {plan} plan with about {n} users.",
    "Our account id is {account}.",
    "I attached a screenshot in my previous e-mail.",
    "Please reply to this address, I'm not always at my desk.",
    "This started around {time} UTC.",
    "We use Chrome and Firefox on Windows and macOS.",
    "Let me know if you need any more information from our side.",
]
REPLIES = [
    "Thanks for reaching out, we're looking into this now.",
    "Could you send us the exact time it happened and a screenshot?",
    "We've applied a fix; can you confirm it works on your side?",
    "I've forwarded this to our billing team, they will get back to you within a day.",
]

#: How often each status appears in demo data.
STATUS_WEIGHTS = {
    TicketStatus.OPEN: 4,
    TicketStatus.IN_PROGRESS: 2,
    TicketStatus.RESOLVED: 3,
    TicketStatus.CLOSED: 1,
}
#: A plausible urgency score for each priority (demo data jitters it by ±8).
TYPICAL_URGENCY = {Priority.LOW: 15, Priority.MEDIUM: 45, Priority.HIGH: 70, Priority.CRITICAL: 92}


def _fill(rng: random.Random, text: str) -> str:
    return text.format(
        product=rng.choice(PRODUCTS),
        plan=rng.choice(PLANS),
        time=f"{rng.randint(0, 23):02d}:00",
        minor=rng.randint(0, 9),
        invoice=f"INV-{rng.randint(10000, 99999)}",
        amount=rng.randint(9, 900),
        n=rng.randint(2, 60),
        account=f"AC-{rng.randint(1000, 9999)}",
    )


def generate(
    count: int, days: int = 30, seed: int = 42, min_body: int = 0, now: datetime | None = None
) -> Iterator[dict]:
    """Ticket rows (dicts ready for a bulk insert), with ``_tags`` and ``_replies`` extras."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    for _ in range(count):
        category, priority, sentiment, subject, body, tags = rng.choice(TEMPLATES)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        text = _fill(rng, body)
        while len(text) < min_body or rng.random() < 0.4:
            text += " " + _fill(rng, rng.choice(FILLER))
            if len(text) > max(min_body, 1) + 400:
                break
        created = now - timedelta(seconds=rng.randint(0, max(days, 1) * 86400))
        status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0].value
        triaged = rng.random() < 0.85
        # Demo data never claims Claude answered: no Claude call was made for it.
        source = (
            rng.choices([Source.FALLBACK.value, Source.MANUAL.value], [3, 1])[0]
            if triaged
            else None
        )
        resolved = None
        if status in CLOSED_STATUSES:
            resolved = min(now, created + timedelta(hours=rng.uniform(0.5, 96)))
        email = f"{first}.{last}".lower().replace("'", "") + "@" + rng.choice(DOMAINS)
        yield {
            "subject": _fill(rng, subject)[:200],
            "body": text[:20000],
            "status": status,
            "category": category if triaged else None,
            "category_source": source,
            "priority": priority if triaged else None,
            "priority_source": source,
            "sentiment": sentiment if triaged else None,
            "urgency_score": (TYPICAL_URGENCY[priority] + rng.randint(-8, 8)) if triaged else None,
            "confidence": round(rng.uniform(0.45, 0.97), 2) if triaged else None,
            "explanation": SEEDED_EXPLANATION if triaged else None,
            "classified_at": created + timedelta(seconds=5) if triaged else None,
            "triage_status": "done" if triaged else None,
            # its one seeded run (RUN_COLUMNS), in brief: what the rollups count
            "triaged_category": category if triaged else None,
            "triaged_priority": priority if triaged else None,
            "triage_runs_fallback": 1 if triaged else 0,
            "note": "Customer is on a trial." if rng.random() < 0.1 else None,
            "requester_email": email.encode("ascii", "ignore").decode(),
            "requester_name": f"{first} {last}",
            "created_at": created,
            "updated_at": resolved or created,
            "resolved_at": resolved,
            "_tags": tags if rng.random() < 0.8 else [],
            "_replies": rng.sample(REPLIES, k=rng.choice([0, 0, 1, 2])),
        }


#: Ticket columns ``generate`` fills, in COPY order (``id`` comes from the sequence).
TICKET_COLUMNS = (
    "subject",
    "body",
    "status",
    "category",
    "category_source",
    "priority",
    "priority_source",
    "sentiment",
    "urgency_score",
    "confidence",
    "explanation",
    "classified_at",
    "triage_status",
    "triaged_category",
    "triaged_priority",
    "triage_runs_fallback",
    "note",
    "requester_email",
    "requester_name",
    "created_at",
    "updated_at",
    "resolved_at",
)
REPLY_COLUMNS = ("ticket_id", "body", "internal", "author_name", "created_at")
#: A seeded ticket's triage values came with the demo data; its history says so.
SEEDED_EXPLANATION = "Demo data: seeded with its template's labels, no classifier ran."
#: The triage run each triaged demo ticket gets in its history (the values on the ticket), so
#: the page never shows "Triage: Done" and a confidence next to "Not classified yet".
RUN_COLUMNS = (
    "ticket_id",
    "source",
    "category",
    "priority",
    "sentiment",
    "urgency_score",
    "confidence",
    "explanation",
    "created_at",
)


def _runs(ids: list[int], batch: list[dict]) -> list[dict]:
    return [
        {
            "ticket_id": ticket_id,
            "source": Source.FALLBACK.value,
            "category": row["category"],
            "priority": row["priority"],
            "sentiment": row["sentiment"],
            "urgency_score": row["urgency_score"],
            "confidence": row["confidence"],
            "explanation": row["explanation"],
            "created_at": row["classified_at"],
        }
        for ticket_id, row in zip(ids, batch, strict=True)
        if row["triage_status"] is not None
    ]


def _tag_id(name: str, tag_ids: dict[str, int]) -> int:
    if name not in tag_ids:
        services.insert_missing_tags([name])
        tag_ids[name] = db.session.scalar(select(Tag.id).where(Tag.name == name))
    return tag_ids[name]


def _copy_batch(batch: list[dict], tag_ids: dict[str, int], with_replies: bool) -> None:
    """PostgreSQL: one batch through COPY (psycopg 3), in the session's transaction.

    Ids are drawn from the tickets' own sequence first, so tags and replies can point at them
    and concurrent inserts through the API never collide with the seeded rows.
    """
    for row in batch:
        for name in row["_tags"]:
            _tag_id(name, tag_ids)
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('tickets', 'id')) FROM generate_series(1, %s)",
            (len(batch),),
        )
        ids = [value for (value,) in cursor.fetchall()]
        columns = ", ".join(("id", *TICKET_COLUMNS))
        with cursor.copy(f"COPY tickets ({columns}) FROM STDIN") as copy:  # noqa: S608 - constants
            for ticket_id, row in zip(ids, batch, strict=True):
                copy.write_row((ticket_id, *(row[c] for c in TICKET_COLUMNS)))
        with cursor.copy("COPY ticket_tags (ticket_id, tag_id) FROM STDIN") as copy:
            for ticket_id, row in zip(ids, batch, strict=True):
                for name in row["_tags"]:
                    copy.write_row((ticket_id, tag_ids[name]))
        with cursor.copy(f"COPY classifications ({', '.join(RUN_COLUMNS)}) FROM STDIN") as copy:  # noqa: S608
            for run in _runs(ids, batch):
                copy.write_row(tuple(run[c] for c in RUN_COLUMNS))
        if with_replies:
            columns = ", ".join(REPLY_COLUMNS)
            with cursor.copy(f"COPY replies ({columns}) FROM STDIN") as copy:  # noqa: S608
                for ticket_id, row in zip(ids, batch, strict=True):
                    for body in row["_replies"]:
                        copy.write_row(
                            (ticket_id, body, False, "Support team",
                             row["created_at"] + timedelta(hours=1))
                        )  # fmt: skip
    # COPY bypasses the ORM's hooks: count the batch in the rollups, same transaction.
    rollups.add_rows(db.session.connection(), batch)


def seed(
    count: int,
    days: int = 30,
    seed_value: int = 42,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
    with_replies: bool = True,
    min_body: int = 0,
) -> int:
    """Insert ``count`` generated tickets in batches; returns how many were inserted.

    PostgreSQL (psycopg) loads each batch with COPY; other engines use multi-row INSERTs.
    """
    tag_ids: dict[str, int] = {}
    inserted = 0
    batch: list[dict] = []

    use_copy = db.session.get_bind().dialect.driver == "psycopg"

    def flush_batch() -> None:
        nonlocal inserted
        if use_copy:
            _copy_batch(batch, tag_ids, with_replies)
            db.session.commit()
            inserted += len(batch)
            if progress:
                progress(len(batch))
            batch.clear()
            return
        extras = [(row.pop("_tags"), row.pop("_replies"), row["created_at"]) for row in batch]
        ids = db.session.scalars(
            insert(Ticket).returning(Ticket.id, sort_by_parameter_order=True), batch
        ).all()
        for name in sorted({name for tags, _, _ in extras for name in tags}):
            _tag_id(name, tag_ids)
        links = [
            {"ticket_id": tid, "tag_id": tag_ids[n]}
            for tid, (tags, _, _) in zip(ids, extras, strict=True)
            for n in tags
        ]
        if links:
            db.session.execute(insert(ticket_tags), links)
        runs = _runs(ids, batch)
        if runs:
            db.session.execute(insert(Classification), runs)
        rollups.add_rows(db.session.connection(), batch)  # Core INSERT bypasses the hooks
        if with_replies:
            replies = [
                {
                    "ticket_id": tid,
                    "body": body,
                    "internal": False,
                    "author_name": "Support team",
                    "created_at": created + timedelta(hours=1),
                }
                for tid, (_, bodies, created) in zip(ids, extras, strict=True)
                for body in bodies
            ]
            if replies:
                db.session.execute(insert(Reply), replies)
        db.session.commit()
        inserted += len(batch)
        if progress:
            progress(len(batch))
        batch.clear()

    for rows in _batches(count, days, seed_value, min_body, batch_size, threaded=use_copy):
        batch.extend(rows)
        flush_batch()
    return inserted


def _batches(
    count: int, days: int, seed_value: int, min_body: int, size: int, threaded: bool
) -> Iterator[list[dict]]:
    """Generated rows in lists of ``size``.

    ``threaded``: a producer thread generates the next batch while the database loads this
    one (the COPY waits on the server with the GIL released), so the two costs overlap.
    """
    rows = generate(count, days=days, seed=seed_value, min_body=min_body)
    if not threaded:
        while chunk := list(islice(rows, size)):
            yield chunk
        return
    handoff: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        try:
            while not stop.is_set() and (chunk := list(islice(rows, size))):
                handoff.put(chunk)
            handoff.put(None)
        except BaseException as err:  # noqa: BLE001 - handed to the consumer, re-raised there
            handoff.put(err)

    producer = threading.Thread(target=produce, name="seed-generator", daemon=True)
    producer.start()
    try:
        while (item := handoff.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while producer.is_alive():  # unblock a producer waiting on a full queue
            try:
                handoff.get_nowait()
            except queue.Empty:
                producer.join(0.05)
