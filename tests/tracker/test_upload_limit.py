"""An evidence file of exactly ``settings.EVIDENCE_MAX_BYTES`` is accepted, through the whole
request stack and at the configured limit (20 MB unless DJANGO_EVIDENCE_MAX_MB says
otherwise), not only at a small stand-in; one byte more is refused with the limit
named, and nothing is saved."""

import hashlib

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tracker.models import Evidence, ProgressUpdate
from tracker.services import item_add_progress

pytestmark = pytest.mark.django_db


def pdf_of(size: int) -> bytes:
    head = b"%PDF-1.4\n"
    return head + b"0" * (size - len(head))


def test_a_file_of_exactly_the_limit_is_accepted_and_kept_whole(staff_client, item):
    content = pdf_of(settings.EVIDENCE_MAX_BYTES)
    upload = SimpleUploadedFile("整改报告.pdf", content, content_type="application/pdf")
    response = staff_client.post(
        item.get_absolute_url(), {"note": "整改报告全文", "version": 1, "files": [upload]}
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.size == settings.EVIDENCE_MAX_BYTES
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    download = staff_client.get(f"/evidence/{evidence.pk}/")
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == evidence.sha256


def test_one_byte_over_the_limit_is_refused_and_nothing_saved(staff_client, item):
    upload = SimpleUploadedFile(
        "整改报告.pdf", pdf_of(settings.EVIDENCE_MAX_BYTES + 1), content_type="application/pdf"
    )
    response = staff_client.post(
        item.get_absolute_url(), {"note": "整改报告全文", "version": 1, "files": [upload]}
    )
    page = response.content.decode()
    assert response.status_code == 200
    limit = settings.EVIDENCE_MAX_BYTES
    size = f"{(limit + 1) / 1024 / 1024:.1f}"
    assert f"“整改报告.pdf”大小为 {size} MB，每个文件不能超过 {limit // 1024 // 1024} MB。" in page
    assert "整改报告全文</textarea>" in page
    assert not ProgressUpdate.objects.exists() and not Evidence.objects.exists()
    item.refresh_from_db()
    assert item.version == 1


@pytest.mark.parametrize("limit", [1024, 5 * 1024 * 1024])
def test_the_limit_follows_the_setting_to_the_byte(item, staff_client, settings, limit):
    settings.EVIDENCE_MAX_BYTES = limit
    exact = SimpleUploadedFile("exact.pdf", pdf_of(limit), content_type="application/pdf")
    over = SimpleUploadedFile("over.pdf", pdf_of(limit + 1), content_type="application/pdf")
    with pytest.raises(ValidationError):
        item_add_progress(item=item, user=staff_client.user, note="x", files=[over], expected_version=1)
    update = item_add_progress(item=item, user=staff_client.user, note="x", files=[exact], expected_version=1)
    assert update.evidence.get().size == limit
