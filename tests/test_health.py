def test_health_reports_database_and_queue(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] in ("sqlite", "postgresql")
    assert body["queue"] in ("ok", "embedded")


def test_health_is_503_in_the_envelope_when_the_database_is_down(app, tmp_path):
    from ticketing.core.extensions import db

    with app.app_context():
        db.engine.dispose()
    app.config["SQLALCHEMY_DATABASE_URI"] = "unused"
    # Point the engine at a database that cannot be opened.
    missing = tmp_path / "no-such-dir" / "x.db"
    with app.app_context():
        engines = app.extensions["sqlalchemy"]._app_engines[app]
        engines[None] = db._make_engine(None, {"url": f"sqlite:///{missing}"}, app)
    response = app.test_client().get("/api/health")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"
