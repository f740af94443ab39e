"""Sign-in screen: wrong passwords, the growing delay and its unlock, first-run administrator, language, sign-out,
a forced password change after a reset, and changing one's own password."""

import pytest
from sqlmodel import Session, select

from qms import auth, clock, db, demo, users
from qms.models import User
from tests.app.conftest import by_label, no_errors, sign_in, start, texts


def test_wrong_password_gets_a_generic_message(demo_url):
    at = sign_in("isorep", "wrong-password")
    assert "user" not in at.session_state
    assert texts(at) == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    at = sign_in("nobody", "wrong-password", lang="en")
    assert texts(at) == ["Wrong username or password."]


def test_repeated_failures_slow_sign_in_alike_for_every_name_and_the_admin_clears_it(writable_demo_url, monkeypatch):
    frozen = clock.now()
    monkeypatch.setattr(clock, "now", lambda: frozen)  # no second passes, so the delay cannot run out mid-test
    wait = "Tên đăng nhập hoặc mật khẩu không đúng, hoặc đã thử sai nhiều lần. Vui lòng thử lại sau 1 giây."
    for username in ("viewer", "nobody"):
        seen = [texts(sign_in(username, "not-it-at-all")) for _ in range(auth.USER_FREE)]
        assert seen == [["Tên đăng nhập hoặc mật khẩu không đúng."]] * (auth.USER_FREE - 1) + [[wait]]
    at = sign_in("viewer")  # the right password waits too, unchecked
    assert "user" not in at.session_state and texts(at) == [wait]

    at = sign_in("admin")
    at.switch_page("pages/admin_users.py").run()
    with Session(db.get_engine(writable_demo_url)) as s:
        viewer = s.exec(select(User.id).where(User.username == "viewer")).one()
    by_label(at.selectbox, "Chọn người dùng").select(viewer).run()
    assert any(f"Đăng nhập sai {auth.USER_FREE} lần gần đây" in c.value for c in at.caption)
    by_label(at.button, "Gỡ hạn chế đăng nhập").click().run()
    at.run()
    no_errors(at)
    assert "user" in sign_in("viewer").session_state


def test_a_reset_password_must_be_replaced_before_anything_else(writable_demo_url):
    with Session(db.get_engine(writable_demo_url)) as s:
        viewer = s.exec(select(User.id).where(User.username == "viewer")).one()
        users.reset_password(s, None, viewer, "tam-thoi-2026")
    at = sign_in("viewer", "tam-thoi-2026")
    assert at.title[0].value == "Tài khoản của tôi"
    assert "đã đặt lại mật khẩu" in at.warning[0].value
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/findings.py")
    by_label(at.text_input, "Mật khẩu hiện tại").input("tam-thoi-2026")
    by_label(at.text_input, "Mật khẩu mới").input("tam-thoi-2026")
    by_label(at.text_input, "Nhập lại mật khẩu mới").input("tam-thoi-2026")
    by_label(at.button, "Đổi mật khẩu").click().run()
    assert texts(at) == ["Mật khẩu mới phải khác mật khẩu hiện tại."]
    by_label(at.text_input, "Mật khẩu mới").input("la-chinh-toi-2026")
    by_label(at.text_input, "Nhập lại mật khẩu mới").input("la-chinh-toi-2026")
    by_label(at.button, "Đổi mật khẩu").click().run()
    at.run()
    no_errors(at)
    assert at.title[0].value == "Việc của tôi"
    assert sign_in("viewer", "la-chinh-toi-2026").title[0].value == "Việc của tôi"


def test_every_user_changes_their_own_password(writable_demo_url):
    at = sign_in("auditor")
    at.switch_page("pages/account.py").run()
    for current, new, confirm, message in [
            ("sai-mat-khau-cu", "kiem-toan-vien-2026", "kiem-toan-vien-2026", "Mật khẩu hiện tại không đúng."),
            (demo.DEMO_PASSWORD, "kiem-toan-vien-2026", "kiem-toan-vien-2027", "Hai mật khẩu không khớp."),
            (demo.DEMO_PASSWORD, "auditor", "auditor", "Mật khẩu phải có ít nhất 10 ký tự."),
            (demo.DEMO_PASSWORD, "1234567890", "1234567890", "Mật khẩu này quá phổ biến, dễ bị dò ra. Hãy chọn mật khẩu "
                                                         "khác, ví dụ một cụm vài từ.")]:
        by_label(at.text_input, "Mật khẩu hiện tại").input(current)
        by_label(at.text_input, "Mật khẩu mới").input(new)
        by_label(at.text_input, "Nhập lại mật khẩu mới").input(confirm)
        by_label(at.button, "Đổi mật khẩu").click().run()
        assert texts(at) == [message]
    by_label(at.text_input, "Mật khẩu hiện tại").input(demo.DEMO_PASSWORD)
    by_label(at.text_input, "Mật khẩu mới").input("kiem-toan-vien-2026")
    by_label(at.text_input, "Nhập lại mật khẩu mới").input("kiem-toan-vien-2026")
    by_label(at.button, "Đổi mật khẩu").click().run()
    no_errors(at)
    assert texts(at) == ["Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc."]
    assert "user" not in sign_in("auditor").session_state
    assert "user" in sign_in("auditor", "kiem-toan-vien-2026").session_state


def test_demo_accounts_listed(demo_url):
    at = start()
    table = at.dataframe[0].value
    assert set(table.iloc[:, 0]) >= {"admin", "isorep", "auditor", "auditee", "viewer"}


def test_first_run_creates_the_first_admin(db_url, monkeypatch):
    monkeypatch.setenv("QMS_DATABASE_URL", db_url)
    at = start()
    assert at.info, "first-run notice"
    by_label(at.text_input, "Họ và tên").input("Quản trị viên")
    by_label(at.text_input, "Tên đăng nhập").input("quantri")
    by_label(at.text_input, "Mật khẩu").input("mat-khau-dai")
    by_label(at.text_input, "Nhập lại mật khẩu").input("khac-han")
    by_label(at.button, "Tạo tài khoản quản trị").click().run()
    assert texts(at) == ["Hai mật khẩu không khớp."]
    by_label(at.text_input, "Nhập lại mật khẩu").input("mat-khau-dai")
    by_label(at.button, "Tạo tài khoản quản trị").click().run()
    no_errors(at)
    with Session(db.get_engine(db_url)) as s:
        assert s.exec(select(User.username)).all() == ["quantri"]
    at = sign_in("quantri", "mat-khau-dai")
    assert at.session_state["user"]["roles"] == ["admin"]


def test_sign_out_forgets_the_user(demo_url):
    at = sign_in("viewer")
    by_label(at.button, "Đăng xuất").click().run()
    at.run()
    assert "user" not in at.session_state
    assert at.title[0].value == "Đăng nhập"


def test_language_choice_is_saved_as_preference(writable_demo_url):
    sign_in("auditor", lang="en")
    with Session(db.get_engine(writable_demo_url)) as s:
        assert s.exec(select(User.language).where(User.username == "auditor")).one() == "en"
    at = sign_in("auditor", lang=None)  # a new session without a choice follows the saved preference
    assert at.title[0].value == "My work"
