"""Where export files live: the instance folder by default; the interface lets an object
store (for platforms where web and worker do not share a disk) stand in for it."""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

PARTIAL_PREFIX = ".partial-"
PARTIAL_SUFFIX = ".tmp"
SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


class Storage(Protocol):
    def writer(self, key: str) -> contextmanager:  # yields a binary file
        """Write ``key`` atomically: readers never see a half-written file."""

    def open(self, key: str) -> BinaryIO: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> None: ...

    def download_url(self, key: str, filename: str) -> str | None:
        """A short-lived URL the client may fetch directly, or None to stream through the app."""


def check_key(key: str) -> str:
    """Keys are flat file names chosen by the server; anything else is refused."""
    if not SAFE_KEY.match(key) or ".." in key:
        raise ValueError(f"unsafe storage key: {key!r}")
    return key


class LocalStorage:
    """Files in a directory (``EXPORT_DIR``); writes go to a temp file renamed into place."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if path.parent != self.root:
            raise ValueError(f"unsafe storage key: {key!r}")
        return path

    @contextmanager
    def writer(self, key: str) -> Iterator[BinaryIO]:
        target = self.path(key)
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=PARTIAL_PREFIX, suffix=PARTIAL_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def download_url(self, key: str, filename: str) -> str | None:
        return None  # the app streams local files itself

    def remove_partials(self, older_than_seconds: float) -> int:
        """Delete temp files left by writers that died (older than the given age)."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for path in self.root.glob(PARTIAL_PREFIX + "*" + PARTIAL_SUFFIX):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # its writer finished (renamed it) or another upkeep removed it
        return removed
