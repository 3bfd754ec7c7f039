"""SLAs: business calendars, policies per priority (and category), and two clocks per ticket
(first response, resolution) that follow the ticket and reply events; the upkeep warns once
when a clock is at risk and once when it breaches. See docs/sla.md."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from ..core import events, memo, upkeep
    from ..core.extensions import db
    from ..core.hooks import listen_once
    from . import clocks, services
    from . import upkeep as sla_upkeep
    from .routes import blp

    events.ticket_saving.connect(clocks.on_ticket_saving, app, weak=False)
    events.reply_saving.connect(clocks.on_reply_saving, app, weak=False)
    clocks.register(db.session)
    listen_once(
        db.session,
        ("after_commit", services.forget_policies),
        ("after_rollback", services.forget_policies),
    )
    memo.register(app, services.POLICY_MEMO, services.POLICY_MEMO_SECONDS)
    listen_once(
        db.session,
        ("before_flush", services.mark_policy_changes),
        ("do_orm_execute", services.mark_policy_statements),
        ("after_commit", services.policies_committed),
    )
    upkeep.register(app, "sla", sla_upkeep.run_pass)
    api.register_blueprint(blp)
