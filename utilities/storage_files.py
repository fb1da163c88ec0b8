"""Files of the default storage handed to a browser by a view that has checked permission:
streamed from the storage (the media folder, or S3 with ``S3_BUCKET``), or, with
``S3_PRESIGNED=1``, a redirect to a presigned S3 address that works for
``S3_PRESIGNED_SECONDS`` (60) only.

Nothing here assumes a local path: a file is opened through the storage, and an S3 object is
read as it is sent (its body streamed, never downloaded whole to the app server first, as
django-storages' own ``open()`` would).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

CHUNK = 64 * 1024


def _storage_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (OSError,)
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - django-storages[s3] is in requirements.txt
        return errors
    return (*errors, BotoCoreError, ClientError)


#: What a storage raises when it cannot take or give a file: a full or read-only disk
#: (OSError), S3 out of reach or refusing (botocore's errors).
STORAGE_ERRORS = _storage_errors()


def on_s3(storage=None) -> bool:
    """Whether ``storage`` (the default storage) keeps its files in S3."""
    storage = storage or default_storage
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


class StoredFile:
    """A stored file open for reading from its start: ``head(n)`` peeks at its first bytes
    without losing them, ``read(n)`` reads on, ``size`` is its length in bytes."""

    def __init__(self, read, close, size: int):
        self._read = read
        self._close = close
        self._buffer = b""
        self.size = size

    def head(self, count: int) -> bytes:
        while len(self._buffer) < count:
            more = self._read(count - len(self._buffer))
            if not more:
                break
            self._buffer += more
        return self._buffer[:count]

    def read(self, count: int = -1) -> bytes:
        if self._buffer:
            if count is None or count < 0:
                data, self._buffer = self._buffer + self._read(), b""
                return data
            data, self._buffer = self._buffer[:count], self._buffer[count:]
            if len(data) < count:
                data += self._read(count - len(data))
            return data
        return self._read() if count is None or count < 0 else self._read(count)

    def close(self) -> None:
        self._close()


def _s3_key(storage, name: str) -> str:
    from storages.utils import clean_name

    return storage._normalize_name(clean_name(name))


def open_stored(name: str, storage=None) -> StoredFile:
    """``name`` of the storage open for reading; FileNotFoundError when it is not there."""
    storage = storage or default_storage
    if on_s3(storage):
        from botocore.exceptions import ClientError

        try:
            answer = storage.connection.meta.client.get_object(
                Bucket=storage.bucket_name, Key=_s3_key(storage, name)
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise FileNotFoundError(name) from None
            raise
        body = answer["Body"]
        return StoredFile(
            lambda count=-1: body.read(None if count < 0 else count), body.close, answer["ContentLength"]
        )
    handle = storage.open(name, "rb")
    return StoredFile(handle.read, handle.close, handle.size)


def presigned(storage=None) -> bool:
    """Whether downloads are redirects to presigned S3 addresses (``S3_PRESIGNED=1`` on S3)."""
    return bool(getattr(settings, "S3_PRESIGNED", False)) and on_s3(storage or default_storage)


def presigned_url(name: str, *, filename: str, content_type: str, inline: bool, storage=None) -> str:
    """A short-lived address of ``name`` on S3 that answers with the given type and disposition."""
    storage = storage or default_storage
    return storage.url(
        name,
        parameters={
            "ResponseContentDisposition": content_disposition_header(not inline, filename),
            "ResponseContentType": content_type or "application/octet-stream",
        },
        expire=settings.S3_PRESIGNED_SECONDS,
    )


def file_response(name: str, *, filename: str, content_type: str, inline: bool, storage=None):
    """``name`` as a download (or shown inline): a presigned redirect with ``S3_PRESIGNED``,
    else streamed from the storage. FileNotFoundError when the file is not there."""
    if presigned(storage):
        if not (storage or default_storage).exists(name):
            raise FileNotFoundError(name)
        return HttpResponseRedirect(
            presigned_url(name, filename=filename, content_type=content_type, inline=inline, storage=storage)
        )
    return streamed_response(
        open_stored(name, storage), filename=filename, content_type=content_type, inline=inline
    )


def streamed_response(handle: StoredFile, *, filename: str, content_type: str, inline: bool) -> FileResponse:
    """An open stored file streamed to the browser, its length told."""
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=filename,
        content_type=content_type or "application/octet-stream",
    )
    response.block_size = CHUNK
    response["Content-Length"] = str(handle.size)
    return response
