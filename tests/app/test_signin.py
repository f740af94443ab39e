"""Sign-in screen: wrong passwords, lock-out, first-run administrator, language, sign-out."""

from sqlmodel import Session, select

from qms import auth, db
from qms.models import User
from tests.app.conftest import by_label, no_errors, sign_in, start, texts


def test_wrong_password_gets_a_generic_message(demo_url):
    at = sign_in("isorep", "wrong-password")
    assert "user" not in at.session_state
    assert texts(at) == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    at = sign_in("nobody", "wrong-password", lang="en")
    assert texts(at) == ["Wrong username or password."]


def test_lockout_after_repeated_failures(writable_demo_url):
    for _ in range(auth.MAX_FAILURES):
        sign_in("viewer", "not-it")
    at = sign_in("viewer")  # the right password is refused while locked
    assert "user" not in at.session_state
    assert "tạm khóa" in texts(at)[0]


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
