"""Evidence files (佐证材料): what may be uploaded, checked by content, stored under random names."""

from __future__ import annotations

import hashlib
import os
import unicodedata
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from utilities import archives

# Extension → the content families it may hold (first bytes of the file).
PDF, OLE, ZIP, JPEG, PNG = "pdf", "ole", "zip", "jpeg", "png"
SIGNATURES = {
    PDF: (b"%PDF-",),
    OLE: (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),  # .doc .xls .wps .et (Office 97-2003, WPS)
    ZIP: (b"PK\x03\x04",),  # .docx .xlsx .ofd .zip
    JPEG: (b"\xff\xd8\xff",),
    PNG: (b"\x89PNG\r\n\x1a\n",),
}
ALLOWED = {
    "pdf": (PDF, "application/pdf"),
    "doc": (OLE, "application/msword"),
    "docx": (ZIP, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xls": (OLE, "application/vnd.ms-excel"),
    "xlsx": (ZIP, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "wps": (OLE, "application/vnd.ms-works"),
    "et": (OLE, "application/vnd.ms-excel"),
    "ofd": (ZIP, "application/ofd"),
    "jpg": (JPEG, "image/jpeg"),
    "jpeg": (JPEG, "image/jpeg"),
    "png": (PNG, "image/png"),
    "zip": (ZIP, "application/zip"),
}


@dataclass
class CheckedFile:
    upload: UploadedFile
    original_name: str
    extension: str
    content_type: str
    size: int
    sha256: str


def max_bytes() -> int:
    return getattr(settings, "EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Validate one uploaded file; raises ValidationError with a message naming the file."""
    name = upload.name or ""
    if any(ch in name for ch in "\x00/\\") or any(unicodedata.category(ch) == "Cc" for ch in name):
        raise ValidationError(
            _("The file name “%(name)s” is not allowed.") % {"name": name.replace("\x00", "")}
        )
    original = os.path.basename(name).strip()[:255]
    extension = original.rsplit(".", 1)[-1].lower() if "." in original else ""
    if extension not in ALLOWED:
        raise ValidationError(
            _("“%(name)s”: only PDF, Word, Excel, WPS, OFD, JPG, PNG and ZIP files can be attached.")
            % {"name": original}
        )
    if upload.size > max_bytes():
        raise ValidationError(
            _("“%(name)s” is %(size)s MB; a file may be at most %(limit)s MB.")
            % {
                "name": original,
                "size": f"{upload.size / 1024 / 1024:.1f}",
                "limit": max_bytes() // 1024 // 1024,
            }
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": original})
    family, content_type = ALLOWED[extension]
    upload.seek(0)
    head = upload.read(16)
    if not head.startswith(SIGNATURES[family]):
        raise ValidationError(
            _("“%(name)s” is not really a .%(ext)s file (its content says otherwise).")
            % {"name": original, "ext": extension}
        )
    if family == ZIP:
        check_archive(upload, original)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(upload, original, extension, content_type, upload.size, digest.hexdigest())


# An archive (zip, and Office files, which are zips) may unpack to at most this much, counted
# by inflating it (utilities.archives), never by what its directory declares.
ARCHIVE_MAX_UNPACKED = 100 * 1024 * 1024
ARCHIVE_MAX_ENTRIES = 1000


def check_archive(upload: UploadedFile, original: str) -> None:
    """Refuse a zip bomb: more than ARCHIVE_MAX_ENTRIES entries, or members that really
    inflate to more than ARCHIVE_MAX_UNPACKED bytes (inflated and counted, stopping at the
    limit, nothing kept), or an archive that cannot be checked."""
    try:
        archives.check_archive(upload, max_unpacked=ARCHIVE_MAX_UNPACKED, max_entries=ARCHIVE_MAX_ENTRIES)
    except archives.ArchiveTooManyEntries as error:
        raise ValidationError(
            _("“%(name)s” holds %(count)s files; an archive may hold at most %(limit)s.")
            % {"name": original, "count": error.count, "limit": error.limit}
        ) from None
    except archives.ArchiveTooLarge as error:
        raise ValidationError(
            _("“%(name)s” unpacks to more than %(limit)s MB; an archive may unpack to at most %(limit)s MB.")
            % {"name": original, "limit": error.limit // 1024 // 1024}
        ) from None
    except archives.ArchiveEncrypted:
        raise ValidationError(
            _(
                "“%(name)s” is protected by a password, so its content cannot be checked; attach it without a password."
            )
            % {"name": original}
        ) from None
    except archives.ArchiveUnsupported:
        raise ValidationError(
            _(
                "“%(name)s” is compressed in an unusual way that cannot be checked; compress it again as an ordinary zip."
            )
            % {"name": original}
        ) from None
    except archives.ArchiveRefused:
        raise ValidationError(
            _("“%(name)s” is a damaged archive and cannot be opened.") % {"name": original}
        ) from None


def storage_name(checked: CheckedFile) -> str:
    """A random name under evidence/YYYY/MM/; the original name is kept only in the database."""
    now = timezone.now()
    return f"evidence/{now:%Y/%m}/{uuid.uuid4().hex}.{checked.extension}"
