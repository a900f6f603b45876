"""Where uploaded documents go is configured from the environment only (decision 57): the
filesystem by default, or an S3-compatible object store whose objects stay private."""

from __future__ import annotations

from importlib.util import find_spec

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile

import pishkhan.settings as project_settings
from tests.conftest import TEST_S3_ENV, s3_bucket
from tests.core.test_settings import load_settings

S3_VARIABLES = [name for name in TEST_S3_ENV if name.startswith("PISHKHAN_S3_")]


@pytest.fixture
def s3_env(monkeypatch):
    for name in [*S3_VARIABLES, "PISHKHAN_S3_ADDRESSING_STYLE"]:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    for name, value in TEST_S3_ENV.items():
        monkeypatch.setenv(name, value)
    # The extra need not be installed for the settings' own checks.
    real = project_settings.find_spec
    monkeypatch.setattr(
        project_settings,
        "find_spec",
        lambda name: object() if name in ("storages", "boto3") else real(name),
    )
    return monkeypatch


def test_the_default_is_the_filesystem_under_media_root(monkeypatch):
    monkeypatch.delenv("PISHKHAN_FILE_STORAGE", raising=False)
    assert project_settings.document_storage() == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }


def test_s3_objects_are_private_never_overwritten_and_have_no_public_address(s3_env):
    storage = project_settings.document_storage()
    assert storage["BACKEND"] == "pishkhan.core.storage.PrivateS3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "pishkhan-documents"
    assert options["endpoint_url"] == "https://s3.pishkhan.test"
    assert options["region_name"] == "ir-thr-1"
    assert (options["access_key"], options["secret_key"]) == ("test-access-key", "test-secret-key")
    assert options["addressing_style"] == "path"  # what S3-compatible stores all understand
    assert options["location"] == "media"
    assert options["default_acl"] == "private" and options["querystring_auth"] is True
    assert options["custom_domain"] is None
    assert options["file_overwrite"] is False


def test_the_secret_may_come_from_a_file(s3_env, tmp_path):
    secret = tmp_path / "s3-secret"
    secret.write_text("from-a-file\n")
    s3_env.delenv("PISHKHAN_S3_SECRET_ACCESS_KEY")
    s3_env.setenv("PISHKHAN_S3_SECRET_ACCESS_KEY_FILE", str(secret))
    assert project_settings.document_storage()["OPTIONS"]["secret_key"] == "from-a-file"


@pytest.mark.parametrize(
    "name",
    [
        "PISHKHAN_S3_BUCKET",
        "PISHKHAN_S3_ENDPOINT_URL",
        "PISHKHAN_S3_ACCESS_KEY_ID",
        "PISHKHAN_S3_SECRET_ACCESS_KEY",
    ],
)
def test_a_missing_required_variable_is_named(s3_env, name):
    s3_env.delenv(name)
    with pytest.raises(ImproperlyConfigured, match=name):
        project_settings.document_storage()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PISHKHAN_FILE_STORAGE", "nfs"),
        ("PISHKHAN_S3_ENDPOINT_URL", "s3.example.ir"),
        ("PISHKHAN_S3_ADDRESSING_STYLE", "sideways"),
    ],
)
def test_a_malformed_value_is_named(s3_env, name, value):
    s3_env.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        project_settings.document_storage()


def test_s3_without_the_optional_packages_says_what_to_install(s3_env):
    s3_env.setattr(project_settings, "find_spec", lambda name: None)
    with pytest.raises(ImproperlyConfigured, match=r"pishkhan\[s3\]"):
        project_settings.document_storage()


def test_the_start_up_stops_on_an_incomplete_s3_configuration():
    result = load_settings(
        DEBUG="1", PISHKHAN_FILE_STORAGE="s3", PISHKHAN_S3_BUCKET="", PISHKHAN_S3_BUCKET_FILE=""
    )
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr
    installed = find_spec("storages") is not None and find_spec("boto3") is not None
    assert ("PISHKHAN_S3_BUCKET" if installed else "pishkhan[s3]") in result.stderr


def test_the_s3_backend_keeps_two_documents_of_one_name_apart_and_privately(monkeypatch):
    with s3_bucket(monkeypatch) as config:
        from pishkhan.core.storage import DocumentURLRefused, PrivateS3Storage

        storage = PrivateS3Storage(**config["OPTIONS"])
        first = storage.save("attachments/2026/12/scan.pdf", ContentFile(b"%PDF-1 first"))
        second = storage.save("attachments/2026/12/scan.pdf", ContentFile(b"%PDF-1 second"))
        assert first != second
        with storage.open(first) as a, storage.open(second) as b:
            assert (a.read(), b.read()) == (b"%PDF-1 first", b"%PDF-1 second")
        client = storage.connection.meta.client
        key = f"media/{first}"  # under PISHKHAN_S3_LOCATION
        grants = client.get_object_acl(Bucket=storage.bucket_name, Key=key)["Grants"]
        assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner's only
        assert not [g for g in grants if "URI" in g["Grantee"]]  # no AllUsers/AuthenticatedUsers
        with pytest.raises(DocumentURLRefused):
            storage.url(first)
        assert storage.exists(first)
        storage.delete(first)
        assert not storage.exists(first)
        with pytest.raises(FileNotFoundError):
            storage.open(first)
