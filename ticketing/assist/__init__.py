"""Answer faster: similar tickets (with the replies that resolved them), duplicate flags,
merges, the knowledge base (``/help``, suggestions on ``/submit``) and reply drafts.

Subscribes to "ticket saving": a new ticket near-identical to an open one from the same
requester is flagged in the same transaction (``duplicates.on_ticket_saving``). Subscribes to
"reply saving": an agent's public reply settles their pending draft (``drafts.on_reply_saving``).
Tells ``tickets.links`` where a merged ticket's mail goes (its target).
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    from ..core import events
    from ..tickets import links
    from . import drafts, duplicates, merge
    from .draft_routes import blp as drafts_blp
    from .kb_routes import blp as kb_blp
    from .kb_routes import help_blp
    from .pages import bp as help_pages
    from .routes import blp

    events.ticket_saving.connect(duplicates.on_ticket_saving, weak=False)
    events.reply_saving.connect(drafts.on_reply_saving, weak=False)
    links.register_redirect(app, merge.merged_into)
    api.register_blueprint(blp)
    api.register_blueprint(kb_blp)
    api.register_blueprint(help_blp)
    api.register_blueprint(drafts_blp)
    app.register_blueprint(help_pages)
