import pytest
from sqlmodel import select

from qms import auth, passwords, units, users
from qms.errors import AuthError, PermissionDenied, ValidationError
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


def _session_token(session, user_id):
    return auth.redeem_ticket(session, auth.issue_ticket(session, user_id))


def test_admin_reset_forces_a_change_and_ends_every_session(session, admin_id, make_user):
    uid = make_user("minh", Role.viewer)
    token = _session_token(session, uid)
    for _ in range(auth.USER_FREE + 2):
        with pytest.raises(AuthError):
            auth.authenticate(session, "minh", "wrong-guess", "203.0.113.66")
    with pytest.raises(ValidationError) as err:
        users.reset_password(session, admin_id, uid, "minh")
    assert err.value.key == "error.password_too_short"
    users.reset_password(session, admin_id, uid, "tam-thoi-2026")
    assert users.profile(session, uid)["must_change_password"]
    assert auth.user_for_token(session, token) is None
    assert auth.throttle_state(session, "minh")["failures"] == 0
    assert auth.authenticate(session, "minh", "tam-thoi-2026", "198.51.100.7") == uid


def test_user_changes_own_password_with_the_old_one(session, admin_id, make_user):
    uid = make_user("lan", Role.viewer)
    users.reset_password(session, admin_id, uid, "tam-thoi-2026")
    here, elsewhere = _session_token(session, uid), _session_token(session, uid)
    for old, new, key in [("wrong-old-pass", "lan-moi-2026-x", "error.current_password_wrong"),
                          ("tam-thoi-2026", "tam-thoi-2026", "error.password_unchanged"),
                          ("tam-thoi-2026", "LAN", "error.password_too_short"),
                          ("tam-thoi-2026", "qwertyuiop", "error.password_common")]:
        with pytest.raises(ValidationError) as err:
            users.change_own_password(session, uid, old, new, keep_token=here)
        assert err.value.key == key
    assert users.profile(session, uid)["must_change_password"]
    users.change_own_password(session, uid, "tam-thoi-2026", "lan-moi-2026-x", keep_token=here)
    assert not users.profile(session, uid)["must_change_password"]
    assert auth.user_for_token(session, here) == uid  # this browser stays signed in
    assert auth.user_for_token(session, elsewhere) is None  # every other session ends
    assert auth.authenticate(session, "lan", "lan-moi-2026-x") == uid
    history = session.exec(select(User.password_hash).where(User.id == uid)).one()
    assert "lan-moi" not in history


def test_guessing_the_old_password_is_throttled_like_sign_in(session, make_user):
    uid = make_user("lan", Role.viewer)
    for _ in range(auth.USER_FREE):
        with pytest.raises(ValidationError):
            users.change_own_password(session, uid, "wrong-old-pass", "lan-moi-2026-x")
    with pytest.raises(AuthError) as err:
        users.change_own_password(session, uid, "test-pass-2026", "lan-moi-2026-x")
    assert err.value.key == "error.signin_wait"
