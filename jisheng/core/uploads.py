"""Bounded file uploads: each view that receives files says how many, how large, and how much in all.

Django receives a whole request body before the view runs; without a bound an anonymous form could
store a hundred megabytes in one request. ``limit_uploads`` gives the view an upload handler that
streams every file to a temporary file on disk (never into memory) and stops receiving as soon as a
limit is passed: the rest of the body is read and thrown away, and the view finds the reason, in
the user's language, in ``upload_refusal(request)``.

The upload handlers must be set before anything reads ``request.POST``, and the CSRF check reads it,
so the decorated view is CSRF-exempt on the outside and CSRF-protected on the inside (the pattern
Django's documentation gives for this).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

MB = 1024 * 1024


class LimitedUploadHandler(TemporaryFileUploadHandler):
    def __init__(
        self, request: HttpRequest, *, max_files: int, max_file_bytes: int, max_total_bytes: int
    ) -> None:
        super().__init__(request)
        self.max_files, self.max_file_bytes, self.max_total_bytes = max_files, max_file_bytes, max_total_bytes
        self.files = self.file_bytes = self.total_bytes = 0
        self.name = ""

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        self.files += 1
        self.file_bytes = 0
        self.name = file_name
        if self.files > self.max_files:
            self._refuse(_("At most %(count)s files can be sent at once.") % {"count": self.max_files})
        super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.file_bytes += len(raw_data)
        self.total_bytes += len(raw_data)
        if self.file_bytes > self.max_file_bytes:
            self._refuse(
                _("File “%(name)s” is larger than %(size)s MB.")
                % {"name": self.name, "size": _megabytes(self.max_file_bytes)}
            )
        if self.total_bytes > self.max_total_bytes:
            self._refuse(
                _("The files together are larger than %(size)s MB.")
                % {"size": _megabytes(self.max_total_bytes)}
            )
        return super().receive_data_chunk(raw_data, start)

    def _refuse(self, reason: str) -> None:
        self.request._upload_refusal = reason  # type: ignore[union-attr]
        raise StopUpload(connection_reset=False)  # read and discard the rest; store nothing more


def limit_uploads(
    *, max_files: int, max_file_bytes: int, max_total_bytes: int
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            # Only a multipart body carries files, and only its parsing uses upload handlers; a form
            # sent url-encoded may already have been read by a middleware (its idempotency field).
            if request.method == "POST" and request.content_type == "multipart/form-data":
                request.upload_handlers = [
                    LimitedUploadHandler(
                        request,
                        max_files=max_files,
                        max_file_bytes=max_file_bytes,
                        max_total_bytes=max_total_bytes,
                    )
                ]
            return protected(request, *args, **kwargs)

        # Middleware must not read such a request's form before the view sets its limits.
        limited.limits_uploads = True  # type: ignore[attr-defined]
        return limited

    return decorate


def upload_refusal(request: HttpRequest) -> str:
    """Why the upload was cut short ("" when it was not); reading it reads the request body."""
    request.POST  # noqa: B018 -- parsing the body is what runs the handler
    return str(getattr(request, "_upload_refusal", ""))


def nothing_submitted(reason: str) -> str:
    return _("Nothing was submitted: %(reason)s") % {"reason": reason}


def _megabytes(size: int) -> str:
    return f"{size / MB:g}"
