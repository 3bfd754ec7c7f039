"""HTTP only: the signed-in person's notifications."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..core.access import current_user
from ..core.extensions import db
from ..core.schemas import ErrorEnvelope
from . import services
from .schemas import (
    NotificationOut,
    NotificationPage,
    NotificationPatch,
    NotificationQuery,
    ReadAllOut,
)

blp = Blueprint(
    "notifications",
    __name__,
    url_prefix="/api/notifications",
    description="Your notifications (SLA warnings, breaches, escalations)",
)


@blp.route("")
class Notifications(MethodView):
    @blp.arguments(NotificationQuery, location="query", as_kwargs=False)
    @blp.response(200, NotificationPage)
    def get(self, query):
        """Your notifications, newest first, with how many are unread."""
        user = current_user()
        page = services.list_for(user, query["unread"], query["page"], query["per_page"])
        answer = page.as_dict()
        answer["meta"]["unread"] = services.unread_count(user)
        return answer


@blp.route("/<int:notification_id>")
class NotificationItem(MethodView):
    @blp.arguments(NotificationPatch)
    @blp.response(200, NotificationOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="Not one of yours")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def patch(self, data, notification_id):
        """Mark one of your notifications read (or unread again)."""
        row = services.set_read(services.get(current_user(), notification_id), data["read"])
        db.session.commit()
        return row


@blp.route("/read")
class ReadAll(MethodView):
    @blp.response(200, ReadAllOut)
    def post(self):
        """Mark all your notifications read."""
        user = current_user()
        marked = services.read_all(user)
        db.session.commit()
        return {"marked": marked, "unread": services.unread_count(user)}
