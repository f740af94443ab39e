import pytest
from sqlmodel import select

from qms import passwords, units, users
from qms.errors import PermissionDenied, ValidationError
from qms.models import Role, User


def test_create_user_hashes_password_and_links(session, admin_id):
    unit = units.create_unit(session, admin_id, "SKHCN", "Sở KH&CN")
    uid = users.create_user(session, admin_id, "Bao.Pham", "Phạm Quốc Bảo", "secret-pass", [Role.auditee], [unit], "en")
    me = users.profile(session, uid)
    assert me["username"] == "bao.pham" and me["roles"] == ["auditee"] and me["language"] == "en"
    assert me["units"] == [{"id": unit, "code": "SKHCN", "name": "Sở KH&CN"}]
    stored = session.get(User, uid).password_hash
    assert stored.startswith("$argon2id$") and "secret-pass" not in stored


@pytest.mark.parametrize("username,password,roles,key", [
    ("ab", "pass-word-1", ["viewer"], "error.username_invalid"),
    ("người", "pass-word-1", ["viewer"], "error.username_invalid"),
    ("okname", "short", ["viewer"], "error.password_too_short"),
    ("okname", "pass-word-1", [], "error.roles_required"),
    ("okname", "pass-word-1", ["boss"], "error.role_invalid"),
    ("okname", "pass-word-1", ["auditee"], "error.auditee_needs_unit"),
])
def test_bad_input_refused_and_nothing_saved(session, admin_id, username, password, roles, key):
    with pytest.raises(ValidationError) as err:
        users.create_user(session, admin_id, username, "Tên", password, roles)
    assert err.value.key == key
    assert session.exec(select(User.username)).all() == ["admin"]


def test_duplicate_username(session, admin_id):
    with pytest.raises(ValidationError) as err:
        users.create_user(session, admin_id, "ADMIN", "Other", "pass-word-1", ["viewer"])
    assert err.value.key == "error.username_taken"


def test_update_roles_units_and_deactivate(session, admin_id, make_user):
    uid = make_user("minh", Role.viewer)
    unit = units.create_unit(session, admin_id, "SNV", "Sở Nội vụ")
    users.update_user(session, admin_id, uid, "Trần Văn Minh", [Role.auditor, Role.viewer], [unit], active=False)
    me = users.profile(session, uid)
    assert me["roles"] == ["auditor", "viewer"] and me["units"][0]["code"] == "SNV" and not me["active"]


def test_admin_cannot_lock_themselves_out(session, admin_id):
    with pytest.raises(ValidationError):
        users.set_active(session, admin_id, admin_id, False)
    with pytest.raises(ValidationError):
        users.update_user(session, admin_id, admin_id, "Admin", [Role.viewer], [])


def test_non_admin_cannot_manage_users(session, make_user):
    rep = make_user("rep", Role.iso_rep)
    with pytest.raises(PermissionDenied):
        users.create_user(session, rep, "newbie", "New", "pass-word-1", ["viewer"])
    with pytest.raises(PermissionDenied):
        users.list_users(session, rep)


def test_deactivated_admin_loses_rights(session, admin_id, make_user):
    other = make_user("admin2", Role.admin)
    users.set_active(session, admin_id, other, False)
    with pytest.raises(PermissionDenied):
        users.list_users(session, other)


def test_first_admin_only_on_empty_database(session):
    assert not users.has_users(session)
    uid = users.create_first_admin(session, "root", "Người quản trị", "long-password")
    assert users.profile(session, uid)["roles"] == ["admin"]
    with pytest.raises(ValidationError):
        users.create_first_admin(session, "root2", "Second", "long-password")


@pytest.mark.parametrize("password,key", [
    ("12345678", "error.password_too_short"),
    ("password", "error.password_too_short"),
    ("123456789", "error.password_too_short"),
    (" " * 12, "error.password_blank"),
    ("\t \u00a0" * 4, "error.password_blank"),
    ("Nguyen.Van.An", "error.password_is_username"),
    ("1234567890", "error.password_common"),
    ("QWERTYUIOP", "error.password_common"),
    ("iloveyou12", "error.password_common"),
    ("Password2026!", "error.password_common"),  # a listed password dressed with digits is still that password
    ("2026@anhyeuem", "error.password_common"),
])
def test_weak_passwords_refused(session, admin_id, password, key):
    with pytest.raises(ValidationError) as err:
        users.create_user(session, admin_id, "nguyen.van.an", "An", password, ["viewer"])
    assert err.value.key == key
    assert session.exec(select(User.username)).all() == ["admin"]


def test_a_long_phrase_is_accepted():
    for password in ("hoa sen nở muộn", "Sở-KHCN-phòng-2", "correct-horse"):
        passwords.check_strength(password, "nguyen.van.an")
    assert passwords.MIN_LENGTH == 10 and len(passwords.common_passwords()) > 10_000
