"""The knowledge base: agents' CRUD, safe rendering, public read only where published, drafts
from resolved tickets, /submit suggestions and the deflection rate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.assist.test_similar import create


def article(client, **fields):
    data = {
        "title": "Refund a double charge",
        "body": "Open **Billing**, then *Refunds*.",
        **fields,
    }
    response = client.post("/api/kb/articles", json=data)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_agents_write_edit_publish_and_delete_articles(agent_client):
    draft = article(agent_client, tags=["Billing", "billing", "refunds"])
    assert draft["status"] == "draft" and draft["published_at"] is None
    assert draft["tags"] == ["billing", "refunds"]
    assert "<strong>Billing</strong>" in draft["body_html"]
    item = f"/api/kb/articles/{draft['id']}"
    published = agent_client.patch(item, json={"status": "published"}).get_json()
    assert published["published_at"]
    listed = agent_client.get("/api/kb/articles", query_string={"q": "refund charged twice"})
    assert [a["id"] for a in listed.get_json()["items"]] == [draft["id"]]
    assert agent_client.delete(item).status_code == 204
    assert agent_client.get(item).status_code == 404


def test_markdown_is_rendered_safely(client):
    body = (
        "<script>alert(1)</script> <img src=x onerror=alert(1)> "
        "[bad](javascript:alert(1)) [good](https://example.com) <b onclick=x>b</b>"
    )
    html = article(client, body=body)["body_html"]
    assert "<script" not in html and "<img" not in html and "<b " not in html
    assert 'href="javascript' not in html
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">good</a>' in html


def test_the_public_reads_only_published_articles(client, anon_client):
    draft = article(client, title="Internal: refund policy", body="Never refund twice.")
    public = article(client, title="How refunds work", body="Refunds take 5 days.")
    client.patch(f"/api/kb/articles/{public['id']}", json={"status": "published"})

    listed = anon_client.get("/api/help/articles").get_json()["items"]
    assert [a["id"] for a in listed] == [public["id"]]
    assert anon_client.get(f"/api/help/articles/{public['id']}").status_code == 200
    assert anon_client.get(f"/api/help/articles/{draft['id']}").status_code == 404
    found = anon_client.get("/api/help/articles", query_string={"q": "refund"}).get_json()
    assert [a["id"] for a in found["items"]] == [public["id"]]

    page = anon_client.get("/help")
    assert page.status_code == 200 and b"How refunds work" in page.data
    assert b"Internal: refund policy" not in page.data
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert anon_client.get(f"/help/{public['id']}").status_code == 200
    assert anon_client.get(f"/help/{draft['id']}").status_code == 404
    assert anon_client.get("/api/kb/articles").status_code == 401


def test_an_article_is_drafted_from_a_resolved_ticket_without_personal_data(client):
    ticket = create(
        client,
        "Charged twice",
        "I was charged twice, card 4111 1111 1111 1111, write to ana@example.com",
    )
    assert client.post(f"/api/tickets/{ticket}/kb-article").status_code == 409  # not resolved
    client.post(f"/api/tickets/{ticket}/replies", json={"body": "internal", "internal": True})
    client.patch(f"/api/tickets/{ticket}", json={"status": "resolved"})
    assert client.post(f"/api/tickets/{ticket}/kb-article").status_code == 409  # no answer
    client.post(f"/api/tickets/{ticket}/replies", json={"body": "We refunded the second charge."})

    response = client.post(f"/api/tickets/{ticket}/kb-article")
    assert response.status_code == 201, response.get_json()
    drafted = response.get_json()
    assert drafted["status"] == "draft" and drafted["source_ticket_id"] == ticket
    assert "We refunded the second charge." in drafted["body"]
    assert "4111" not in drafted["body"] and "ana@example.com" not in drafted["body"]
    assert "internal" not in drafted["body"]


def test_submit_suggestions_record_the_deflection_rate(app, client, anon_client):
    published = article(client, title="Reset your password", body="Use the reset link.")
    client.patch(f"/api/kb/articles/{published['id']}", json={"status": "published"})
    article(client, title="Password policy draft", body="Reset password rules.")

    first = anon_client.post(
        "/api/help/suggestions", json={"subject": "Password reset", "body": "how do I reset"}
    ).get_json()
    assert [a["id"] for a in first["items"]] == [published["id"]]
    assert first["items"][0]["url"] == f"/help/{published['id']}"
    visit = first["visit"]
    again = anon_client.post(
        "/api/help/suggestions",
        json={"subject": "Password reset", "body": "how do I reset it", "visit": visit},
    ).get_json()
    assert again["visit"] == visit
    nothing = anon_client.post("/api/help/suggestions", json={"subject": "zebra", "body": ""})
    assert nothing.get_json() == {"visit": None, "items": []}

    second = anon_client.post(
        "/api/help/suggestions", json={"subject": "reset password", "body": ""}
    ).get_json()["visit"]
    outcome = anon_client.post(f"/api/help/suggestions/{second}", json={"submitted": True})
    assert outcome.status_code == 200 and outcome.get_json()["submitted"] is True
    opened = anon_client.post(f"/api/help/suggestions/{visit}", json={"opened": published["id"]})
    assert opened.get_json()["opened_article_id"] == published["id"]

    assert client.get("/api/kb/deflection").get_json()["shown"] == 0  # not settled yet
    with app.app_context():
        from ticketing.assist.models import HelpSuggestion
        from ticketing.core.extensions import db

        for row in db.session.query(HelpSuggestion):
            row.created_at = row.created_at - timedelta(hours=1)
        db.session.commit()
    assert client.get("/api/kb/deflection").get_json() == {
        "shown": 2,
        "submitted": 1,
        "deflected": 1,
        "rate": 0.5,
    }


@pytest.mark.parametrize(
    "body",
    [{"title": "", "body": "x"}, {"title": "t"}, {"title": "t", "body": "x", "status": "gone"}],
)
def test_invalid_articles_are_a_422(client, body):
    assert client.post("/api/kb/articles", json=body).status_code == 422
