"""Request bodies however they are framed: nesting depth (400), NUL and lone surrogates (422)
and size (413) are judged on the bytes, with a Content-Length or chunked.

A server that de-chunks (gunicorn) sets ``wsgi.input_terminated`` and passes no
Content-Length; the test client does the same here. tests/deploy/test_gunicorn_bodies.py
repeats these through a real gunicorn.
"""

from __future__ import annotations

import io
import json

import pytest

FORM = {"subject": "Printer", "body": "On fire", "email": "a@example.com", "name": "A"}


def post(client, body: bytes, chunked: bool):
    if not chunked:
        return client.post("/api/intake", data=body, content_type="application/json")
    return client.post(
        "/api/intake",
        input_stream=io.BytesIO(body),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


@pytest.mark.parametrize("chunked", [False, True])
def test_text_no_database_can_store_is_a_422(anon_client, chunked):
    for bad in ({**FORM, "subject": "a\u0000b"}, {**FORM, "body": "x\udc00"}):
        response = post(anon_client, json.dumps(bad).encode(), chunked)
        assert response.status_code == 422 and error_code(response) == "validation_error"


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_limit_is_a_413(anon_client, chunked):
    big = json.dumps({**FORM, "body": "x" * 1_100_000}).encode()
    response = post(anon_client, big, chunked)
    assert response.status_code == 413 and error_code(response) == "payload_too_large"


@pytest.mark.parametrize("chunked", [False, True])
def test_json_nested_beyond_the_limit_is_a_400(anon_client, chunked):
    for deep in (b"[" * 5000 + b"]" * 5000, b'{"a":' * 40 + b"1" + b"}" * 40):
        response = post(anon_client, deep, chunked)
        assert response.status_code == 400 and error_code(response) == "json_too_deep"
    # Brackets inside strings are text, not nesting.
    fine = json.dumps({**FORM, "body": "[[[[" * 100 + '\\"{{{{' * 100}).encode()
    assert post(anon_client, fine, chunked).status_code == 201


def test_a_chunked_body_within_limits_is_read_whole(anon_client):
    response = post(anon_client, json.dumps(FORM).encode(), chunked=True)
    assert response.status_code == 201
    assert response.get_json()["reference"] >= 1
