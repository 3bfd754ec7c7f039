"""HTTP only: the inbound webhook (raw RFC 822 in) and the received mail for agents."""

from __future__ import annotations

import hmac

from flask import Response, current_app, request, send_file, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..core.access import accepts_body, public
from ..core.errors import InvalidInput, NotFound, Unauthenticated
from ..core.extensions import db
from ..core.schemas import ErrorEnvelope
from ..core.vocab import InboundSource
from ..models import Attachment, InboundMail
from ..tickets import services as tickets
from ..tickets.schemas import AttachmentOut
from . import attachments, inbound
from .schemas import AttachmentList, InboundOut

blp = Blueprint("mail", __name__, url_prefix="/api", description="E-mail in, and files on tickets")

RFC822 = "message/rfc822"
#: Downloads are sent as opaque bytes: a browser never renders a customer's file.
OCTET = "application/octet-stream"


def _token_ok() -> bool:
    expected = current_app.config.get("INBOUND_EMAIL_TOKEN") or ""
    given = request.headers.get("X-Inbound-Token") or request.args.get("token") or ""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@blp.route("/inbound/email")
class InboundEmail(MethodView):
    @public
    @accepts_body(RFC822)
    @blp.doc(
        requestBody={"required": True, "content": {RFC822: {"schema": {"type": "string"}}}},
        parameters=[
            {"in": "header", "name": "X-Inbound-Token", "schema": {"type": "string"}},
            {"in": "query", "name": "token", "schema": {"type": "string"}},
        ],
    )
    @blp.response(202, InboundOut)
    @blp.alt_response(401, schema=ErrorEnvelope, description="No or wrong inbound token")
    @blp.alt_response(413, schema=ErrorEnvelope, description="Over MAIL_MAX_MESSAGE_BYTES")
    @blp.alt_response(422, schema=ErrorEnvelope, description="An empty body")
    def post(self):
        """A raw mail from a mail service (``X-Inbound-Token`` or ``?token=``): stored, then
        turned into a ticket or a reply by a job. 202 once it is stored; the same mail again
        is the same row."""
        if not _token_ok():
            raise Unauthenticated("A valid X-Inbound-Token (or ?token=) is required.")
        request.max_content_length = inbound.max_message_bytes()
        raw = request.get_data(cache=False)
        if not raw.strip():
            raise InvalidInput("The body must be the raw message (message/rfc822).")
        row, new = inbound.store(raw, InboundSource.WEBHOOK)
        if new:
            inbound.ring(row.id)
            db.session.refresh(row)
        location = url_for("mail.InboundItem", inbound_id=row.id)
        return row, 202, {"Location": location}


@blp.route("/inbound/email/<int:inbound_id>")
class InboundItem(MethodView):
    @blp.response(200, InboundOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such mail")
    def get(self, inbound_id):
        """One received mail: what became of it (processed / ignored and why / failed)."""
        return _get(inbound_id)


@blp.route("/inbound/email/<int:inbound_id>/original")
class InboundOriginal(MethodView):
    @blp.response(200, {"type": "string"}, content_type="text/plain")
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such mail")
    def get(self, inbound_id):
        """The mail's whole text, quoted history included (``?raw=1``: the message as
        received, as a download)."""
        row = _get(inbound_id)
        if request.args.get("raw") in ("1", "true"):
            return Response(
                row.raw,
                mimetype=RFC822,
                headers={"Content-Disposition": f'attachment; filename="mail-{row.id}.eml"'},
            )
        return Response(inbound.full_text(row), mimetype="text/plain")


def _get(inbound_id: int) -> InboundMail:
    row = db.session.get(InboundMail, inbound_id)
    if row is None:
        raise NotFound(f"Inbound mail {inbound_id}")
    return row


@blp.route("/tickets/<int:ticket_id>/attachments")
class TicketAttachments(MethodView):
    @blp.response(200, AttachmentList)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    def get(self, ticket_id):
        """Every file on the ticket: from the customer's mails and the team's replies."""
        ticket = tickets.get_ticket(ticket_id)
        rows = db.session.scalars(
            db.select(Attachment).where(Attachment.ticket_id == ticket.id).order_by(Attachment.id)
        ).all()
        return {"items": rows}

    @accepts_body("multipart/form-data")
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                }
            },
        }
    )
    @blp.response(201, AttachmentOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such ticket")
    @blp.alt_response(413, schema=ErrorEnvelope, description="Over MAIL_MAX_ATTACHMENT_BYTES")
    @blp.alt_response(422, schema=ErrorEnvelope, description="No file")
    def post(self, ticket_id):
        """Upload a file for a reply: then post the reply with ``attachment_ids`` (a public
        reply's e-mail carries it)."""
        ticket = tickets.get_ticket(ticket_id)
        request.max_content_length = attachments.max_bytes() + 64 * 1024
        upload = request.files.get("file")
        if upload is None:
            raise InvalidInput("Send the file as multipart/form-data field 'file'.")
        row = attachments.save(ticket, upload.filename, upload.mimetype, upload.read())
        db.session.commit()
        return row, 201


@blp.route("/attachments/<int:attachment_id>")
class AttachmentDownload(MethodView):
    @blp.response(200, {"type": "string", "format": "binary"}, content_type=OCTET)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such file")
    def get(self, attachment_id):
        """The file, always as a download (``Content-Disposition: attachment``, nosniff)."""
        row = db.session.get(Attachment, attachment_id)
        if row is None:
            raise NotFound(f"Attachment {attachment_id}")
        response = send_file(
            attachments.storage().open(row.storage_key),
            mimetype=OCTET,
            as_attachment=True,
            download_name=row.filename,
            max_age=0,
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response.headers["Cache-Control"] = "no-store"
        return response
