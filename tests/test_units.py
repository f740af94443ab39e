import pytest

from qms import units, users
from qms.errors import NotFound, PermissionDenied, ValidationError
from qms.models import ChangeLog, Role, Unit
from sqlmodel import select


def test_create_and_list_tree(session, admin_id):
    root = units.create_unit(session, admin_id, "ubnd-t", "UBND tỉnh", "province")
    child = units.create_unit(session, admin_id, "SKHCN", "Sở Khoa học và Công nghệ", "department", root)
    units.create_unit(session, admin_id, "SKHCN-VP", "Văn phòng Sở", "division", child)
    tree = units.list_units(session)
    assert [(u["code"], u["depth"]) for u in tree] == [("UBND-T", 0), ("SKHCN", 1), ("SKHCN-VP", 2)]
    assert tree[2]["path"] == "UBND-T/SKHCN/SKHCN-VP"
    assert units.descendant_ids(session, root) == {u["id"] for u in tree}


@pytest.mark.parametrize("code,name,key", [("", "Tên", "error.code_required"), ("X1", "  ", "error.name_required")])
def test_empty_fields_refused(session, admin_id, code, name, key):
    with pytest.raises(ValidationError) as err:
        units.create_unit(session, admin_id, code, name)
    assert err.value.key == key
    assert session.exec(select(Unit)).all() == []


def test_duplicate_code_refused_case_insensitively(session, admin_id):
    units.create_unit(session, admin_id, "SNV", "Sở Nội vụ")
    with pytest.raises(ValidationError) as err:
        units.create_unit(session, admin_id, "snv", "Khác")
    assert err.value.key == "error.code_taken"
    assert len(session.exec(select(Unit)).all()) == 1


def test_unit_cannot_become_its_own_ancestor(session, admin_id):
    a = units.create_unit(session, admin_id, "A", "A")
    b = units.create_unit(session, admin_id, "B", "B", parent_id=a)
    c = units.create_unit(session, admin_id, "C", "C", parent_id=b)
    for parent in (c, a):  # under its grandchild, under itself
        with pytest.raises(ValidationError) as err:
            units.update_unit(session, admin_id, a, "A", "A", "other", parent)
        assert err.value.key == "error.unit_cycle"
    session.expire_all()
    assert session.get(Unit, a).parent_id is None


def test_update_logs_changes(session, admin_id):
    a = units.create_unit(session, admin_id, "A", "Cũ")
    units.update_unit(session, admin_id, a, "A", "Mới", "office", None, active=False)
    unit = session.get(Unit, a)
    assert (unit.name, unit.type, unit.active) == ("Mới", "office", False)
    fields = {r.field: (r.old, r.new) for r in session.exec(select(ChangeLog).where(ChangeLog.entity == "unit"))}
    assert fields["name"] == ("Cũ", "Mới") and fields["active"] == ("True", "False")


def test_delete_refused_when_unit_has_records(session, admin_id):
    parent = units.create_unit(session, admin_id, "P", "Cha")
    units.create_unit(session, admin_id, "C", "Con", parent_id=parent)
    with pytest.raises(ValidationError) as err:
        units.delete_unit(session, admin_id, parent)
    assert err.value.key == "error.unit_has_records"
    lonely = units.create_unit(session, admin_id, "L", "Lẻ")
    users.create_user(session, admin_id, "head", "Head", "test-pass-2026", [Role.auditee], [lonely])
    with pytest.raises(ValidationError):
        units.delete_unit(session, admin_id, lonely)
    empty = units.create_unit(session, admin_id, "E", "Trống")
    units.delete_unit(session, admin_id, empty)
    assert session.get(Unit, empty) is None


def test_only_admin_edits_units(session, make_user):
    auditor = make_user("auditor1", Role.auditor)
    with pytest.raises(PermissionDenied):
        units.create_unit(session, auditor, "X", "X")


def test_missing_parent_and_code_lookup(session, admin_id):
    with pytest.raises(NotFound):
        units.create_unit(session, admin_id, "X", "X", parent_id=999)
    a = units.create_unit(session, admin_id, "ĐGNB", "Đơn vị")
    assert units.id_for_code(session, "đgnb") == a
