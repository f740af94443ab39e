"""Hostile addresses in a real browser show no exception box and no crash, and an oversized upload is refused by
the server before it reads the body."""

from __future__ import annotations

import http.client
import time
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, open_app, sign_in, wait_for_app

pytestmark = pytest.mark.e2e

ADDRESSES = [
    ("/findings", {"finding": "²"}, "Phát hiện & khắc phục"),
    ("/findings", {"finding": "1\x00" + "1" * 23}, "Phát hiện & khắc phục"),
    ("/audit_day", {"unit": "²", "q": "\x00"}, "Đánh giá tại đơn vị"),
    ("/dashboard", {"finding": "<script>", "unit": "-1"}, "Tổng quan"),
]


def test_hostile_addresses_show_the_page_not_a_traceback(page):
    sign_in(page, "isorep")  # the ISO secretary reaches every page that reads its address
    page.keyboard.press("Enter")
    wait_for_app(page)
    for path, query, title in ADDRESSES:
        open_app(page, path + "?" + "&".join(f"{k}={quote(v)}" for k, v in query.items()))
        expect(page.get_by_role("heading", name=title).first).to_be_visible()
        assert_no_exception(page)


def _announce(server: str, length: int, sent: int = 1024) -> int:
    """Start an upload that announces `length` bytes, send only `sent`, and return the status the server gives."""
    url = urlsplit(server)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
    conn.putrequest("PUT", "/_stcore/upload_file/some-session/some-file")
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(length))
    conn.endheaders()
    try:
        conn.send(b"-" * sent)
        started = time.monotonic()
        status = conn.getresponse().status
        assert time.monotonic() - started < 10  # answered at once, not after waiting for the body
        return status
    finally:
        conn.close()


def test_an_upload_over_the_limit_is_refused_before_its_body_is_read(server):
    # The demo allows 20 MB per attached file; the checklist file cap (2 MB) is smaller.
    assert _announce(server, 25 * 1024 * 1024) == 413
    assert _announce(server, 1024, sent=1024) != 413
