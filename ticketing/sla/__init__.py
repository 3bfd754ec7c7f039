"""SLAs: business calendars, policies per priority (and category), and two clocks per ticket
(first response, resolution) that follow the ticket and reply events; the upkeep warns once
when a clock is at risk and once when it breaches. See docs/sla.md."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from sqlalchemy import event

    from ..core import events, memo, upkeep
    from ..core.extensions import db
    from . import clocks, services
    from . import upkeep as sla_upkeep
    from .routes import blp

    events.ticket_saving.connect(clocks.on_ticket_saving, app, weak=False)
    events.reply_saving.connect(clocks.on_reply_saving, app, weak=False)
    clocks.register(db.session)
    for name in ("after_commit", "after_rollback"):
        if not event.contains(db.session, name, services.forget_policies):
            event.listen(db.session, name, services.forget_policies)
    memo.register(app, services.POLICY_MEMO, services.POLICY_MEMO_SECONDS)
    for name, hook in (
        ("before_flush", services.mark_policy_changes),
        ("do_orm_execute", services.mark_policy_statements),
        ("after_commit", services.policies_committed),
    ):
        if not event.contains(db.session, name, hook):
            event.listen(db.session, name, hook)
    upkeep.register(app, "sla", sla_upkeep.run_pass)
    api.register_blueprint(blp)
