"""A real server (python -m qms serve) on a demo database, and Debian Chromium driven by Playwright.

Waits follow Streamlit's own e2e suite: the app root carries data-test-script-state, and a run is
over when it reads "notRunning".
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from qms import demo
from qms.i18n import t
from tests.conftest import BACKENDS, PG_URL, build_demo, fresh_pg_database

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("QMS_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.e2e
expect.set_options(timeout=20_000)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(str):
    """A running app server: its base URL, and the database it serves (tests read back what was typed)."""

    db_url: str
    log: Path  # the server's output: an uncaught exception there reached somebody's browser
    process: subprocess.Popen


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is required in CI (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} not installed: apt-get install -y chromium")


@contextmanager
def serve(db_url: str, logs: Path, port: int | None = None, **settings: str) -> Iterator[Server]:
    """`python -m qms serve` on `db_url` until the block ends (`settings`: more QMS_ variables, e.g. a base path)."""
    port = port or _free_port()
    env = dict(os.environ, QMS_DATABASE_URL=db_url, QMS_LANG="vi", **settings)
    log_path = logs / f"server-{port}.log"
    with open(log_path, "a") as log:
        proc = subprocess.Popen([sys.executable, "-m", "qms", "serve", "--port", str(port), "--address", "127.0.0.1"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = Server(f"http://127.0.0.1:{port}{settings.get('QMS_BASE_PATH', '')}")
        base.db_url, base.log, base.process = db_url, log_path, proc
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            proc.kill()
            pytest.fail("server did not start: " + log_path.read_text())
        try:
            yield base
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=20)


@contextmanager
def demo_server(tmp_path_factory, template: Path, name: str) -> Iterator[Server]:
    """The app served on a fresh copy of the demo database."""
    _need_chromium()
    path = tmp_path_factory.mktemp(name) / "demo.sqlite3"
    shutil.copy(template, path)
    with serve(f"sqlite:///{path}", path.parent) as base:
        yield base


@pytest.fixture(scope="session")
def server(tmp_path_factory, sqlite_demo_template):
    """The app served on a copy of the demo database; yields its base URL."""
    with demo_server(tmp_path_factory, sqlite_demo_template, "e2e") as base:
        yield base


@pytest.fixture(scope="module")
def own_server(tmp_path_factory, sqlite_demo_template):
    """A server of the module's own, for tests that plan audits (they would renumber other tests' audits)."""
    with demo_server(tmp_path_factory, sqlite_demo_template, "e2e-own") as base:
        yield base


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """The app served on a demo database on the PostgreSQL test server."""
    _need_chromium()
    if not PG_URL:
        pytest.skip("QMS_TEST_DATABASE_URL not set")
    url = build_demo(fresh_pg_database("e2e"))
    with serve(url, tmp_path_factory.mktemp("e2e-pg")) as base:
        yield base


@pytest.fixture(params=BACKENDS)
def any_server(request) -> Server:
    """The demo app on each backend (SQLite always, PostgreSQL when configured)."""
    return request.getfixturevalue("own_server" if request.param == "sqlite" else "pg_server")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", base_url=server)
    p = context.new_page()
    p.set_default_timeout(45_000)
    yield p
    context.close()


def wait_for_app(page) -> None:
    """Wait until the script run is over; assertions then use expect(), which retries, for what it drew."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=90_000)
    page.wait_for_timeout(400)  # a rerun triggered by the last action may start a moment later
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=90_000)


def open_app(page, path: str = "/") -> None:
    page.goto(path)
    wait_for_app(page)


def sign_in(page, username: str, password: str = demo.DEMO_PASSWORD) -> None:
    open_app(page)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector("[data-testid='stSidebar']", state="attached")
    wait_for_app(page)


