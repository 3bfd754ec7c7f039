"""Claude's state as operators see it: configuration faults, spend and the monthly budget.

* **Faults** (``ClaudeFaults``): a 400/401/403/404 from the API means the set-up is wrong (key,
  permissions, model, a schema the API refuses). It is kept in the shared key-value store
  (``core.kv``, so the web process shows what a worker saw), logged once at ERROR when it
  starts (not once per ticket), shown in ``/api/health`` (``degraded``) and on the dashboard
  (``GET /api/classification/claude``), and cleared by the next request the API accepts.
* **Spend**: the ``cost_usd`` of each run (``classifications``) summed per UTC calendar month.
* **Budget**: ``CLAUDE_MONTHLY_BUDGET`` dollars; once the month's spend reaches it, triage
  uses the local classifier until the month ends.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app
from redis.exceptions import RedisError
from sqlalchemy import func, select

from ..core import breaker, kv
from ..core.extensions import db
from ..core.vocab import ClaudeState
from ..models import Classification, utcnow

log = logging.getLogger(__name__)

FAULT_KEY = "ticketing:claude:fault"
#: The message of the fault last logged: swapped atomically, so of several processes hitting
#: the same fault at once exactly one logs it.
LOGGED_KEY = "ticketing:claude:fault:logged"
#: Months of spend the dashboard shows.
HISTORY_MONTHS = 6


class ClaudeFaults:
    """The current configuration fault, in the shared key-value store."""

    def record(self, status: int, kind: str, message: str) -> None:
        now = utcnow().isoformat()
        try:
            store = kv.store()
            previous = store.set(LOGGED_KEY, message, get=True)
            new = previous is None or previous.decode() != message
            raw = store.get(FAULT_KEY)
            fault = json.loads(raw) if raw else None
            if fault is None or fault.get("message") != message:
                fault = {"status": status, "type": kind, "message": message, "since": now}
                fault["count"] = 0
            fault["count"] = int(fault.get("count", 0)) + 1
            fault["last_seen"] = now
            store.set(FAULT_KEY, json.dumps(fault))
        except (RedisError, ValueError) as err:
            log.error("claude configuration fault (not stored: %s): %s", err, message)
            return
        if new:
            log.error(
                "Claude configuration fault, HTTP %s %s: %s. Triage uses the local classifier "
                "for each ticket until this is fixed (see /api/health).",
                status,
                kind,
                message,
            )

    def clear(self) -> None:
        try:
            if kv.store().delete(FAULT_KEY, LOGGED_KEY):
                log.warning("Claude configuration fault cleared: the API accepts requests again")
        except RedisError:
            pass

    def current(self) -> dict[str, Any] | None:
        try:
            raw = kv.store().get(FAULT_KEY)
        except RedisError:
            return None
        return json.loads(raw) if raw else None


def month_start(now: datetime | None = None) -> datetime:
    now = (now or utcnow()).astimezone(UTC)
    return datetime(now.year, now.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def spend_since(start: datetime, end: datetime | None = None) -> dict[str, Any]:
    """Runs, tickets, tokens and dollars of the Claude calls stored since ``start``."""
    stmt = select(
        func.count(Classification.id),
        func.count(func.distinct(Classification.ticket_id)),
        func.coalesce(func.sum(Classification.input_tokens), 0),
        func.coalesce(func.sum(Classification.output_tokens), 0),
        func.coalesce(func.sum(Classification.cost_usd), 0.0),
    ).where(Classification.created_at >= start, Classification.cost_usd.is_not(None))
    if end is not None:
        stmt = stmt.where(Classification.created_at < end)
    runs, tickets, tokens_in, tokens_out, usd = db.session.execute(stmt).one()
    usd = float(usd or 0.0)
    return {
        "runs": int(runs or 0),
        "tickets": int(tickets or 0),
        "input_tokens": int(tokens_in or 0),
        "output_tokens": int(tokens_out or 0),
        "usd": round(usd, 8),
        "per_ticket_usd": round(usd / tickets, 8) if tickets else None,
    }


def budget(app: Flask | None = None, now: datetime | None = None) -> dict[str, Any]:
    """This month's budget state; ``exhausted`` means triage uses the local classifier."""
    app = app or current_app
    limit = app.config.get("CLAUDE_MONTHLY_BUDGET")
    start = month_start(now)
    spent = spend_since(start)["usd"] if limit else None
    exhausted = bool(limit) and spent >= float(limit)
    return {
        "monthly_usd": float(limit) if limit else None,
        "spent_usd": spent,
        "remaining_usd": round(max(0.0, float(limit) - spent), 4) if limit else None,
        "exhausted": exhausted,
        "resets_at": next_month(start).isoformat(),
    }


