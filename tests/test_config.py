import pytest

from config import Config, normalise_database_url, redis_options
from ticketing import create_app


def test_heroku_postgres_url_is_rewritten():
    assert normalise_database_url("postgres://u:p@h:5432/d") == "postgresql+psycopg://u:p@h:5432/d"
    assert normalise_database_url("postgresql://h/d") == "postgresql+psycopg://h/d"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_rediss_urls_accept_the_platform_certificate():
    assert redis_options("rediss://h:6380") == {"ssl_cert_reqs": None}
    assert redis_options("redis://h:6379") == {}


def test_production_refuses_to_start_without_a_secret(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Config())
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Config())


def test_development_defaults_need_nothing(monkeypatch, tmp_path):
    for name in ("APP_ENV", "FLASK_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    config = Config()
    config.validate()
    assert config.SECRET_KEY and config.SQLALCHEMY_DATABASE_URI is None
    assert config.RATELIMIT_STORAGE_URI == "memory://"
