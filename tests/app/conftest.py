"""AppTest fixtures: the app on a demo database, signed in through the real sign-in form."""

from __future__ import annotations

import shutil

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from qms import db, demo
from qms.i18n import t
from tests.conftest import BACKENDS, _truncate, assert_due_dates_current, build_demo, fresh_pg_database
from tests.markdown_text import shown

TIMEOUT = 30


@pytest.fixture(autouse=True)
def router_always_runs(monkeypatch):
    """AppTest re-detects pages/ before every run; switch the v1 path off again, as the server does."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False
    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(scope="session")
def pg_demo_url():
    return build_demo(fresh_pg_database("demo"))


@pytest.fixture(params=BACKENDS)
def demo_url(request, tmp_path, monkeypatch):
    """A demo database (read-only use) on each backend, set as the app's database."""
    if request.param == "sqlite":
        path = tmp_path / "demo.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_demo_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_demo_url")
    monkeypatch.setenv("QMS_DATABASE_URL", url)
    return url


@pytest.fixture
def writable_demo_url(request, tmp_path, monkeypatch, sqlite_demo_template):
    """A demo database a test may change (SQLite copy; PostgreSQL rebuilt)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        path = tmp_path / "demo.sqlite3"
        shutil.copy(sqlite_demo_template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database_url")
        _truncate(db.get_engine(url))
        build_demo(url)
    monkeypatch.setenv("QMS_DATABASE_URL", url)
    yield url
    assert_due_dates_current(db.get_engine(url))


def start(lang: str | None = None) -> AppTest:
    """The app signed out; with `lang`, as if that language was picked on the sign-in screen."""
    at = AppTest.from_file("../../app.py", default_timeout=TIMEOUT)
    if lang:
        at.session_state["lang"] = lang
        at.session_state["lang_chosen"] = True
    return at.run()


def sign_in(username: str, password: str = demo.DEMO_PASSWORD, lang: str | None = "vi") -> AppTest:
    """Sign in through the form; the language is picked on the sign-in screen unless `lang` is None."""
    at = start(lang)
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(password)
    at.button[0].click().run()
    if "user" in at.session_state:
        at.run()  # AppTest does not follow st.rerun(); run again as the browser would
    return at


UNEXPECTED = tuple(t("error.unexpected", lang, ref="").split(";")[0] for lang in ("vi", "en"))


def no_errors(at: AppTest) -> None:
    """No exception box, and no crash caught by the page guard (a message with a reference) either."""
    assert not at.exception, [e.value for e in at.exception]
    crashed = [e.value for e in at.error if e.value.startswith(UNEXPECTED)]
    assert not crashed, crashed


def by_label(widgets, label: str, form: str | None = None):
    """The one widget of a kind with this label (in `form`, when given): forms here have no keys."""
    found = [w for w in widgets if w.label == label and (form is None or getattr(w, "form_id", "") == form)]
    assert len(found) == 1, (label, [w.label for w in widgets])
    return found[0]


def texts(at: AppTest) -> list[str]:
    """Every error, success and toast message as the reader sees it (names in it are escaped Markdown)."""
    return [shown(m.value) for m in [*at.error, *at.success, *at.toast]]
