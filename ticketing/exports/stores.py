"""Which storage export files go to, chosen once per app from the config."""

from __future__ import annotations

from flask import Flask, current_app

from .storage import LocalStorage, Storage


def make_storage(app: Flask) -> Storage:
    """``EXPORT_STORAGE_URL=s3://bucket/prefix`` -> an object store; unset -> ``EXPORT_DIR``."""
    url = app.config.get("EXPORT_STORAGE_URL")
    if url:
        from .s3 import S3Storage, parse_s3_url  # boto3 only when an object store is used

        parse_s3_url(url)  # a clear error for anything but s3://bucket/prefix
        return S3Storage.from_config(app.config)
    return LocalStorage(app.config["EXPORT_DIR"])


def get_storage() -> Storage:
    return current_app.extensions["export_storage"]


def init_app(app: Flask) -> None:
    app.extensions["export_storage"] = make_storage(app)
