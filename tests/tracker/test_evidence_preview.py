"""Evidence preview (查看): PDFs and images open in the browser through the same permission
check as the download, in a sandboxed page, typed by what the upload check stored; every
other file is downloaded."""

import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.tracker.steering import ROLES, assert_status
from tracker.models import Evidence
from tracker.services import item_add_progress

pytestmark = pytest.mark.django_db

SANDBOX = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def png_bytes(width=3, height=2) -> bytes:
    """A real PNG of ``width`` × ``height`` red pixels."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xc8\x1e\x1e" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.fixture
def attach(item, staff_client):
    """Attach files (name → bytes) to the item through the progress service; their Evidence rows."""

    def attach(**files):
        item.refresh_from_db()
        uploads = [SimpleUploadedFile(name, content) for name, content in files.items()]
        update = item_add_progress(
            item=item, user=staff_client.user, note="佐证", files=uploads, expected_version=item.version
        )
        return list(update.evidence.order_by("pk"))

    return attach


def view(client, evidence):
    return client.get(reverse("tracker:evidence_view", args=[evidence.pk]))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


PREVIEW = {"anonymous": "login", "other": 404, "lead": 200, "coop": 200, "leader": 200, "reviewer": 200}


@pytest.mark.parametrize("role", ROLES)
def test_a_pdf_opens_in_the_browser_for_those_who_see_its_item_only(clients, attach, pdf, role):
    (evidence,) = attach(**{"会议纪要.pdf": pdf().read()})
    response = view(clients[role], evidence)
    assert_status(response, PREVIEW[role])
    if PREVIEW[role] == 200:
        assert body(response).startswith(b"%PDF")
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("inline;")
        assert "filename*=utf-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.pdf" in response["Content-Disposition"]
        assert response["Content-Security-Policy"] == SANDBOX
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("name", "content_type"), [("照片.png", "image/png"), ("扫描件.JPG", "image/jpeg")])
def test_an_image_opens_inline_typed_as_its_checked_type(staff_client, attach, name, content_type):
    content = png_bytes() if content_type == "image/png" else b"\xff\xd8\xff\xe0" + b"\0" * 64
    (evidence,) = attach(**{name: content})
    response = view(staff_client, evidence)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body(response) == content


def test_a_word_file_asked_for_in_the_browser_is_downloaded(staff_client, attach):
    (evidence,) = attach(**{"方案.docx": docx_bytes()})
    response = view(staff_client, evidence)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.usefixtures("english")
def test_an_html_file_named_pdf_is_refused_at_upload(item, staff_client):
    page = SimpleUploadedFile("通知.pdf", b"<html><script>alert(1)</script></html>", content_type="text/html")
    with pytest.raises(ValidationError, match=r"not really a \.pdf"):
        item_add_progress(item=item, user=staff_client.user, note="x", files=[page], expected_version=1)
    assert not Evidence.objects.exists()


def test_a_stored_file_whose_bytes_are_not_its_type_is_never_shown_inline(staff_client, attach, pdf):
    """Whatever wrote the row (a restore, the shell), the preview checks the bytes again: HTML
    under a PDF's row is downloaded as application/pdf, never answered as text/html."""
    (evidence,) = attach(**{"通知.pdf": pdf().read()})
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    evidence.file.storage.delete(evidence.file.name)
    evidence.file.storage.save(evidence.file.name, ContentFile(html))
    response = view(staff_client, evidence)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_item_page_offers_view_beside_download_for_pdfs_and_images_only(staff_client, attach, item, pdf):
    shown, kept = attach(**{"会议纪要.pdf": pdf().read(), "方案.docx": docx_bytes()})
    page = staff_client.get(item.get_absolute_url()).content.decode()
    assert f'href="{reverse("tracker:evidence_view", args=[shown.pk])}" target="_blank"' in page
    assert reverse("tracker:evidence_view", args=[kept.pk]) not in page
    for evidence in (shown, kept):
        assert f'href="{reverse("tracker:evidence", args=[evidence.pk])}" download' in page
    assert page.count(">查看<") == 1 and page.count(">下载<") == 2
