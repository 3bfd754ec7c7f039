"""The OpenAPI document is written when first read, not while the app is built (building it
was two thirds of every app's start-up), and it is the document eager registration gives."""

from __future__ import annotations

import json
import re
import threading

from flask_smorest import Api, Blueprint

from ticketing import create_app
from ticketing.core.api import TicketingApi


def _document(app) -> dict:
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    return json.loads(response.data)


def test_the_document_equals_the_one_eager_registration_writes(app, monkeypatch):
    lazy = _document(app)
    # flask-smorest's own register_blueprint documents each blueprint as it is registered.
    monkeypatch.setattr(TicketingApi, "register_blueprint", Api.register_blueprint)
    eager = _document(_fresh_app(app))
    assert lazy == eager
    assert len(lazy["paths"]) > 50
    assert [tag["name"] for tag in lazy["tags"]] == [tag["name"] for tag in eager["tags"]]


def _fresh_app(app):
    from tests.conftest import make_config

    return create_app(make_config(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"]))


def test_building_the_app_documents_nothing_until_the_document_is_read(app, monkeypatch):
    calls = []
    original = Blueprint.register_views_in_doc

    def counting(self, *args, **kwargs):
        calls.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Blueprint, "register_views_in_doc", counting)
    fresh = _fresh_app(app)
    assert calls == []
    document = _document(fresh)
    assert len(calls) == len(set(calls)) > 5
    # Every /api route of the app is in the document.
    documented = set(document["paths"])
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in fresh.url_map.iter_rules()
        if rule.rule.startswith("/api/") and not rule.rule.startswith(("/api/openapi", "/api/docs"))
    }
    assert routes - documented == set()


def test_concurrent_first_reads_all_get_the_whole_document(app):
    expected = _document(_fresh_app(app))
    fresh = _fresh_app(app)
    results: list[dict] = []
    barrier = threading.Barrier(4)

    def read():
        barrier.wait()
        results.append(_document(fresh))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert all(result == expected for result in results)
