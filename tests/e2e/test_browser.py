"""Every demo role signs in, opens every page without an exception, and stays signed in across reloads."""

import pytest
from playwright.sync_api import expect

from qms import demo
from qms.ui.nav import visible_paths
from tests.e2e.conftest import (assert_no_exception, open_app, other_language_lines, shot, sign_in,
                                wait_for_app)

pytestmark = pytest.mark.e2e
ROLES = {username: [str(r) for r in roles] for username, _n, roles, _u in demo.PEOPLE[:5]}


def url_of(path: str) -> str:
    name = path.removeprefix("pages/").removesuffix(".py")
    return "/" if name == "home" else f"/{name}"


# Every page is in one of these roles' menus (the auditor's and the viewer's are the ISO secretary's, less some);
# AppTest opens every page for every role, in both languages (tests/app/test_pages.py). The administrator, whose
# menu holds every screen but the audit day, goes through them in English.
@pytest.mark.parametrize("username", ["admin", "isorep", "auditee"])
def test_each_role_opens_every_page(page, username):
    sign_in(page, username)
    expect(page.get_by_role("heading", name="Việc của tôi")).to_be_visible()
    english = username == "admin"
    if english:
        page.locator("[data-testid=stSidebar]").get_by_text("English", exact=True).click()
        wait_for_app(page)
        expect(page.get_by_role("heading", name="My work")).to_be_visible()
    leaks = {}
    for path in visible_paths(ROLES[username]):
        open_app(page, url_of(path))
        expect(page.locator("[data-testid=stSidebar]")).to_be_visible()  # still signed in after the load
        assert_no_exception(page)
        shot(page, f"{username}_{url_of(path).strip('/') or 'home'}_{'en' if english else 'vi'}")
        leaks[path] = other_language_lines(page, "en" if english else "vi")
    if english:  # leave the preference as it was
        page.locator("[data-testid=stSidebar]").get_by_text("Tiếng Việt", exact=True).click()
        wait_for_app(page)
    assert {path: lines for path, lines in leaks.items() if lines} == {}


def test_streamlit_own_texts_are_in_the_users_language(page):
    """Widget texts that only show once a person starts: an uploader, an empty picker, a form being typed in."""
    sign_in(page, "admin")
    leaks = {}
    open_app(page, "/admin_settings")
    leaks["settings"] = other_language_lines(page, "vi")
    open_app(page, "/programme")
    page.get_by_role("tab", name="Thêm cuộc đánh giá").click()
    page.get_by_label("Tiêu đề").fill("Đánh giá đột xuất")
    page.wait_for_timeout(300)
    leaks["new audit form"] = other_language_lines(page, "vi")
    open_app(page, "/checklists")
    page.get_by_role("tab", name="Nhập").click()
    page.wait_for_timeout(300)
    leaks["checklist import"] = other_language_lines(page, "vi")
    button = page.locator("[data-testid='stFileUploaderDropzone'] button > div").first
    assert button.evaluate("e => getComputedStyle(e, '::after').content") == '"Chọn tệp"'
    open_app(page, "/findings")
    leaks["register"] = other_language_lines(page, "vi")
    assert {where: lines for where, lines in leaks.items() if lines} == {}


def test_reload_keeps_the_session_and_sign_out_ends_it(page):
    sign_in(page, "isorep")
    assert any(c["name"] == "qms_session" and c["httpOnly"] for c in page.context.cookies())
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Việc của tôi")).to_be_visible()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_selector("[data-testid='stForm']")
    wait_for_app(page)
    assert not any(c["name"] == "qms_session" for c in page.context.cookies())
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()


def test_wrong_password_is_refused(page):
    open_app(page)
    shot(page, "signin_vi")
    page.get_by_label("Tên đăng nhập").fill("auditor")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    wait_for_app(page)
    expect(page.get_by_text("Tên đăng nhập hoặc mật khẩu không đúng.")).to_be_visible()
    assert page.locator("[data-testid='stSidebar']").count() == 0


def test_admin_adds_a_unit_and_gets_a_clear_refusal_for_a_duplicate(page):
    sign_in(page, "admin")
    open_app(page, "/admin_units")
    form = page.locator("[data-testid='stForm']").first
    for code in ("E2E-01", "e2e-01"):
        form.get_by_label("Mã").fill(code)
        form.get_by_label("Tên").fill("UBND phường Thử nghiệm")
        form.get_by_role("button", name="Tạo mới").click()
        wait_for_app(page)
    expect(page.get_by_text("Mã E2E-01 đã được dùng cho đơn vị khác.")).to_be_visible()
    assert page.get_by_text("UBND phường Thử nghiệm").count() >= 1
    shot(page, "admin_units_duplicate_vi")


@pytest.mark.parametrize("username", ["isorep", "admin"])
def test_tablet_width(browser, server, username):
    """At 768 px no table scrolls sideways: a column cut at the edge read "Sc" and "Ov", and the register's status
    was out of sight (6 of the ISO secretary's tables scrolled at 768 px before, 5 at 1366 px)."""
    context = browser.new_context(viewport={"width": 768, "height": 1024}, base_url=server)
    page = context.new_page()
    sign_in(page, username)
    cut = {}
    for path in visible_paths(ROLES[username]):
        open_app(page, url_of(path))
        assert_no_exception(page)
        shot(page, f"{username}_{url_of(path).strip('/') or 'home'}_768_vi")
        cut[path] = page.evaluate("""() => [...document.querySelectorAll('[data-testid=stDataFrame]')]
            .map(table => table.querySelector('.dvn-scroller'))
            .filter(s => s && s.scrollWidth > s.clientWidth + 1)
            .map(s => s.closest('[data-testid=stDataFrame]').querySelector('th')?.textContent)""")
    assert {path: tables for path, tables in cut.items() if tables} == {}
    context.close()
