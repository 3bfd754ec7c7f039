"""After a merge, the customer's mail follows: a reply to the source's e-mail thread (by its
Message-IDs or by its signed reply address) lands on the target; after an undo, on the source
again."""

from __future__ import annotations

import pytest

from tests.mail.helpers import TOKEN, mail, post_mail
from ticketing.core.extensions import db
from ticketing.models import OutboundMail


@pytest.fixture
def config_overrides():
    return {"INBOUND_EMAIL_TOKEN": TOKEN, "MAIL_FROM": "Acme Support <support@acme.test>"}


def bodies(client, ticket_id):
    items = client.get(f"/api/tickets/{ticket_id}/replies").get_json()["items"]
    return [r["body"] for r in items]


def sent_to(app, ticket_id) -> str:
    with app.app_context():
        message_id = db.session.scalar(
            db.select(OutboundMail.message_id)
            .where(OutboundMail.ticket_id == ticket_id)
            .order_by(OutboundMail.id.desc())
        )
        db.session.remove()
    return message_id


def test_a_reply_to_the_merged_ticket_s_thread_lands_on_the_target(app, client, anon_client):
    source = post_mail(anon_client, mail(subject="Charged twice", body="Twice!")).get_json()
    target = post_mail(anon_client, mail(subject="Double charge", body="Refund me.")).get_json()
    source_id, target_id = source["ticket_id"], target["ticket_id"]
    client.post(f"/api/tickets/{source_id}/replies", json={"body": "We are checking."})
    acknowledged = sent_to(app, source_id)
    assert acknowledged

    merged = client.post(f"/api/tickets/{source_id}/merge", json={"into": target_id})
    assert merged.status_code == 201, merged.get_json()

    answer = mail(
        subject="Re: Charged twice",
        body="Any news on the refund?",
        In_Reply_To=acknowledged,
        References=acknowledged,
    )
    response = post_mail(anon_client, answer)
    assert response.get_json()["ticket_id"] == target_id
    assert "Any news on the refund?" in bodies(client, target_id)
    assert "Any news on the refund?" not in bodies(client, source_id)
    # No follow-up ticket was opened for the (closed) source.
    listed = client.get("/api/tickets", query_string={"per_page": 100}).get_json()["items"]
    assert sorted(t["id"] for t in listed) == sorted([source_id, target_id])

    # The source's signed reply address follows the merge too.
    with app.app_context():
        from ticketing.tickets import links

        address = links.reply_address(source_id)
        db.session.commit()
    by_address = post_mail(anon_client, mail(body="Also this.", to=address))
    assert by_address.get_json()["ticket_id"] == target_id

    # Undone: the source's thread is its own again.
    assert client.post(f"/api/tickets/{source_id}/merge/undo").status_code == 200
    again = mail(subject="Re: Charged twice", body="Hello?", In_Reply_To=acknowledged)
    assert post_mail(anon_client, again).get_json()["ticket_id"] == source_id
