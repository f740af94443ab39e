"""The deployment an IT office installs: Debian's nginx with the shipped configuration at /qms/, two app servers on
one PostgreSQL, and a person in Chromium who signs in, reloads, raises a finding on one server that a colleague sees
on the other, downloads a PDF, and stays signed in when the server they were on stops."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from qms import db
from qms.models import Checklist, Finding, FindingStatus
from tests.conftest import PG_URL, build_demo, fresh_pg_database, tiny_checklist
from tests.e2e.conftest import CRASH_MARKS, ROOT, _free_port, _need_chromium, serve, wait_for_app

pytestmark = pytest.mark.e2e

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SHIPPED = ROOT / "deploy" / "nginx"
BASE = "/qms"


def _need_nginx() -> None:
    if not Path(NGINX).exists():
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (apt-get install -y nginx)")
        pytest.skip("nginx not installed: apt-get install -y nginx")


def _nginx_conf(prefix: Path, port: int, app_ports: list[int]) -> Path:
    """nginx.conf for a private instance: the shipped upstream and locations files as they are, beside the
    server list and the listening port this machine needs (what an IT office writes itself)."""
    conf = prefix / "conf"
    (conf / "qms").mkdir(parents=True)
    for name in ("qms-upstream.conf", "qms-locations.conf", "qms-site.conf"):
        shutil.copy(SHIPPED / name, conf / "qms" / name)
    (conf / "qms" / "qms-app-servers.conf").write_text(
        "".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in app_ports))
    (prefix / "logs").mkdir()
    main = conf / "nginx.conf"
    main.write_text(f"""
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    # Which app server answered each request of a signed-in browser (the test's own addition).
    log_format qms '$upstream_addr $status $request_uri $cookie_qms_session';
    access_log {prefix}/logs/access.log qms;
    client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
    include qms/qms-upstream.conf;
    server {{
        listen 127.0.0.1:{port};
        include qms/qms-locations.conf;
    }}
}}
""")
    return main


@contextmanager
def nginx(prefix: Path, port: int, app_ports: list[int]):
    main = _nginx_conf(prefix, port, app_ports)
    checked = subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(main)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(main), "-g", "daemon off;"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{BASE}/healthz", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGQUIT)
        proc.wait(timeout=20)


def _upstream_of_last_request(log: Path, after: int = 0) -> str:
    """The app server that answered the last request carrying a session cookie (the last one tried, if several)."""
    lines = [line.split() for line in log.read_text().splitlines()[after:]]
    signed = [words for words in lines if len(words) >= 4 and words[0] != "-"]
    assert signed, lines[-5:]
    return signed[-1][0].split(",")[-1].strip()


def _signed_in(page, name: str) -> None:
    expect(page.locator("[data-testid='stSidebar']").get_by_text(name).first).to_be_visible()


def _sign_in(page, username: str) -> None:
    page.goto(f"{BASE}/")
    wait_for_app(page)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("demo-qms-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector("[data-testid='stSidebar']", state="attached")
    wait_for_app(page)


def test_behind_nginx_on_a_sub_path_with_two_app_servers(browser, tmp_path):
    _need_chromium()
    _need_nginx()
    if not PG_URL:
        pytest.skip("several app servers share one PostgreSQL: QMS_TEST_DATABASE_URL not set")
    url = build_demo(fresh_pg_database("deploy"))
    ports = [_free_port(), _free_port()]
    with ExitStack() as stack:
        servers = [stack.enter_context(serve(url, tmp_path, port, QMS_BASE_PATH=BASE)) for port in ports]
        proxy = stack.enter_context(nginx(tmp_path / "nginx", _free_port(), ports))
        proxy_log = tmp_path / "nginx" / "logs" / "access.log"

        # What the web server and an operator see: health with the schema revision, headers, no metrics.
        health = urllib.request.urlopen(f"{proxy}{BASE}/healthz", timeout=5)
        assert health.status == 200 and json.loads(health.read())["revision"] == db.head_revision(db.get_engine(url))
        assert health.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'self'" in health.headers["Content-Security-Policy"]
        assert health.headers["Referrer-Policy"] == "same-origin"
        with pytest.raises(urllib.error.HTTPError) as metrics:
            urllib.request.urlopen(f"{proxy}{BASE}/_stcore/metrics", timeout=5)
        assert metrics.value.code == 404

        # Sign in through nginx; the cookie is scoped to the sub-path; a reload keeps the person signed in.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=proxy)
        page = context.new_page()
        page.set_default_timeout(45_000)
        _sign_in(page, "isorep")
        _signed_in(page, "Nguyễn Thị Thu Hà")
        assert [c["path"] for c in context.cookies() if c["name"] == "qms_session"] == [f"{BASE}/"]
        page.reload()
        wait_for_app(page)
        _signed_in(page, "Nguyễn Thị Thu Hà")
        assert page.url.startswith(f"{proxy}{BASE}/")

        # A finding raised by the lead auditor on one app server, seen by the ISO secretary on the other.
        lead = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=servers[0].split(BASE)[0])
        auditor = lead.new_page()
        auditor.set_default_timeout(45_000)
        _sign_in(auditor, "auditor")
        auditor.goto(f"{BASE}/audit_day")
        wait_for_app(auditor)
        auditor.locator(".qms-answer button").filter(has_text="KPH nhẹ").first.click()
        auditor.get_by_role("button", name="Lập phát hiện").click()
        wait_for_app(auditor)
        with Session(db.get_engine(url)) as s:
            raised = s.exec(select(Finding).where(Finding.status == FindingStatus.draft)
                            .order_by(Finding.id.desc())).first()
        other = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=servers[1].split(BASE)[0])
        colleague = other.new_page()
        colleague.set_default_timeout(45_000)
        _sign_in(colleague, "isorep")
        colleague.goto(f"{BASE}/findings?finding={raised.id}")  # a deep link under the sub-path
        wait_for_app(colleague)
        expect(colleague.get_by_text(raised.clause).first).to_be_visible()
        expect(colleague.get_by_role("button", name="Về sổ theo dõi")).to_be_visible()

        # A download through nginx: the corrective action request of an issued finding.
        with Session(db.get_engine(url)) as s:
            issued = s.exec(select(Finding.id).where(Finding.status == FindingStatus.plan_accepted)).first()
        page.goto(f"{BASE}/findings?finding={issued}")
        wait_for_app(page)
        with page.expect_download() as download:
            page.get_by_role("button", name="Tải phiếu yêu cầu hành động khắc phục (PDF)").click()
        assert download.value.path().read_bytes().startswith(b"%PDF")

        # An upload through nginx: the file reaches the server that drew the page (sticky), and is imported once.
        page.goto(f"{BASE}/checklists")
        wait_for_app(page)
        page.get_by_role("tab", name="Nhập").click()
        checklist = tmp_path / "tthc-qua-nginx.yaml"
        checklist.write_text(tiny_checklist("tthc-qua-nginx"), encoding="utf-8")
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(checklist))
        expect(page.get_by_text("tthc-qua-nginx.yaml: đã nạp phiên bản 1")).to_be_visible()
        with Session(db.get_engine(url)) as s:
            assert len(s.exec(select(Checklist.id).where(Checklist.code == "tthc-qua-nginx")).all()) == 1

        # The app server this browser is on stops. Without a reload, Streamlit's own client reconnects (nginx
        # sends it to the server left) and the next click opens the page for the same person; a reload too.
        drawn_by = _upstream_of_last_request(proxy_log)
        stopping = ports.index(int(drawn_by.rsplit(":", 1)[1]))
        servers[stopping].process.terminate()
        servers[stopping].process.wait(timeout=20)
        stopped_at = len(proxy_log.read_text().splitlines())
        page.wait_for_timeout(1_500)
        page.locator("[data-testid='stSidebarNav'] a").filter(has_text="Phát hiện").first.click()
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Phát hiện & khắc phục")).to_be_visible()
        _signed_in(page, "Nguyễn Thị Thu Hà")
        page.reload()
        wait_for_app(page)
        _signed_in(page, "Nguyễn Thị Thu Hà")
        survivor = f"127.0.0.1:{ports[1 - stopping]}"
        assert _upstream_of_last_request(proxy_log, after=stopped_at) == survivor
        for context_ in (context, lead, other):
            context_.close()
    for log in tmp_path.glob("server-*.log"):
        written = log.read_text(encoding="utf-8", errors="replace")
        assert not any(mark in written for mark in CRASH_MARKS), written[-3000:]
