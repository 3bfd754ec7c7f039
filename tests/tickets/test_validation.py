import pytest

VALID = {"subject": "Login fails", "body": "I cannot log in."}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", ""),
        ("subject", "   "),
        ("subject", "x" * 201),
        ("subject", 12),
        ("body", ""),
        ("body", "   \n "),
        ("body", "x" * 20_001),
        ("status", "waiting"),
        ("priority", "urgent"),
        ("category", "hacked"),
        ("note", "x" * 5_001),
        ("requester_email", "not-an-email"),
        ("requester_name", "x" * 121),
        ("tags", "billing"),
        ("tags", ["x" * 51]),
        ("tags", [""]),
        ("tags", [f"t{i}" for i in range(21)]),
        ("surprise", 1),
    ],
)
def test_each_bad_field_is_a_422_naming_the_field(client, field, value):
    response = client.post("/api/tickets", json={**VALID, field: value})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]


@pytest.mark.parametrize("field", ["subject", "body"])
def test_required_fields(client, field):
    payload = dict(VALID)
    del payload[field]
    response = client.post("/api/tickets", json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_boundary_lengths_are_accepted(client):
    response = client.post(
        "/api/tickets",
        json={"subject": "s" * 200, "body": "b" * 20_000, "note": "n" * 5_000, "tags": ["t" * 50]},
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "done"), ("subject", ""), ("subject", None), ("priority", "p1"), ("id", 5)],
)
def test_patch_validates_too_and_changes_nothing(client, make_ticket, field, value):
    ticket = make_ticket()
    response = client.patch(f"/api/tickets/{ticket['id']}", json={field: value})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert client.get(f"/api/tickets/{ticket['id']}").get_json() == ticket


def test_reply_validation(client, make_ticket):
    ticket = make_ticket()
    response = client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": " "})
    assert response.status_code == 422
    assert "body" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": "a\x00b", "body": "x"}, "subject"),
        ({"subject": "ok", "body": "lone \ud800 surrogate"}, "body"),
        ({"subject": "ok", "body": "x", "tags": ["fine", "bad\x00"]}, "tags"),
    ],
)
def test_text_no_database_can_store_is_422_naming_the_field(client, payload, field):
    response = client.post("/api/tickets", json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert client.get("/api/tickets").get_json()["meta"]["total"] == 0


def test_nul_in_a_query_parameter_is_422(client):
    response = client.get("/api/tickets?q=printer%00fire")
    assert response.status_code == 422
    assert "q" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/tickets/99999999999999999999",
        "/api/tickets/2147483648",
        "/api/tickets/99999999999999999999/replies",
    ],
)
def test_ids_beyond_the_database_integer_are_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("q", ["99999999999999999999", "#2147483648", "#999999999999"])
def test_a_huge_number_in_q_is_searched_as_text_not_an_error(client, make_ticket, q):
    make_ticket()
    response = client.get("/api/tickets", query_string={"q": q})
    assert response.status_code == 200
    assert response.get_json()["items"] == []
