"""Files in S3-compatible storage (S3_BUCKET, django-storages), on moto's in-memory S3: evidence
and job results are objects in the bucket, never files on the app server's disk, and still go
out only through the views that check permission (streamed, or presigned with S3_PRESIGNED)."""

import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from tests.factories import AnnualReportFactory, ItemFactory
from tests.test_jobs import body, readable, start
from tracker.models import Evidence, ProgressUpdate

pytestmark = pytest.mark.django_db

BUCKET = "ledger-evidence"
PDF = b"%PDF-1.4\n% the minutes of the meeting\n" + bytes(range(256)) * 40


def s3_storage(**options) -> dict:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "access_key": "testing",
            "secret_key": "testing",
            "region_name": "us-east-1",
            "signature_version": "s3v4",
            "file_overwrite": False,
            "querystring_expire": 60,
            **options,
        },
    }


@pytest.fixture
def s3(settings):
    """The default storage on moto's S3, with an empty bucket; the client to look into it."""
    from moto import mock_aws

    with mock_aws():
        client = boto3.client(
            "s3", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {**settings.STORAGES, "default": s3_storage()}
        settings.S3_BUCKET = BUCKET
        yield client


def keys(client, prefix="") -> list[str]:
    return [
        entry["Key"] for entry in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", ())
    ]


def on_disk() -> list[Path]:
    return [path for path in Path(django_settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def upload(client, item, name="会议纪要.pdf", content=PDF):
    from django.core.files.uploadedfile import SimpleUploadedFile

    item.refresh_from_db()
    return client.post(
        item.get_absolute_url(),
        {
            "note": "召开专题会议",
            "status": "in_progress",
            "version": item.version,
            "files": [SimpleUploadedFile(name, content, content_type="application/pdf")],
        },
    )


def test_evidence_goes_to_the_bucket_and_comes_back_through_the_view(s3, staff_client, leader_client, item):
    disk_before = on_disk()
    assert upload(staff_client, item).status_code == 302
    evidence = Evidence.objects.get()
    assert keys(s3) == [evidence.file.name] and evidence.file.name.startswith("evidence/")
    assert s3.get_object(Bucket=BUCKET, Key=evidence.file.name)["Body"].read() == PDF
    assert on_disk() == disk_before  # nothing written to the app server's media folder
    for client in (staff_client, leader_client):
        response = client.get(f"/evidence/{evidence.pk}/")
        assert response.status_code == 200
        assert body(response) == PDF
        assert response["Content-Length"] == str(len(PDF))
        assert response["Content-Disposition"].startswith("attachment")
    preview = staff_client.get(f"/evidence/{evidence.pk}/view/")
    assert preview.status_code == 200 and preview["Content-Disposition"].startswith("inline")
    assert body(preview) == PDF  # the first bytes, read to check the type, are not lost


def test_evidence_in_the_bucket_is_still_refused_to_those_who_may_not_see_it(
    s3, staff_client, other_staff_client, item
):
    upload(staff_client, item)
    evidence = Evidence.objects.get()
    assert other_staff_client.get(f"/evidence/{evidence.pk}/").status_code == 404
    assert other_staff_client.get(f"/evidence/{evidence.pk}/view/").status_code == 404


def test_a_missing_object_is_a_404_saying_so(s3, staff_client, item):
    upload(staff_client, item)
    evidence = Evidence.objects.get()
    s3.delete_object(Bucket=BUCKET, Key=evidence.file.name)
    response = staff_client.get(f"/evidence/{evidence.pk}/")
    assert response.status_code == 404
    assert 'data-testid="error-page"' in response.content.decode()  # the site's 404 page


def test_presigned_downloads_redirect_to_a_short_lived_signed_address(
    s3, settings, staff_client, other_staff_client, item
):
    import requests

    settings.S3_PRESIGNED = True
    upload(staff_client, item)
    evidence = Evidence.objects.get()
    response = staff_client.get(f"/evidence/{evidence.pk}/")
    assert response.status_code == 302
    address = urlsplit(response["Location"])
    query = parse_qs(address.query)
    assert address.path.endswith(evidence.file.name)
    assert query["X-Amz-Expires"] == ["60"] and "X-Amz-Signature" in query
    assert query["response-content-disposition"][0].startswith("attachment")
    assert query["response-content-type"] == ["application/pdf"]
    fetched = requests.get(response["Location"], timeout=5)
    assert fetched.status_code == 200 and fetched.content == PDF
    preview = urlsplit(staff_client.get(f"/evidence/{evidence.pk}/view/")["Location"])
    assert parse_qs(preview.query)["response-content-disposition"][0].startswith("inline")
    # The permission check comes first: no address for those who may not see the item.
    assert other_staff_client.get(f"/evidence/{evidence.pk}/").status_code == 404


def test_a_jobs_file_is_an_object_in_the_bucket_served_to_its_owner(s3, reviewer_client, leader_client):
    report = AnnualReportFactory(year=2021, state="active")
    ItemFactory.create_batch(3, report=report)
    plain = body(reviewer_client.get("/reports/2021/export/xlsx/"))
    disk_before = on_disk()
    job = start(reviewer_client, "xlsx")
    assert job.state == "done", job.error
    assert keys(s3, "jobs/") == [job.result_name]
    assert on_disk() == disk_before
    download = reviewer_client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert readable("xlsx", body(download)) == readable("xlsx", plain)
    assert leader_client.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_sweep_orphans_lists_and_removes_orphan_objects_in_the_bucket(s3, staff_client, item):
    upload(staff_client, item)
    kept = Evidence.objects.get().file.name
    s3.put_object(Bucket=BUCKET, Key="evidence/2020/01/orphan.pdf", Body=b"%PDF-left behind")
    out = io.StringIO()
    call_command("sweep_orphans", "--older-than", "0s", stdout=out)
    assert f"s3://{BUCKET}" in out.getvalue()
    assert "evidence/2020/01/orphan.pdf" in out.getvalue() and kept not in out.getvalue()
    call_command("sweep_orphans", "--older-than", "0s", "--delete", stdout=io.StringIO())
    assert keys(s3, "evidence/") == [kept]


def test_s3_out_of_reach_keeps_the_form_and_writes_nothing(settings, staff_client, item):
    from botocore.config import Config

    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(
            endpoint_url="http://127.0.0.1:1",
            client_config=Config(connect_timeout=0.5, read_timeout=0.5, retries={"max_attempts": 1}),
        ),
    }
    response = upload(staff_client, item)
    assert response.status_code == 503
    assert "佐证材料未能保存" in response.content.decode()
    assert ProgressUpdate.objects.count() == 0 and Evidence.objects.count() == 0


def test_the_settings_put_files_in_s3_only_when_a_bucket_is_named(monkeypatch):
    import importlib

    import config.settings as base

    for name in ("S3_BUCKET", "S3_ENDPOINT_URL", "S3_PRESIGNED", "S3_REGION"):
        monkeypatch.delenv(name, raising=False)
    try:
        local = importlib.reload(base)
        assert local.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
        monkeypatch.setenv("S3_BUCKET", "fazhi")
        monkeypatch.setenv("S3_ENDPOINT_URL", "http://minio.intranet:9000")
        monkeypatch.setenv("S3_ACCESS_KEY_ID", "ledger")
        monkeypatch.setenv("S3_SECRET_ACCESS_KEY", "secret")
        monkeypatch.setenv("S3_PRESIGNED", "1")
        remote = importlib.reload(base)
        options = remote.STORAGES["default"]["OPTIONS"]
        assert remote.STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
        assert (options["bucket_name"], options["endpoint_url"], options["region_name"]) == (
            "fazhi",
            "http://minio.intranet:9000",
            "us-east-1",
        )
        assert (options["access_key"], options["secret_key"], options["addressing_style"]) == (
            "ledger",
            "secret",
            "path",
        )
        assert remote.S3_PRESIGNED is True and remote.S3_PRESIGNED_SECONDS == 60
    finally:
        monkeypatch.undo()
        importlib.reload(base)


def test_a_jobs_file_is_presigned_for_its_owner_only(s3, settings, reviewer_client, leader_client):
    import requests

    settings.S3_PRESIGNED = True
    ItemFactory(report=AnnualReportFactory(year=2021, state="active"), title="预签名的事项")
    job = start(reviewer_client, "csv")
    response = reviewer_client.get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["X-Amz-Expires"] == ["60"] and query["response-content-disposition"][0].startswith(
        "attachment"
    )
    fetched = requests.get(response["Location"], timeout=5)
    assert "预签名的事项" in fetched.content.decode("utf-8-sig")
    assert leader_client.get(f"/jobs/{job.pk}/download/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_backup_streams_the_evidence_from_the_bucket(s3, staff_client, item, tmp_path):
    import json
    import zipfile

    upload(staff_client, item)
    name = Evidence.objects.get().file.name
    call_command("backup", str(tmp_path / "ledger.zip"), stdout=io.StringIO(), stderr=io.StringIO())
    with zipfile.ZipFile(tmp_path / "ledger.zip") as archive:
        assert archive.read(f"media/{name}") == PDF
        manifest = json.loads(archive.read("manifest.json"))
    assert name in manifest["files"] and manifest["missing"] == []
