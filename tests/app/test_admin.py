"""Administration screens: units and users, with refusals in the user's language and nothing changed."""

import pytest
from sqlmodel import Session, func, select

from qms import db
from qms.models import Unit, User
from tests.app.conftest import by_label, no_errors, sign_in, texts


def unit_count(url):
    with Session(db.get_engine(url)) as s:
        return s.exec(select(func.count()).select_from(Unit)).one()


def test_create_unit_and_refuse_duplicates(writable_demo_url):
    at = sign_in("admin")
    at.switch_page("pages/admin_units.py").run()
    before = unit_count(writable_demo_url)
    by_label(at.text_input, "Mã").input("X-MOI")
    by_label(at.text_input, "Tên").input("UBND xã Mới")
    by_label(at.selectbox, "Loại").select("commune")
    by_label(at.button, "Tạo mới").click().run()
    at.run()
    no_errors(at)
    assert unit_count(writable_demo_url) == before + 1
    by_label(at.text_input, "Mã").input("x-moi")
    by_label(at.text_input, "Tên").input("Trùng mã")
    by_label(at.button, "Tạo mới").click().run()
    assert texts(at) == ["Mã X-MOI đã được dùng cho đơn vị khác."]
    by_label(at.text_input, "Mã").input("X-RONG")
    by_label(at.text_input, "Tên").input("   ")
    by_label(at.button, "Tạo mới").click().run()
    assert texts(at) == ["Chưa nhập tên."]
    assert unit_count(writable_demo_url) == before + 1


def test_unit_cannot_be_moved_under_its_own_sub_unit(writable_demo_url):
    at = sign_in("admin", lang="en")
    at.switch_page("pages/admin_units.py").run()
    with Session(db.get_engine(writable_demo_url)) as s:
        skhcn = s.exec(select(Unit).where(Unit.code == "SKHCN")).one()
        child = s.exec(select(Unit.id).where(Unit.code == "SKHCN-VP")).one()
    by_label(at.selectbox, "Choose a unit").select(skhcn.id).run()
    by_label(at.selectbox, "Parent unit", form=f"unit_edit_{skhcn.id}").select(child)
    by_label(at.button, "Save").click().run()
    assert texts(at) == ["A unit cannot be placed under itself or under one of its own sub-units."]
    with Session(db.get_engine(writable_demo_url)) as s:
        assert s.get(Unit, skhcn.id).parent_id == skhcn.parent_id


def test_delete_unit_with_records_is_refused(writable_demo_url):
    at = sign_in("admin")
    at.switch_page("pages/admin_units.py").run()
    with Session(db.get_engine(writable_demo_url)) as s:
        unit_id = s.exec(select(Unit.id).where(Unit.code == "SKHCN")).one()
    by_label(at.selectbox, "Chọn đơn vị").select(unit_id).run()
    by_label(at.button, "Xóa").click().run()
    assert "không xóa được" in texts(at)[0]
    assert unit_count(writable_demo_url) > 0


def test_create_user_deactivate_and_reset_password(writable_demo_url):
    at = sign_in("admin")
    at.switch_page("pages/admin_users.py").run()
    by_label(at.text_input, "Tên đăng nhập").input("lan.nguyen")
    by_label(at.text_input, "Họ và tên").input("Nguyễn Thị Lan")
    by_label(at.text_input, "Mật khẩu").input("ngan")
    by_label(at.multiselect, "Vai trò").select("viewer")
    by_label(at.button, "Tạo mới").click().run()
    assert texts(at) == ["Mật khẩu phải có ít nhất 10 ký tự."]
    by_label(at.text_input, "Mật khẩu").input("mat-khau-moi")
    by_label(at.button, "Tạo mới").click().run()
    at.run()
    no_errors(at)
    with Session(db.get_engine(writable_demo_url)) as s:
        user = s.exec(select(User).where(User.username == "lan.nguyen")).one()
    assert sign_in("lan.nguyen", "mat-khau-moi").session_state["user"]["roles"] == ["viewer"]

    at.switch_page("pages/admin_users.py").run()
    by_label(at.selectbox, "Chọn người dùng").select(user.id).run()
    by_label(at.text_input, "Mật khẩu mới").input("mat-khau-thu-hai")
    by_label(at.button, "Đặt lại mật khẩu").click().run()
    at.run()
    no_errors(at)
    by_label(at.checkbox, "Đang hoạt động").uncheck()
    by_label(at.button, "Lưu").click().run()
    at.run()
    no_errors(at)
    assert "user" not in sign_in("lan.nguyen", "mat-khau-thu-hai").session_state


def test_non_admin_cannot_reach_admin_pages(demo_url):
    at = sign_in("isorep")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/admin_users.py")
