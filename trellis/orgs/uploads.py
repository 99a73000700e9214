"""A cap on the size of a roster upload, enforced while it arrives (before anything reads it)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class RosterUploadLimit(FileUploadHandler):
    """Stops reading a request body once it passes ``TRELLIS_ROSTER_UPLOAD_MB``; the view then
    says the file is too large, instead of Django's "This field is required"."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = settings.TRELLIS_ROSTER_UPLOAD_MB * 1024 * 1024
        self.received = 0
        self.too_large = False

    def handle_raw_input(self, input_data: Any, META: Any, content_length: int, boundary: Any,
                         encoding: str | None = None) -> None:
        # Known too large from its length: stopped at its first file, before any of it is kept.
        self.too_large = bool(content_length and content_length > self.limit)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        if self.too_large:
            raise StopUpload(connection_reset=False)
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.too_large or self.received > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
