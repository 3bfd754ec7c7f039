"""Export files in an S3-compatible object store (AWS S3, Cloudflare R2, MinIO, Backblaze B2 …).

For platforms where the web and worker processes do not share a disk (Heroku dynos have
per-dyno, ephemeral disks): the worker writes the CSV here and the web process hands out a
short-lived presigned URL (or streams the object). Chosen by ``EXPORT_STORAGE_URL=
s3://bucket/prefix``; credentials come from the standard ``AWS_*`` environment variables (or
any other source boto3 knows: instance roles, ~/.aws). Same interface as ``LocalStorage``.
"""

from __future__ import annotations

import io
import mimetypes
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from typing import Any, BinaryIO
from urllib.parse import quote, urlparse

from .storage import check_key

#: Parts of a multipart upload; s3transfer switches to multipart above this size.
MULTIPART_CHUNK = 16 * 1024 * 1024


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> (``bucket``, ``some/prefix``)."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(f"EXPORT_STORAGE_URL must look like s3://bucket/prefix (got {url!r})")
    return parsed.netloc, parsed.path.strip("/")


def make_client(endpoint_url: str | None = None, region: str | None = None) -> Any:
    """A boto3 S3 client: SigV4, bounded timeouts and retries, path-style for custom endpoints."""
    import boto3
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 5, "mode": "standard"},
        s3={"addressing_style": "path" if endpoint_url else "auto"},
    )
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint_url, region_name=region, config=config
    )


class _BodyReader(io.RawIOBase):
    """A botocore ``StreamingBody`` as a real binary file (read, readinto, iteration, close)."""

    def __init__(self, body: Any) -> None:
        self.body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self.body.close()
        super().close()


class S3Storage:
    """Objects ``<prefix>/<key>`` in one bucket. Writes are atomic: the object appears only
    when its upload completes (a single PUT, or CompleteMultipartUpload for large files)."""

    def __init__(
        self,
        bucket: str,
        prefix: str,
        client: Any = None,
        url_ttl: int = 300,
        endpoint_url: str | None = None,
        region: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url_ttl = url_ttl
        self.endpoint_url = endpoint_url
        self.region = region
        if client is not None:
            self.client = client

    @cached_property
    def client(self) -> Any:
        """Made on first use: a process that never touches exports never pays for it, and a
        forked work horse builds its own rather than inheriting open connections."""
        return make_client(self.endpoint_url, self.region)

    @classmethod
    def from_config(cls, config: Any) -> S3Storage:
        bucket, prefix = parse_s3_url(config["EXPORT_STORAGE_URL"])
        return cls(
            bucket,
            prefix,
            url_ttl=int(config["EXPORT_URL_TTL"]),
            endpoint_url=config.get("EXPORT_S3_ENDPOINT_URL"),
            region=config.get("EXPORT_S3_REGION"),
        )

    def object_key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _missing(self, err: Exception) -> bool:
        code = str(getattr(err, "response", {}).get("Error", {}).get("Code", ""))
        return code in {"404", "NoSuchKey", "NotFound"}

    @contextmanager
    def writer(self, key: str) -> Iterator[BinaryIO]:
        """Yield a temp file; upload it on a clean exit, discard it on an error."""
        from boto3.s3.transfer import TransferConfig

        name = self.object_key(key)
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        with tempfile.TemporaryFile(prefix="export-") as handle:
            yield handle
            handle.flush()
            handle.seek(0)
            self.client.upload_fileobj(
                handle,
                self.bucket,
                name,
                ExtraArgs={"ContentType": content_type},
                Config=TransferConfig(
                    multipart_threshold=MULTIPART_CHUNK,
                    multipart_chunksize=MULTIPART_CHUNK,
                    use_threads=False,
                ),
            )

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as err:
            if self._missing(err):
                raise FileNotFoundError(key) from err
            raise
        return io.BufferedReader(_BodyReader(answer["Body"]), buffer_size=256 * 1024)

    def _head(self, key: str) -> dict | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as err:
            if self._missing(err):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    def download_url(self, key: str, filename: str) -> str | None:
        """A presigned GET valid for ``EXPORT_URL_TTL`` seconds, saved as ``filename``."""
        safe = os.path.basename(filename).replace('"', "")
        disposition = f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(safe)}"
        params = {
            "Bucket": self.bucket,
            "Key": self.object_key(key),
            "ResponseContentDisposition": disposition,
        }
        content_type = mimetypes.guess_type(filename)[0]
        if content_type:
            params["ResponseContentType"] = content_type
        return self.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=self.url_ttl
        )

    def list_keys(self) -> Iterator[tuple[str, datetime, int]]:
        """(key, last modified, size) of every object under the prefix, page by page."""
        start = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", []):
                yield item["Key"][len(start) :], item["LastModified"], int(item["Size"])

    def remove_older_than(self, cutoff: datetime, keep: set[str] | None = None) -> int:
        """Delete objects last modified before ``cutoff`` (except ``keep``); returns how many.

        For upkeep: an object whose export row is gone (or never committed) is stale.
        """
        keep = keep or set()
        start_key = f"{self.prefix}/" if self.prefix else ""
        stale = [k for k, modified, _ in self.list_keys() if modified < cutoff and k not in keep]
        for start in range(0, len(stale), 1000):
            chunk = stale[start : start + 1000]
            self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": start_key + k} for k in chunk], "Quiet": True},
            )
        return len(stale)
