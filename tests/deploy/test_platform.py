"""Platform settings: proxy headers, Heroku URLs (postgres://, rediss://), gunicorn, logs."""

from __future__ import annotations

import io
import logging
import runpy
import ssl

import pytest
from flask_limiter.util import get_remote_address
from redis import Redis, SSLConnection

from config import Config, normalise_database_url, redis_options
from ticketing.core.logs import OneLineFormatter

from ..conftest import ROOT


def add_probe(app) -> None:
    @app.get("/_probe")
    def probe():
        from flask import request

        return {
            "scheme": request.scheme,
            "remote_addr": request.remote_addr,
            "limiter_key": get_remote_address(),
            "host": request.host,
        }


FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "tickets.example.com",
    "X-Forwarded-Port": "443",
}


@pytest.mark.parametrize("config_overrides", [{"TRUSTED_PROXY_COUNT": 1}])
def test_behind_one_router_the_client_address_and_scheme_are_used(app, config_overrides):
    add_probe(app)
    seen = app.test_client().get("/_probe", headers=FORWARDED).get_json()
    assert seen == {
        "scheme": "https",
        "remote_addr": "203.0.113.7",
        "limiter_key": "203.0.113.7",
        "host": "tickets.example.com",
    }
    # A client-forged extra hop is not trusted: only the router's own entry counts.
    forged = dict(FORWARDED, **{"X-Forwarded-For": "10.9.9.9, 198.51.100.2"})
    assert app.test_client().get("/_probe", headers=forged).get_json()["remote_addr"] == (
        "198.51.100.2"
    )


def test_without_trusted_proxies_forwarded_headers_are_ignored(app):
    add_probe(app)
    seen = app.test_client().get("/_probe", headers=FORWARDED).get_json()
    assert seen["scheme"] == "http" and seen["remote_addr"] == "127.0.0.1"
    assert seen["limiter_key"] == "127.0.0.1"


def test_heroku_database_urls_keep_their_parameters():
    url = "postgres://u:p@ec2.example.com:5432/d1?sslmode=require"
    assert normalise_database_url(url) == (
        "postgresql+psycopg://u:p@ec2.example.com:5432/d1?sslmode=require"
    )


def test_rediss_connection_accepts_a_self_signed_certificate(monkeypatch):
    monkeypatch.delenv("REDIS_SSL_CERT_REQS", raising=False)
    url = "rediss://:secret@redis.example.com:6380/0"
    client = Redis.from_url(url, **redis_options(url))
    pool = client.connection_pool
    assert pool.connection_class is SSLConnection
    connection = pool.make_connection()
    assert connection.cert_reqs == ssl.CERT_NONE and connection.check_hostname is False
    monkeypatch.setenv("REDIS_SSL_CERT_REQS", "required")
    strict = Redis.from_url(url, **redis_options(url)).connection_pool.make_connection()
    assert strict.cert_reqs == ssl.CERT_REQUIRED and strict.check_hostname is True


def test_rediss_options_reach_the_rate_limiter_too(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "rediss://h:6380/0")
    monkeypatch.delenv("REDIS_SSL_CERT_REQS", raising=False)
    config = Config()
    assert config.REDIS_OPTIONS == {"ssl_cert_reqs": None}
    assert config.RATELIMIT_STORAGE_OPTIONS == {"ssl_cert_reqs": None}


def test_a_wrong_certificate_option_is_refused_clearly(monkeypatch):
    monkeypatch.setenv("REDIS_SSL_CERT_REQS", "nope")
    with pytest.raises(ValueError, match="REDIS_SSL_CERT_REQS must be none, optional or required"):
        redis_options("rediss://h:6380/0")


def test_gunicorn_reads_the_platform_variables(monkeypatch):
    monkeypatch.setenv("PORT", "23456")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    monkeypatch.setenv("GUNICORN_THREADS", "1")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["bind"] == "0.0.0.0:23456"
    assert (settings["workers"], settings["timeout"], settings["threads"]) == (3, 45, 1)
    assert settings["worker_class"] == "ticketing.core.gunicorn_workers.JsonSyncWorker"
    assert settings["limit_request_line"] == 8190
    assert settings["accesslog"] == "-"
    assert settings["control_socket_disable"] is True
    handler = settings["logconfig_dict"]["handlers"]["stdout"]
    assert handler["stream"] == "ext://sys.stdout"
    assert "x-request-id" in settings["access_log_format"]


def test_a_traceback_is_logged_as_one_line():
    formatter = OneLineFormatter("%(levelname)s [%(request_id)s] %(message)s")
    try:
        raise RuntimeError("boom\nsecond line")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("job",), None)
        import sys

        record.exc_info = sys.exc_info()
    record.request_id = "job:abc"
    line = formatter.format(record)
    assert "\n" not in line
    assert line.startswith("ERROR [job:abc] failed job | Traceback (most recent call last):")
    assert "RuntimeError: boom | second line" in line


def test_requests_log_one_line_with_their_request_id(app):
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_ticketing", False))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logging.getLogger("ticketing.test").info("outside a request")
        with app.test_request_context(headers={"X-Request-ID": "req-42"}):
            app.preprocess_request()
            logging.getLogger("ticketing.test").warning("inside\nthe request")
    finally:
        handler.setStream(previous)
    first, second = stream.getvalue().splitlines()
    assert first.endswith("INFO ticketing.test [-] outside a request")
    assert second.endswith("WARNING ticketing.test [req-42] inside | the request")
