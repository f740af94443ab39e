"""The server's own size check on uploads, before Streamlit reads their bodies into memory."""

from __future__ import annotations

import logging
import time

from starlette.responses import PlainTextResponse

from qms import db, limits, logs
from qms import settings as org_settings


class UploadCap:
    """Refuse an upload larger than the organisation allows before its body is read.

    Streamlit holds every upload in memory up to its own server.maxUploadSize (200 MB, the highest limit an
    administrator may set); its per-widget limits are checked in the browser only. This checks the size each
    upload announces against what is in force now: the attachment limit or the checklist file cap, whichever is
    larger (each uploader then refuses in the browser anything over its own).
    """

    CACHE_SECONDS = 10.0
    OVERHEAD = 1024 * 1024  # the multipart envelope around the file

    def __init__(self, app, engine_url: str | None = None) -> None:
        self.app = app
        self._engine_url = engine_url
        self._cap: tuple[float, int] | None = None

    def cap_bytes(self) -> int:
        now = time.monotonic()
        if self._cap is None or now - self._cap[0] > self.CACHE_SECONDS:
            with db.session_scope(db.get_engine(self._engine_url)) as session:
                attachments_mb = org_settings.upload_limit_mb(session)
            self._cap = (now, max(attachments_mb, limits.imports().file_mb) * limits.MIB + self.OVERHEAD)
        return self._cap[1]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and "/_stcore/upload_file/" in scope["path"] and scope["method"] in ("PUT", "POST"):
            length = dict(scope["headers"]).get(b"content-length", b"")
            if length.isdigit() and int(length) > (cap := self.cap_bytes()):
                logs.event("upload_refused", logging.WARNING, bytes=int(length), cap=cap)
                await PlainTextResponse("File too large", status_code=413)(scope, receive, send)
                return
        await self.app(scope, receive, send)
