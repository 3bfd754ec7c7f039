"""gunicorn settings from the environment (Heroku-style platforms set PORT and WEB_CONCURRENCY).

Logs go to stdout, one line per event: gunicorn's own messages and one access line per
request carrying the request id (the ``X-Request-ID`` the app echoes).
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = f"{os.environ.get('HOST', '0.0.0.0')}:{_int('PORT', 5000)}"  # noqa: S104 - a dyno's port
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 4)
# gthread / sync workers whose own refusals (a request line over limit_request_line: 414, too
# many or too large headers: 431) answer in the API's JSON error envelope, not an HTML page.
worker_class = (
    "ticketing.core.gunicorn_workers.JsonThreadWorker"
    if threads > 1
    else "ticketing.core.gunicorn_workers.JsonSyncWorker"
)
# The longest request line (method, URL, version) gunicorn reads: 8190 bytes, its maximum (a
# long filter or search URL fits); longer is a 414 in the JSON envelope. Never 0 (unlimited).
limit_request_line = _int("GUNICORN_LIMIT_REQUEST_LINE", 8190)
timeout = _int("GUNICORN_TIMEOUT", 30)
# Heroku sends SIGTERM and kills after 30 s: finish in-flight requests before that.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 25)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then (with jitter, so they don't all restart at once).
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 0)
proc_name = "ticketing-web"
# Load the app once in the master and warm it (classifier tables, language models) before
# forking: every worker starts warm and shares that memory copy-on-write, instead of each
# thread of each new worker paying seconds on its first requests (measured: 9 s answers on a
# cold worker under 16 connections). GUNICORN_PRELOAD=0 turns it off.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").strip().lower() not in ("0", "false", "no")


def when_ready(server):
    """In the master, after the app is loaded and before the first fork."""
    if not preload_app:
        return
    from ticketing.core.warmup import warm

    warm(server.app.wsgi(), after_fork=False)


def post_worker_init(worker):
    """In each web worker, after the fork: what must not be inherited (the ONNX session); and
    everything when the app is not preloaded (each worker loads it on its own then)."""
    from ticketing.core.warmup import warm

    warm(worker.wsgi, after_fork=True if preload_app else None)


# gunicorn 25+ opens a control socket at one fixed path per user ($HOME/.gunicorn/gunicorn.ctl):
# a dyno has no use for it, and two instances on one machine would fight over it.
control_socket_disable = True

loglevel = os.environ.get("LOG_LEVEL", "info").lower()
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms [%({x-request-id}o)s] "%(a)s"'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
        },
    },
    # The app adds its own one-line stdout handler to the root logger (ticketing/logs.py).
    "root": {"level": loglevel.upper(), "handlers": []},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
