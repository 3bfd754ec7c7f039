"""Attachments: in with a mail, out with a reply, byte for byte; names sanitised, size limits,
downloads for signed-in agents only and never rendered by the browser."""

from __future__ import annotations

import io
import os
from email.message import EmailMessage

import pytest

from .helpers import TOKEN, post_mail

PAYLOAD = bytes(range(256)) * 40 + os.urandom(1000)


@pytest.fixture
def config_overrides():
    return {"INBOUND_EMAIL_TOKEN": TOKEN, "MAIL_FROM": "Acme Support <support@acme.test>"}


def mail_with(data: bytes, filename: str, content_type: str = "application/pdf") -> bytes:
    msg = EmailMessage()
    msg["From"] = "carol@example.com"
    msg["To"] = "support@acme.test"
    msg["Subject"] = "See attached"
    msg["Message-ID"] = f"<att-{len(data)}-{filename.__hash__()}@example.com>"
    msg.set_content("The file is attached.")
    maintype, subtype = content_type.split("/")
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def test_a_mailed_file_round_trips_byte_for_byte(app, anon_client, client):
    out = post_mail(anon_client, mail_with(PAYLOAD, "../../etc/report\x07 é.pdf")).get_json()
    listed = client.get(f"/api/tickets/{out['ticket_id']}/attachments").get_json()["items"]
    assert [(a["filename"], a["size_bytes"]) for a in listed] == [("report_ é.pdf", len(PAYLOAD))]
    download = client.get(listed[0]["download_url"])
    assert download.status_code == 200
    assert download.data == PAYLOAD
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert anon_client.get(listed[0]["download_url"]).status_code == 401


def test_an_html_file_is_never_served_as_a_page(app, anon_client, client):
    html = b"<script>alert(document.cookie)</script>"
    out = post_mail(anon_client, mail_with(html, "x.html", "text/html")).get_json()
    [item] = client.get(f"/api/tickets/{out['ticket_id']}/attachments").get_json()["items"]
    download = client.get(item["download_url"])
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in download.headers["Content-Security-Policy"]


def test_a_file_over_the_limit_is_refused_with_a_note(app, anon_client, client):
    app.config["MAIL_MAX_ATTACHMENT_BYTES"] = 5000
    out = post_mail(anon_client, mail_with(PAYLOAD, "big.bin")).get_json()
    assert out["status"] == "processed"
    ticket = client.get(f"/api/tickets/{out['ticket_id']}").get_json()
    assert "'big.bin'" in ticket["body"] and "not accepted" in ticket["body"]
    assert client.get(f"/api/tickets/{out['ticket_id']}/attachments").get_json()["items"] == []


def test_an_agent_attaches_a_file_to_a_reply_and_the_mail_carries_it(
    app, client, make_ticket, smtp_server
):
    app.config["SMTP_URL"] = smtp_server.url
    ticket = make_ticket(requester_email="dora@example.com")
    upload = client.post(
        f"/api/tickets/{ticket['id']}/attachments",
        data={"file": (io.BytesIO(PAYLOAD), "invoice 12.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_json()
    file_id = upload.get_json()["id"]
    reply = client.post(
        f"/api/tickets/{ticket['id']}/replies",
        json={"body": "Here is the invoice.", "attachment_ids": [file_id]},
    )
    assert reply.status_code == 201, reply.get_json()
    assert [a["id"] for a in reply.get_json()["attachments"]] == [file_id]
    sent = smtp_server.messages[-1]
    [part] = list(sent.iter_attachments())
    assert part.get_filename() == "invoice 12.pdf"
    assert part.get_content() == PAYLOAD
    # a file already on a reply cannot be attached again
    again = client.post(
        f"/api/tickets/{ticket['id']}/replies", json={"body": "Again", "attachment_ids": [file_id]}
    )
    assert again.status_code == 422


def test_an_upload_over_the_limit_is_a_413(app, client, make_ticket):
    app.config["MAIL_MAX_ATTACHMENT_BYTES"] = 1000
    ticket = make_ticket()
    response = client.post(
        f"/api/tickets/{ticket['id']}/attachments",
        data={"file": (io.BytesIO(b"x" * 5000), "big.bin")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
