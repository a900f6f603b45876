"""Shared test set-up: required services, static files, and one user per role.

PISHKHAN_REQUIRE_SERVICES=1 (set by CI) turns every "service not available" skip into a failure:
PostgreSQL (PISHKHAN_TEST_DATABASE_URL), Redis (PISHKHAN_TEST_REDIS_URL) and Chromium.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

REQUIRE_SERVICES = os.environ.get("PISHKHAN_REQUIRE_SERVICES") == "1"

# The S3 store the document tests talk to: moto's, in this process (no network). Its address is
# not an AWS one, as in production (an Iranian cloud, MinIO); moto reads the list of such
# addresses when its S3 part is first imported, so it is set before any test imports it.
TEST_S3_ENDPOINT = "https://s3.pishkhan.test"
TEST_S3_ENV = {
    "PISHKHAN_FILE_STORAGE": "s3",
    "PISHKHAN_S3_BUCKET": "pishkhan-documents",
    "PISHKHAN_S3_ENDPOINT_URL": TEST_S3_ENDPOINT,
    "PISHKHAN_S3_REGION": "ir-thr-1",
    "PISHKHAN_S3_ACCESS_KEY_ID": "test-access-key",
    "PISHKHAN_S3_SECRET_ACCESS_KEY": "test-secret-key",
    "PISHKHAN_S3_LOCATION": "media",
}
os.environ.setdefault("MOTO_S3_CUSTOM_ENDPOINTS", TEST_S3_ENDPOINT)


# Ed25519, made for the tests only (openssl genpkey -algorithm ed25519).
_TEST_SIGNING_KEY = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJRdpXwMf/88QtNU7N658KT2L9eMHJNxKAj6CVPo0ovK
-----END PRIVATE KEY-----
"""


def skip_or_fail(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (PISHKHAN_REQUIRE_SERVICES=1 makes this mandatory)")
    pytest.skip(reason)


@contextmanager
def celery_worker() -> Iterator[Callable[[str], None]]:
    """A real Celery worker on a real Redis broker, sharing the test's PostgreSQL database (the
    test must commit: ``django_db(transaction=True)``). Yields ``send(task_name)``, which puts a
    task on the worker's own queue. Skips (fails in CI) without Redis; PostgreSQL pass only."""
    from django.db import connection

    redis_url = os.environ.get("PISHKHAN_TEST_REDIS_URL")
    if not redis_url:
        skip_or_fail("PISHKHAN_TEST_REDIS_URL is not set")
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs a database it can share; this runs in the PostgreSQL pass")
    from celery import Celery

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "worker-test-key",
    }
    queue = f"test-{os.getpid()}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pishkhan",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--concurrency=1",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "warning",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    producer = Celery("pishkhan-test-producer", broker=redis_url)
    try:
        yield lambda task: producer.send_task(task, queue=queue)
    except AssertionError as exc:
        output = worker.stdout.read1().decode() if worker.poll() is not None else "still running"
        raise AssertionError(f"{exc}\nworker: {output}") from None
    finally:
        producer.close()
        worker.terminate()
        worker.wait(timeout=20)


