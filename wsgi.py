"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi``."""

from ticketing import create_app

app = create_app()