def budget_exhausted(app: Flask | None = None) -> dict[str, Any] | None:
    """The budget state when it is used up this month, else None."""
    app = app or current_app
    if not app.config.get("CLAUDE_MONTHLY_BUDGET"):
        return None
    state = budget(app)
    return state if state["exhausted"] else None


def monthly_history(now: datetime | None = None, months: int = HISTORY_MONTHS) -> list[dict]:
    """Spend per calendar month, oldest first, the current month last."""
    start = month_start(now)
    starts = [start]
    for _ in range(months - 1):
        prev = starts[0]
        starts.insert(
            0, datetime(prev.year - (prev.month == 1), (prev.month - 2) % 12 + 1, 1, tzinfo=UTC)
        )
    out = []
    for begin in starts:
        figures = spend_since(begin, next_month(begin))
        out.append({"month": begin.strftime("%Y-%m"), **figures})
    return out


def claude_state(app: Flask | None = None) -> dict[str, Any]:
    """One word for Claude's state: disabled, fault, circuit_open, budget_exhausted or ok;
    with the circuit breaker's state (``breaker``)."""
    app = app or current_app
    if not app.config.get("ANTHROPIC_API_KEY"):
        return {"ok": True, "status": ClaudeState.DISABLED.value, "fault": None}
    circuit = breaker.state(app)
    fault = ClaudeFaults().current()
    if fault:
        return {"ok": False, "status": ClaudeState.FAULT.value, "fault": fault, "breaker": circuit}
    if circuit["state"] == "open":
        return {
            "ok": False,
            "status": ClaudeState.CIRCUIT_OPEN.value,
            "fault": None,
            "breaker": circuit,
        }
    if budget_exhausted(app):
        return {
            "ok": True,
            "status": ClaudeState.BUDGET_EXHAUSTED.value,
            "fault": None,
            "breaker": circuit,
        }
    return {"ok": True, "status": ClaudeState.OK.value, "fault": None, "breaker": circuit}


def health_check() -> dict[str, Any]:
    """``/api/health``'s ``checks.claude``."""
    app = current_app
    state = claude_state(app)
    out = {**state, "model": app.config["CLASSIFY_MODEL"]}
    if app.config.get("CLAUDE_MONTHLY_BUDGET"):
        # Health is public: whether the budget is spent, not the amounts (the dashboard has them).
        spent = budget(app)
        out["budget"] = {"exhausted": spent["exhausted"], "resets_at": spent["resets_at"]}
    return out


def summary(open_batches: int = 0) -> dict[str, Any]:
    """Everything the dashboard shows about Claude (``GET /api/classification/claude``)."""
    app = current_app
    state = claude_state(app)
    history = monthly_history()
    return {
        **state,
        "enabled": bool(app.config.get("ANTHROPIC_API_KEY")),
        "model": app.config["CLASSIFY_MODEL"],
        "redact_pii": bool(app.config["CLAUDE_REDACT_PII"]),
        "examples": int(app.config["CLAUDE_EXAMPLES"]),
        "budget": budget(app),
        "month": history[-1],
        "by_month": history,
        "open_batches": open_batches,
    }