def wait_for(check: Callable[[], bool], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Tests do not run collectstatic: serve static files from the apps, unhashed.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@contextmanager
def s3_bucket(monkeypatch) -> Iterator[dict]:
    """An empty private bucket in moto's S3, and the ``STORAGES["default"]`` that settings make
    for it from the environment (``PISHKHAN_FILE_STORAGE=s3``). Skips (fails in CI) without
    django-storages and moto, which the ``test`` extra installs."""
    try:
        import boto3
        import moto
        import storages  # noqa: F401
    except ImportError:
        skip_or_fail("django-storages[s3] and moto are not installed (pip install -e '.[test]')")
    from pishkhan.settings import document_storage

    for name, value in TEST_S3_ENV.items():
        monkeypatch.setenv(name, value)
    storage = document_storage()
    options = storage["OPTIONS"]
    with moto.mock_aws():
        boto3.client(
            "s3",
            endpoint_url=options["endpoint_url"],
            region_name=options["region_name"],
            aws_access_key_id=options["access_key"],
            aws_secret_access_key=options["secret_key"],
        ).create_bucket(
            Bucket=options["bucket_name"],
            CreateBucketConfiguration={"LocationConstraint": options["region_name"]},
        )
        yield storage


@pytest.fixture(params=["filesystem", "memory", "s3"])
def document_storage(request, settings, tmp_path, monkeypatch):
    """Run the test once per kind of storage for uploaded documents (decision 57): the
    filesystem under MEDIA_ROOT (the embedded default), Django's in-memory storage (no disk
    path exists at all), and the S3 backend against moto's S3. Yields ``default_storage``."""
    from django.core.files.storage import default_storage

    if request.param == "filesystem":
        settings.MEDIA_ROOT = tmp_path
        backend = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    elif request.param == "memory":
        backend = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    if request.param != "s3":
        settings.STORAGES = {**settings.STORAGES, "default": backend}
        yield default_storage
        return
    with s3_bucket(monkeypatch) as backend:
        settings.STORAGES = {**settings.STORAGES, "default": backend}
        yield default_storage


class BodySpy:
    """What a download did to the S3 objects' bodies boto3 returned (decision 64)."""

    def __init__(self, s3: bool) -> None:
        self.s3 = s3
        self.reads: list[tuple[object, int | None]] = []  # (body, size asked; None: all of it)
        self.closed: list[object] = []  # the bodies closed
        self.spooled = 0  # objects downloaded whole into an S3File's spool

    def bodies_read(self) -> list[object]:
        return list({id(body): body for body, _amt in self.reads}.values())

    def left_open(self) -> list[object]:
        return [body for body in self.bodies_read() if not any(c is body for c in self.closed)]


@pytest.fixture
def body_spy(request, monkeypatch) -> BodySpy:
    """With the ``document_storage`` fixture's S3 run, spy on the object bodies boto3 returns
    (botocore's ``StreamingBody`` and its checksumming subclass) and on django-storages'
    whole-object download; on the other storages, an empty spy."""
    callspec = getattr(request.node, "callspec", None)
    spy = BodySpy(s3=bool(callspec) and callspec.params.get("document_storage") == "s3")
    if not spy.s3:
        return spy
    from botocore.response import StreamingBody
    from storages.backends.s3 import S3File

    read, close, whole = StreamingBody.read, StreamingBody.close, S3File.file.fget

    def spied_read(self, amt=None):
        spy.reads.append((self, amt))
        return read(self, amt)

    def spied_close(self):
        spy.closed.append(self)
        return close(self)

    def spied_whole(self):
        if self._file is None:
            spy.spooled += 1
        return whole(self)

    monkeypatch.setattr(StreamingBody, "read", spied_read)
    monkeypatch.setattr(StreamingBody, "close", spied_close)
    monkeypatch.setattr(S3File, "file", property(spied_whole, S3File.file.fset))
    return spy


# Larger than a few of the downloads' chunks, and not a whole number of them.
LARGE_DOCUMENT = bytes(range(256)) * 900


def store_large(file) -> bytes:
    """Put ``LARGE_DOCUMENT`` in the place of a stored document (same name): a scan of a few
    chunks, where the demo's files fit in one."""
    from django.core.files.base import ContentFile

    file.storage.delete(file.name)
    assert file.storage.save(file.name, ContentFile(LARGE_DOCUMENT)) == file.name
    return LARGE_DOCUMENT


def assert_streamed(response, content: bytes, spy: BodySpy) -> None:
    """The download is a streamed response in chunks of at most the helper's size; from S3,
    one object body read a chunk at a time (never "all of it", never spooled whole) and closed
    once the response has been read to its end and closed (the test client closes it then, as
    a WSGI server does)."""
    from pishkhan.core.downloads import CHUNK_SIZE

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Length"] == str(len(content))
    assert not spy.closed  # nothing closed before the client reads
    chunks = list(response.streaming_content)
    assert b"".join(chunks) == content
    assert len(chunks) > 1 and max(len(chunk) for chunk in chunks) <= CHUNK_SIZE
    if spy.s3:
        assert spy.spooled == 0
        assert len(spy.bodies_read()) == 1  # one object body, read from the connection
        assert all(amt is not None and 0 < amt <= CHUNK_SIZE for _body, amt in spy.reads)
        assert not spy.left_open()


def stored_files(storage=None, folder: str = "") -> list[str]:
    """Every file in ``storage`` (default: the documents'), through the storage API only."""
    if storage is None:
        from django.core.files.storage import default_storage as storage
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in folders:
        names += stored_files(storage, f"{folder}/{sub}" if folder else sub)
    return sorted(names)


@pytest.fixture(autouse=True)
def _test_signing_key(settings, tmp_path_factory):
    """Receipts sign their QR codes; tests use a key of their own, not one generated into the
    project's var/ folder."""
    if not settings.PISHKHAN_SIGNING_KEY:
        settings.PISHKHAN_SIGNING_KEY = _TEST_SIGNING_KEY


def _forget_outage() -> None:
    from pishkhan.accounts import otp
    from pishkhan.core import outage, ratelimit
    from pishkhan.notify import tasks

    outage.reset()
    tasks.slots.known = None
    ratelimit._local.clear()
    otp._local_client_counts.clear()


@pytest.fixture(autouse=True)
def _forget_process_caches():
    """What a process keeps between requests (the catalogue's filing bundles, parsed workflow
    versions, what it saw of Redis: core.outage) is right for one database and one test; each
    test's database is rolled back under it, and its Redis may be another."""
    from pishkhan.catalog import filing
    from pishkhan.workflow.models import forget_parsed

    filing.forget()
    forget_parsed()
    _forget_outage()
    yield
    filing.forget()
    forget_parsed()
    _forget_outage()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the reference data, the catalogue and the demo, loaded
    once. Transactional tests (which end by emptying every table) that need them too mark
    themselves ``django_db(transaction=True, serialized_rollback=True)``: the snapshot taken here
    is what Django restores for them."""
    from django.core.management import call_command
    from django.db import connections

    with django_db_blocker.unblock():
        call_command("demo", "--quiet-logins", verbosity=0)
        for connection in connections.all():
            connection._test_serialized_contents = connection.creation.serialize_db_to_string()


@pytest.fixture
def role_users(db):
    """The demo user of each role (see ``pishkhan demo``), keyed by role value."""
    from pishkhan.accounts.models import User

    users = {}
    for user in User.objects.order_by("pk"):
        users.setdefault(user.role, user)
    return users
