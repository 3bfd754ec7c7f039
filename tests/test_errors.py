"""Every error under /api is the one JSON envelope, never an HTML page or a traceback."""

import pytest


def assert_envelope(response, status, code):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


def test_malformed_json_is_400(client):
    response = client.post("/api/tickets", data="{not json", content_type="application/json")
    assert_envelope(response, 400, "malformed_json")


def test_unknown_url_is_404(client):
    assert_envelope(client.get("/api/no-such-thing"), 404, "not_found")


def test_unknown_ticket_is_404(client):
    error = assert_envelope(client.get("/api/tickets/4242"), 404, "not_found")
    assert "4242" in error["message"]


def test_wrong_method_is_405_with_allow(client, make_ticket):
    ticket = make_ticket()
    response = client.put(f"/api/tickets/{ticket['id']}", json={})
    assert_envelope(response, 405, "method_not_allowed")
    assert "PATCH" in response.headers["Allow"]


def test_oversized_body_is_413_and_nothing_is_stored(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = client.post("/api/tickets", json={"subject": "big", "body": "x" * 4096})
    assert_envelope(response, 413, "payload_too_large")
    assert client.get("/api/tickets").get_json()["meta"]["total"] == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_wrong_content_type_is_415(client, content_type):
    response = client.post("/api/tickets", data="subject=a&body=b", content_type=content_type)
    assert_envelope(response, 415, "unsupported_media_type")


def test_invalid_fields_are_422_with_fields(client):
    error = assert_envelope(
        client.post("/api/tickets", json={"subject": ""}), 422, "validation_error"
    )
    assert set(error["fields"]) == {"subject", "body"}


def test_unexpected_exception_is_500_without_traceback(app, client):
    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/boom", view_func=boom)
    response = client.get("/api/boom")
    error = assert_envelope(response, 500, "internal_error")
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in error["message"]
