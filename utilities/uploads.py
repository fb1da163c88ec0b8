"""Uploads spooled to disk that cannot be written: the request goes on, the view is told."""

import logging

from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler

logger = logging.getLogger(__name__)


def upload_failed(request) -> bool:
    """Whether a file of ``request`` could not be received (SpoolingUploadHandler): the files
    and the fields sent after them are missing, so the view must not act on what arrived."""
    request.FILES  # noqa: B018 - reading the body is when its files are received
    return getattr(request, "upload_failed", False)


class SpoolingUploadHandler(TemporaryFileUploadHandler):
    """Django's handler for uploads over FILE_UPLOAD_MAX_MEMORY_SIZE, which spools each file to
    FILE_UPLOAD_TEMP_DIR; but a folder that cannot be written (a full or read-only disk) no
    longer fails the request with a server error before the view runs. The upload stops, the
    part of the file written is removed, the fields sent before the files are kept, and
    ``upload_failed(request)`` tells the view, which says so and keeps what was typed."""

    def new_file(self, *args, **kwargs):
        try:
            super().new_file(*args, **kwargs)
        except OSError as error:
            self._stop(error)

    def receive_data_chunk(self, raw_data, start):
        try:
            return super().receive_data_chunk(raw_data, start)
        except OSError as error:
            self._stop(error)

    def _stop(self, error: OSError):
        logger.error("An upload could not be spooled to disk: %s", error)
        self.request.upload_failed = True
        # Django then closes (and so deletes) the spooled file and reads the rest of the body.
        raise StopUpload(connection_reset=False) from error
