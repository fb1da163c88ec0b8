"""Evidence files (佐证材料): what may be uploaded, checked by content, stored under random names."""

from __future__ import annotations

import hashlib
import os
import time
import unicodedata
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from utilities import archives
from utilities.storage_files import on_s3

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

# The types a browser shows by itself, which the preview serves inline: PDF and raster images,
# each with the content family its first bytes must still show. Never HTML or SVG (they carry
# script); Office files, OFD and archives are only ever downloaded.
PREVIEWABLE = {"application/pdf": PDF, "image/png": PNG, "image/jpeg": JPEG}


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


def is_previewable(content_type: str) -> bool:
    """Whether files of the stored, checked ``content_type`` open in the browser."""
    return content_type in PREVIEWABLE


def looks_like(content_type: str, head: bytes) -> bool:
    """Whether ``head`` (a file's first bytes) is of the family ``content_type`` stands for: the
    preview checks the stored file again before answering inline, whatever wrote the row."""
    family = PREVIEWABLE.get(content_type)
    return family is not None and head.startswith(SIGNATURES[family])


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


@dataclass(frozen=True)
class StrayFile:
    """A file that nothing refers to: ``name`` relative to ``root`` (a folder, or
    ``s3://bucket`` for an object of the S3 storage)."""

    root: str
    name: str
    size: int
    modified: float  # seconds since the epoch

    @property
    def path(self) -> str:
        return os.path.join(self.root, self.name)


def _files_under(root: str, *, older_than: float, now: float) -> list[StrayFile]:
    """Regular files under ``root`` (symbolic links neither followed nor listed) last
    modified more than ``older_than`` seconds before ``now``, by name."""
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            try:
                stat = os.lstat(path)
            except FileNotFoundError:
                continue
            if not os.path.isfile(path) or os.path.islink(path) or now - stat.st_mtime <= older_than:
                continue
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            found.append(StrayFile(root, relative, stat.st_size, stat.st_mtime))
    return sorted(found, key=lambda stray: stray.name)


def orphan_evidence_files(*, older_than: float, now: float | None = None) -> list[StrayFile]:
    """Files in MEDIA_ROOT's evidence folder that no Evidence row names, older than
    ``older_than`` seconds (a younger one may belong to a save still in progress); also the
    probe files a /healthz check killed midway left in MEDIA_ROOT. Names are relative to
    MEDIA_ROOT, as Evidence.file stores them."""
    from .models import Evidence

    now = time.time() if now is None else now
    if on_s3():
        return _orphans_in_bucket(older_than=older_than, now=now)
    media = str(settings.MEDIA_ROOT)
    evidence = os.path.join(media, "evidence")
    candidates = [
        StrayFile(media, f"evidence/{stray.name}", stray.size, stray.modified)
        for stray in _files_under(evidence, older_than=older_than, now=now)
    ]
    known = set(Evidence.objects.values_list("file", flat=True).iterator()) if candidates else set()
    orphans = [stray for stray in candidates if stray.name not in known]
    if os.path.isdir(media):
        for name in os.listdir(media):
            path = os.path.join(media, name)
            if name.startswith(".healthz-") and os.path.isfile(path) and not os.path.islink(path):
                stat = os.lstat(path)
                if now - stat.st_mtime > older_than:
                    orphans.append(StrayFile(media, name, stat.st_size, stat.st_mtime))
    return orphans


def _orphans_in_bucket(*, older_than: float, now: float) -> list[StrayFile]:
    """``orphan_evidence_files`` on S3 (``S3_BUCKET``): the objects under ``evidence/`` that no
    Evidence row names, read from the bucket's listing (names, sizes, times: no file opened)."""
    from .models import Evidence

    storage = default_storage
    client = storage.connection.meta.client
    prefix = storage._normalize_name("evidence/")
    root = f"s3://{storage.bucket_name}"
    candidates = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket_name, Prefix=prefix):
        for entry in page.get("Contents", ()):
            modified = entry["LastModified"].timestamp()
            if now - modified > older_than:
                name = entry["Key"][len(storage._normalize_name("")) :].lstrip("/")
                candidates.append(StrayFile(root, name, entry["Size"], modified))
    if not candidates:
        return []
    known = set(Evidence.objects.values_list("file", flat=True).iterator())
    return sorted((stray for stray in candidates if stray.name not in known), key=lambda stray: stray.name)


def stale_upload_files(*, older_than: float, now: float | None = None) -> list[StrayFile]:
    """Files left in FILE_UPLOAD_TEMP_DIR (when it is set) by uploads whose worker was killed,
    older than ``older_than`` seconds: an upload in progress is never that old."""
    folder = getattr(settings, "FILE_UPLOAD_TEMP_DIR", None)
    if not folder:
        return []
    return _files_under(str(folder), older_than=older_than, now=time.time() if now is None else now)


def remove_stray(stray: StrayFile) -> bool:
    """Remove ``stray`` unless an Evidence row names it by now; whether it was removed."""
    from .models import Evidence

    in_bucket = stray.root.startswith("s3://")
    is_evidence = stray.root == str(settings.MEDIA_ROOT) or in_bucket
    if (
        is_evidence
        and stray.name.startswith("evidence/")
        and Evidence.objects.filter(file=stray.name).exists()
    ):
        return False
    if in_bucket:
        default_storage.delete(stray.name)
        return True
    try:
        os.remove(stray.path)
    except FileNotFoundError:
        return False
    return True
