"""Text a client may see: error reasons stored for a job, without the server's paths."""

from __future__ import annotations

import re

#: An absolute path (POSIX or Windows) or a file:// URL, up to a quote, space or bracket.
_PATH = re.compile(r"""(?:file://|(?<![\w.:/])/|\b[A-Za-z]:\\)[^\s'"<>()\[\],;]+""")


def without_paths(message: str) -> str:
    """``message`` with every absolute file path replaced by ``<path>``."""
    return _PATH.sub("<path>", message)


def failure_reason(err: BaseException) -> str:
    """``ErrorType: message`` as a client may read it (no server paths); the full error goes
    to the log with the job id."""
    return without_paths(f"{type(err).__name__}: {err}".strip())