def assert_no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0, page.locator(
        "[data-testid='stException']").first.inner_text()
    # The page guard turns a crash into a message with a reference: for a test that is still a crash.
    crashed = page.get_by_text(re.compile("|".join(re.escape(text) for text in UNEXPECTED.values())))
    assert crashed.count() == 0, crashed.first.inner_text()


UNEXPECTED = {lang: t("error.unexpected", lang, ref="").split(";")[0] for lang in ("vi", "en")}
CRASH_MARKS = ("Uncaught app execution", " ERROR qms error ")


@pytest.fixture(autouse=True)
def no_crash_in_server_log(request):
    """Whatever a browser test does, no page crashes on the server (caught or not): its log must not say so."""
    servers = [request.getfixturevalue(name) for name in ("server", "own_server", "pg_server", "any_server")
               if name in request.fixturenames]
    starts = [(server, server.log.stat().st_size) for server in servers]
    yield
    for server, start in starts:
        with open(server.log, "rb") as fh:
            fh.seek(start)
            written = fh.read().decode("utf-8", "replace")
        assert not any(mark in written for mark in CRASH_MARKS), written[-4000:]


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def choose(page, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox by its label and the option's visible text."""
    box = page.locator("[data-testid='stSelectbox']").filter(has=page.get_by_text(label, exact=True)).first
    box.click()
    page.get_by_role("option", name=option).first.click()
    wait_for_app(page)


def choose_many(page, label: str, options: list[str]) -> None:
    box = page.locator("[data-testid='stMultiSelect']").filter(has=page.get_by_text(label, exact=True)).first
    for option in options:
        box.click()
        page.get_by_role("option", name=option).first.click()
    page.keyboard.press("Escape")


def new_page(browser, server, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 1000}, base_url=server)
    p = context.new_page()
    p.set_default_timeout(45_000)
    return p


# Streamlit's own English (its widgets' defaults) and the words an untranslated label of ours would show. A word
# here found on a Vietnamese page is a leak; the check also compares every line with both catalogs.
STREAMLIT_ENGLISH = ("Choose an option", "Choose options", "Upload", "per file", "Press Enter", "Drag and drop",
                     "Browse files", "No results", "Show password", "Hide password", "Running...", "Clear all")
_WORD = re.compile(r"[^\W\d_]+")
# The demo's corrective actions name their owner by title, typed as a person would: data, not a label.
DEMO_DATA = {"Trưởng đơn vị"}


def _catalog_lines(lang: str) -> set[str]:
    import tomllib

    def walk(node) -> Iterator[str]:
        for value in node.values():
            if isinstance(value, dict):
                yield from walk(value)
            elif isinstance(value, str) and "{" not in value and len(_WORD.findall(value)) >= 1:
                yield value.strip()
    with open(ROOT / "qms" / "i18n" / f"{lang}.toml", "rb") as f:
        return set(walk(tomllib.load(f)))


def page_texts(page) -> list[str]:
    """What a person reads on the page: its rendered lines and the placeholders of empty inputs."""
    return page.evaluate("""() => {
        const lines = document.body.innerText.split("\\n").map(s => s.trim()).filter(Boolean);
        const holders = [...document.querySelectorAll("input[placeholder], textarea[placeholder]")]
            .filter(e => !e.value && e.offsetParent !== null).map(e => e.placeholder.trim()).filter(Boolean);
        return [...lines, ...holders];
    }""")


def other_language_lines(page, lang: str) -> list[str]:
    """Lines of the page in the other language: a catalog line of the other language that this one does not
    share, or (in Vietnamese) Streamlit's own English. The language switch names itself in its own language."""
    other = "en" if lang == "vi" else "vi"
    foreign = _catalog_lines(other) - _catalog_lines(lang) - {t(f"lang.{other}", other), t(f"lang.{other}", lang)}
    foreign -= DEMO_DATA
    found = []
    for line in page_texts(page):
        if line in foreign or (lang == "vi" and any(word in line for word in STREAMLIT_ENGLISH)):
            found.append(line)
    return found
