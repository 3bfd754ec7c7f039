"""S3-compatible export storage against moto's S3 server on 127.0.0.1."""

from __future__ import annotations

import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

import config as app_config
from ticketing import create_app
from ticketing.exports import s3 as s3_module
from ticketing.exports.s3 import S3Storage
from ticketing.exports.storage import LocalStorage

BUCKET = "ticketing-exports"


@pytest.fixture(scope="module")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def aws_env():
    """Credentials come from the standard AWS_* variables (moto accepts any)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "test-key-id")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="module")
def admin_client(moto_endpoint, aws_env):
    return s3_module.make_client(moto_endpoint, "us-east-1")


@pytest.fixture
def config_overrides(moto_endpoint, admin_client):
    bucket = f"{BUCKET}-{uuid.uuid4().hex[:12]}"
    admin_client.create_bucket(Bucket=bucket)
    return {
        "EXPORT_STORAGE_URL": f"s3://{bucket}/exports/prod",
        "EXPORT_S3_ENDPOINT_URL": moto_endpoint,
        "EXPORT_S3_REGION": "us-east-1",
        "EXPORT_URL_TTL": 120,
    }


@pytest.fixture
def storage(app) -> S3Storage:
    store = app.extensions["export_storage"]
    assert isinstance(store, S3Storage)
    return store


def test_s3_url_picks_the_object_store(storage, config_overrides):
    assert storage.bucket == config_overrides["EXPORT_STORAGE_URL"][5:].split("/")[0]
    assert storage.prefix == "exports/prod"
    assert storage.object_key("a.csv") == "exports/prod/a.csv"
    assert storage.url_ttl == 120


def test_without_a_url_exports_stay_on_the_local_disk(tmp_path):
    config = app_config.TestConfig()
    config.EXPORT_STORAGE_URL = None
    config.EXPORT_DIR = str(tmp_path / "exports")
    app = create_app(config)
    assert isinstance(app.extensions["export_storage"], LocalStorage)


@pytest.mark.parametrize("url", ["https://bucket/x", "s3:///no-bucket", "gs://bucket/x"])
def test_an_unusable_storage_url_stops_the_app_with_a_clear_message(url):
    config = app_config.TestConfig()
    config.EXPORT_STORAGE_URL = url
    with pytest.raises(ValueError, match="EXPORT_STORAGE_URL must look like s3://bucket/prefix"):
        create_app(config)


def test_a_written_object_appears_only_when_complete(storage):
    with storage.writer("e1.csv") as handle:
        handle.write(b"id,subject\n1,Hello\n")
        assert not storage.exists("e1.csv")  # nothing visible while writing
    assert storage.exists("e1.csv")
    assert storage.size("e1.csv") == 19
    with storage.open("e1.csv") as reader:
        assert reader.read() == b"id,subject\n1,Hello\n"
    head = storage.client.head_object(Bucket=storage.bucket, Key="exports/prod/e1.csv")
    assert head["ContentType"] == "text/csv"


def test_a_failed_write_leaves_no_object(storage):
    with pytest.raises(RuntimeError), storage.writer("broken.csv") as handle:
        handle.write(b"half a file")
        raise RuntimeError("the export query failed")
    assert not storage.exists("broken.csv")
    listed = storage.client.list_objects_v2(Bucket=storage.bucket)
    assert listed.get("KeyCount", 0) == 0


def test_large_files_go_up_in_parts_and_stay_invisible_until_done(storage, monkeypatch):
    monkeypatch.setattr(s3_module, "MULTIPART_CHUNK", 5 * 1024 * 1024)  # S3's smallest part
    seen_during_upload: list[bool] = []

    def during_part(**kwargs):
        seen_during_upload.append(storage.exists("big.csv"))

    storage.client.meta.events.register("before-call.s3.UploadPart", during_part)
    line = b"1234567,A subject,Some body text that fills the line up to one hundred bytes..\n"
    count = (11 * 1024 * 1024) // len(line) + 1
    with storage.writer("big.csv") as handle:
        for _ in range(count):
            handle.write(line)
    assert seen_during_upload == [False, False, False]  # three parts, none visible
    assert storage.size("big.csv") == count * len(line)
    uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket)
    assert not uploads.get("Uploads")
    with storage.open("big.csv") as reader:
        assert reader.readline() == line
        rest = sum(len(chunk) for chunk in iter(lambda: reader.read(1 << 20), b""))
    assert rest == (count - 1) * len(line)


def test_download_url_is_short_lived_and_names_the_file(storage):
    with storage.writer("e2.csv") as handle:
        handle.write(b"a,b\n1,2\n")
    url = storage.download_url("e2.csv", "tickets-2026-11-27.csv")
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Expires"] == ["120"]
    assert urlparse(url).path.endswith("/exports/prod/e2.csv")
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local moto
        assert response.read() == b"a,b\n1,2\n"
        disposition = response.headers["Content-Disposition"]
    assert 'filename="tickets-2026-11-27.csv"' in disposition


def test_missing_objects_and_deletes(storage):
    assert not storage.exists("nope.csv")
    with pytest.raises(FileNotFoundError):
        storage.open("nope.csv")
    with pytest.raises(FileNotFoundError):
        storage.size("nope.csv")
    storage.delete("nope.csv")  # deleting twice is fine
    with storage.writer("gone.csv") as handle:
        handle.write(b"x")
    storage.delete("gone.csv")
    assert not storage.exists("gone.csv")


@pytest.mark.parametrize("key", ["../x.csv", "a/b.csv", "", ".hidden"])
def test_unsafe_keys_are_refused(storage, key):
    with pytest.raises(ValueError, match="unsafe storage key"):
        storage.object_key(key)


def test_stale_objects_are_listed_and_removed(storage):
    for name in ("old1.csv", "old2.csv", "keep.csv"):
        with storage.writer(name) as handle:
            handle.write(b"x")
    # Another prefix in the same bucket is never touched.
    storage.client.put_object(Bucket=storage.bucket, Key="elsewhere/old.csv", Body=b"y")
    assert sorted(k for k, _, _ in storage.list_keys()) == ["keep.csv", "old1.csv", "old2.csv"]
    future = datetime.now(UTC) + timedelta(minutes=5)
    assert storage.remove_older_than(future, keep={"keep.csv"}) == 2
    assert [k for k, _, _ in storage.list_keys()] == ["keep.csv"]
    assert storage.remove_older_than(datetime.now(UTC) - timedelta(days=1)) == 0
    assert storage.client.head_object(Bucket=storage.bucket, Key="elsewhere/old.csv")
