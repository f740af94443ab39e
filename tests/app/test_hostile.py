"""No page shows an exception box, however its address or its forms are filled in (a catalogue of hostile input)."""

import pytest
from sqlmodel import Session, func, select

from qms import db, demo
from qms.models import Unit
from qms.ui.nav import visible_paths
from tests.app.conftest import by_label, no_errors, sign_in, texts

# Each address carries one hostile value of every parameter a page reads, so every page meets every value.
HOSTILE_QUERIES = [
    {"finding": "²", "unit": "9" * 30, "q": "../../etc/passwd", "ended": "\x00", "lang": "xx"},
    {"finding": "1" * 23, "unit": "-5", "q": "\x00" + "x" * 5000, "page": "%00"},
    {"finding": "1\x00", "unit": "'; DROP TABLE unit; --", "q": "ISO-7.1.5.1-03\u202e", "ended": "1"},
    {"finding": ["1", "2"], "unit": ["1", "2"], "q": ["a", "b"]},
]
ROLES = {username: [str(r) for r in roles] for username, _name, roles, _units in demo.PEOPLE[:5]}


@pytest.mark.parametrize("username", ["admin", "auditor"])
def test_every_page_survives_hostile_addresses(demo_url, username):
    if username != "admin" and not demo_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's part (NUL in lookups) is the same for every role; the admin sees every page")
    at = sign_in(username)
    for path in visible_paths(ROLES[username]):
        for query in HOSTILE_QUERIES:
            at.switch_page(path)
            at.query_params.clear()
            for key, value in query.items():
                at.query_params[key] = value
            at.run()
            no_errors(at)
            assert at.title, (path, query)


def test_signed_out_hostile_addresses_show_the_sign_in(demo_url):
    from tests.app.conftest import start
    for query in HOSTILE_QUERIES:
        at = start()
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        no_errors(at)
        assert at.text_input(key="signin_username")


@pytest.mark.parametrize("code,name", [("X" * 41, "Phòng thử"), ("NUL-1", "Tên\x00ẩn"), ("ESC-1", "\x1b[2J"),
                                       ("LONG-1", "Ủy ban " * 60)])
def test_unit_form_refuses_what_a_database_would_not_store(writable_demo_url, code, name):
    at = sign_in("admin")
    at.switch_page("pages/admin_units.py").run()
    with Session(db.get_engine(writable_demo_url)) as s:
        before = s.exec(select(func.count()).select_from(Unit)).one()
    by_label(at.text_input, "Mã").input(code)
    by_label(at.text_input, "Tên").input(name)
    by_label(at.button, "Tạo mới").click().run()
    no_errors(at)
    assert len(texts(at)) == 1 and ("quá dài" in texts(at)[0] or "ký tự điều khiển" in texts(at)[0]), texts(at)
    with Session(db.get_engine(writable_demo_url)) as s:
        assert s.exec(select(func.count()).select_from(Unit)).one() == before


@pytest.mark.parametrize("value", [200, 1])
def test_settings_form_bounds(writable_demo_url, value):
    at = sign_in("admin", lang="en")
    at.switch_page("pages/admin_settings.py").run()
    field = by_label(at.number_input, "Maximum size per file (MB)")
    assert (field.min, field.max) == (1, 200)  # the browser cannot send 500, 0 or -3
    field.set_value(value)
    by_label(at.button, "Save").click().run()
    no_errors(at)


def test_a_crash_shows_a_reference_and_logs_it(demo_url, monkeypatch, caplog):
    """An unexpected error is a translated message with a reference; the log holds the same reference and the
    traceback; the page shows no exception box."""
    from qms import findings
    at = sign_in("admin", lang="en")

    def broken(*_args, **_kwargs):
        raise RuntimeError("the register query broke")
    monkeypatch.setattr(findings, "register", broken)
    with caplog.at_level("ERROR", logger="qms"):
        at.switch_page("pages/findings.py").run()
    assert not at.exception
    shown = [e.value for e in at.error]
    assert len(shown) == 1 and shown[0].startswith("Something unexpected went wrong"), shown
    reference = shown[0].rsplit(" ", 1)[1].rstrip(".")
    logged = [r.getMessage() for r in caplog.records if reference in r.getMessage()]
    assert logged and "the register query broke" in logged[0] and "Traceback" in logged[0]
