import pytest


def _form(**changes):
    form = {
        "subject": "Cannot download my invoice",
        "body": "The invoice link gives an error page.",
        "email": "Zoe.Novak@Example.com",
        "name": "Zoë Novak",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not ...}


def test_anyone_can_submit_and_gets_only_a_reference(anon_client, client, make_ticket):
    make_ticket(subject="Someone else's secret", requester_email="other@example.com")
    response = anon_client.post("/api/intake", json=_form())
    assert response.status_code == 201
    body = response.get_json()
    # The reference and the request's own status page (its secret link), nothing else.
    assert set(body) == {"reference", "message", "status_url"}
    # Location is that same page (a retry's 409 points there too), never the ticket's API URL.
    assert response.headers["Location"] == body["status_url"]
    assert "/api/" not in response.headers["Location"]
    text = response.get_data(as_text=True)
    assert "secret" not in text and "other@example.com" not in text
    stored = client.get(f"/api/tickets/{body['reference']}").get_json()
    assert stored["subject"] == "Cannot download my invoice"
    assert stored["requester_email"] == "zoe.novak@example.com"
    assert stored["requester_name"] == "Zoë Novak"
    assert stored["status"] == "open"
    # The submitter cannot read it (or anything else) back.
    assert anon_client.get(f"/api/tickets/{body['reference']}").status_code == 401


def test_the_name_is_optional(anon_client, client):
    response = anon_client.post("/api/intake", json=_form(name=...))
    assert response.status_code == 201
    stored = client.get(f"/api/tickets/{response.get_json()['reference']}").get_json()
    assert stored["requester_name"] is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not an email"}, "email"),
        ({"email": ...}, "email"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"body": " "}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"name": "n" * 121}, "name"),
        ({"status": "closed"}, "status"),  # no other ticket field may be set from outside
        ({"category": "billing"}, "category"),
    ],
)
def test_invalid_submissions_are_422_and_store_nothing(anon_client, client, changes, field):
    response = anon_client.post("/api/intake", json=_form(**changes))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert client.get("/api/tickets").get_json()["meta"]["total"] == 0


@pytest.mark.parametrize("config_overrides", [{"INTAKE_RATE_LIMIT": "2/hour"}])
def test_each_address_may_submit_only_a_few_requests(anon_client, client):
    def submit(addr, **changes):
        return anon_client.post(
            "/api/intake", json=_form(**changes), environ_base={"REMOTE_ADDR": addr}
        )

    assert submit("10.1.1.1", email="bad").status_code == 422  # refused ones do not count
    assert submit("10.1.1.1").status_code == 201
    assert submit("10.1.1.1").status_code == 201
    limited = submit("10.1.1.1")
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 2 * 3600  # the window slides
    assert submit("10.1.1.2").status_code == 201
    assert client.get("/api/tickets").get_json()["meta"]["total"] == 3


def test_oversized_request_bodies_are_413(anon_client, app):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = anon_client.post("/api/intake", json=_form(body="x" * 5000))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_a_submitted_request_is_triaged_after_it_is_stored(anon_client, client, app):
    app.config["AUTO_CLASSIFY"] = True
    response = anon_client.post(
        "/api/intake",
        json={
            "subject": "Charged twice for my subscription",
            "body": "My card was charged twice this month, please refund the duplicate charge.",
            "email": "pat@example.com",
            "name": "Pat",
        },
    )
    assert response.status_code == 201
    ticket = client.get(f"/api/tickets/{response.get_json()['reference']}").get_json()
    assert ticket["triage_status"] == "done"
    assert ticket["category"] == "billing" and ticket["category_source"] == "fallback"
