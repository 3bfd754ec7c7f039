"""Security headers on every answer, in one place.

* ``X-Content-Type-Options: nosniff`` on everything: API JSON, the page, its scripts and CSS
  (a browser never sniffs a file into another type).
* ``Strict-Transport-Security`` (``HSTS_MAX_AGE``, ``HSTS_INCLUDE_SUBDOMAINS``) in production
  (the platform's router terminates TLS), and on any answer to an HTTPS request elsewhere;
  ``HSTS_MAX_AGE=0`` sends ``max-age=0``, which tells browsers to forget it.
* ``Cache-Control: no-store`` on API answers (sign-in, tokens, tickets: nothing a shared or
  browser cache should keep), unless a route set its own; the OpenAPI document may be cached.
  The page sets its own ``no-store``; versioned static files keep their long caching.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

#: API answers that hold nothing personal and may be cached.
CACHEABLE_API = frozenset({"/api/openapi.json"})


def hsts_value() -> str | None:
    config = current_app.config
    production = str(config.get("APP_ENV", "")).lower() in {"production", "prod"}
    if not (production or request.is_secure):
        return None
    value = f"max-age={int(config['HSTS_MAX_AGE'])}"
    if config.get("HSTS_INCLUDE_SUBDOMAINS") and config["HSTS_MAX_AGE"]:
        value += "; includeSubDomains"
    return value


def secure_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    hsts = hsts_value()
    if hsts:
        response.headers.setdefault("Strict-Transport-Security", hsts)
    if request.path.startswith("/api/") and request.path not in CACHEABLE_API:
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(secure_headers)
