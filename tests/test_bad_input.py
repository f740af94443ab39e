"""Bad input gets a message on both databases: lengths, NUL and control characters, numbers, dates, addresses."""

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from qms import actions, auth, clock, findings, meetings, planning, responses, units, users
from qms import settings as org_settings
from qms.errors import AuthError, QMSError, ValidationError
from qms.i18n import message
from qms.models import Audit, AuditMeeting, AuditStatus, Response, Unit, User, check_values
from qms.text import record_id
from tests.test_actions import plan


def refused(fn, *args, key=None, **kwargs) -> ValidationError:
    """The call is refused with a ValidationError whose message renders in both languages."""
    with pytest.raises(ValidationError) as caught:
        fn(*args, **kwargs)
    if key:
        assert caught.value.key == key
    for lang in ("vi", "en"):
        text = message(caught.value, lang)
        assert "{" not in text and not text.startswith("error."), text
    return caught.value


# --- Organisation settings -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [500, 0, -3, 2.9, "2.9", "abc", "", None, True, float("nan"), float("inf"), 10**30])
def test_out_of_range_or_fractional_settings_are_refused_with_a_message(session, admin_id, value):
    """Was TypeError (`key=` clashed with QMSError's own argument), and 2.9 was cut to 2."""
    before = org_settings.all_settings(session)["upload_limit_mb"]
    error = refused(org_settings.update, session, admin_id, {"upload_limit_mb": value}, key="error.setting_range")
    assert "MB" in message(error, "en")  # names the setting, not just the range
    session.rollback()
    assert org_settings.all_settings(session)["upload_limit_mb"] == before


def test_whole_numbers_typed_as_text_or_float_are_accepted(session, admin_id):
    assert org_settings.update(session, admin_id, {"plan_due_days": "30", "action_due_days": 45.0})["plan_due_days"] == 30


def test_unknown_setting_and_too_long_name(session, admin_id):
    refused(org_settings.update, session, admin_id, {"nope": 1}, key="error.setting_unknown")
    refused(org_settings.update, session, admin_id, {"org_name_vi": "Ủy ban " * 60}, key="error.text_too_long")


# --- What PostgreSQL refuses, refused alike on SQLite ----------------------------------------------------------------

def test_a_unit_code_over_40_characters(session, admin_id):
    error = refused(units.create_unit, session, admin_id, "X" * 41, "Phòng thử", "division", key="error.text_too_long")
    assert "Mã đơn vị" in message(error, "vi") and "40" in message(error, "vi")
    session.rollback()
    assert session.exec(select(Unit)).all() == []
    units.create_unit(session, admin_id, "X" * 40, "Phòng thử", "division")


def test_a_full_name_over_255_characters(session, admin_id):
    refused(users.create_user, session, admin_id, "longname", "Nguyễn " * 40, "test-pass-2026", ["viewer"],
            key="error.text_too_long")
    session.rollback()
    assert session.exec(select(User).where(User.username == "longname")).first() is None


def test_an_audit_title_over_255_characters(session, org):
    refused(planning.create_audit, session, org["rep"], 2026, "Đánh giá " * 40, org["checklist"], date(2026, 3, 1),
            date(2026, 3, 5), org["lead"], [org["lead"]], key="error.text_too_long")


@pytest.mark.parametrize("text", ["Hồ sơ\x00 số 12", "ký tự\x01lạ", "\x1b[31mđỏ"])
def test_control_characters_in_any_text_are_refused(session, org, text):
    refused(units.create_unit, session, org["admin"], "NUL1", text, "division", key="error.text_control")
    session.rollback()
    unit = planning.plan_unit(session, org["rep"], org["audit"], org["a"], date(2026, 11, 5), [org["lead"]])
    item = responses.sheet(session, unit)[0]["id"]
    refused(responses.save, session, org["lead"], unit, item, {"result": "conform", "evidence": text}, 0,
            key="error.text_control")
    session.rollback()
    assert session.exec(select(Response)).all() == []
    # Tabs and line breaks are ordinary text.
    saved = responses.save(session, org["lead"], unit, item, {"result": "conform", "evidence": "a\tb\nc"}, 0)
    assert saved["evidence"] == "a\tb\nc"


def test_text_longer_than_a_few_pages_is_refused_not_stored(session, org):
    unit = planning.plan_unit(session, org["rep"], org["audit"], org["a"], date(2026, 11, 5), [org["lead"]])
    item = responses.sheet(session, unit)[0]["id"]
    refused(responses.save, session, org["lead"], unit, item, {"evidence": "x" * 20_001}, 0, key="error.text_too_long")
    session.rollback()
    responses.save(session, org["lead"], unit, item, {"evidence": "x" * 20_000}, 0)


def test_a_question_id_over_60_and_a_version_over_40_characters(session, admin_id):
    from qms import checklists
    document = {"id": "thu-nghiem", "version": "1", "standard": "TCVN ISO 9001:2015", "languages": ["vi"],
                "title": {"vi": "Thử"}, "clauses": [{"clause": "4.1", "title": {"vi": "Bối cảnh"},
                                                     "questions": [{"id": "Q" * 61, "text": {"vi": "Câu hỏi?"}}]}]}
    refused(checklists.store, session, document, "thu.yaml", key="error.text_too_long")
    session.rollback()
    document["clauses"][0]["questions"][0]["id"] = "Q-1"
    document["version"] = "9" * 41
    refused(checklists.store, session, document, "thu.yaml", key="error.text_too_long")


def test_numbers_beyond_32_bits_are_refused_before_the_database():
    with pytest.raises(ValidationError) as caught:
        check_values("response", {"version": 2**31})
    assert caught.value.key == "error.number_range"
    check_values("response", {"version": 2**31 - 1})


def test_a_nul_in_what_is_looked_up_finds_nothing_on_both_databases(session, org):
    """On PostgreSQL a NUL in a query parameter was a DataError: sign-in and search now simply find nothing."""
    with pytest.raises(AuthError):
        auth.authenticate(session, "isorep\x00", "test-pass-2026")
    for flt in (findings.RegisterFilter(search="a\x00b"), findings.RegisterFilter(owner="x\x00", clause="8\x00")):
        assert findings.register(session, org["rep"], flt, clock.today())[1] == 0
    with pytest.raises(QMSError):
        units.id_for_code(session, "SNV\x00")


# --- Addresses -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [("12", 12), ("²", None), ("1" * 23, None), ("0", None), ("-1", None),
                                            ("١٢", None), (" 12", None), ("", None), (None, None),
                                            ("2147483647", 2147483647), ("2147483648", None)])
def test_record_ids_in_addresses(value, expected):
    assert record_id(value) == expected


# --- Dates ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("start,end", [(date(1900, 3, 1), date(2026, 3, 5)), (date(2026, 3, 1), date(2999, 3, 5)),
                                       (date(2025, 12, 30), date(2026, 1, 2)), (date(2026, 3, 1), date(2027, 3, 5))])
def test_audit_dates_start_in_the_programme_year_and_last_at_most_a_year(session, org, start, end):
    error = refused(planning.create_audit, session, org["rep"], 2026, "Đánh giá", org["checklist"], start, end,
                    org["lead"], [org["lead"]], key="error.date_range")
    assert "/2026" in message(error, "vi") and "2026-" in message(error, "en")


def test_an_audit_may_run_over_new_year_or_all_year(session, org):
    planning.create_audit(session, org["rep"], 2026, "Đánh giá cuối năm", org["checklist"], date(2026, 12, 22),
                          date(2027, 1, 8), org["lead"], [org["lead"]])
    planning.create_audit(session, org["rep"], 2026, "Đánh giá cả năm", org["checklist"], date(2026, 1, 1),
                          date(2026, 12, 31), org["lead"], [org["lead"]])


def test_an_action_done_in_1900_and_a_verification_in_2999_are_refused(session, org, issued):
    nc = issued["nc"]
    plan(session, org, nc)
    actions.submit_plan(session, org["auditee"], nc)
    actions.accept_plan(session, org["rep"], nc)
    row = actions.chain(session, None, nc)["rows"][0]
    refused(actions.report_done, session, org["auditee"], row["id"], date(1900, 1, 1), "Biên bản",
            key="error.date_range")
    session.rollback()
    actions.report_done(session, org["auditee"], row["id"], clock.today(), "Biên bản")
    actions.mark_implemented(session, org["auditee"], nc)
    for when in (date(2999, 1, 1), date(1900, 1, 1)):
        refused(actions.verify, session, org["rep"], nc, True, "Đã kiểm tra", when, key="error.date_range")
        session.rollback()
    actions.verify(session, org["rep"], nc, True, "Đã kiểm tra", clock.today())


def test_meetings_of_an_issued_or_closed_audit_cannot_be_changed(session, org, issued):
    when = clock.now() - timedelta(hours=1)
    refused(meetings.record, session, org["lead"], issued["unit"], "closing", when, "Ông A", "",
            key="error.meeting_closed")
    session.rollback()
    assert session.exec(select(AuditMeeting)).all() == []


def test_a_meeting_dated_far_away_is_refused(session, org):
    unit = planning.plan_unit(session, org["rep"], org["audit"], org["a"], date(2026, 11, 5), [org["lead"]])
    zone = clock.ZONE
    for when in (datetime(1900, 1, 1, 8, tzinfo=zone), datetime(2999, 1, 1, 8, tzinfo=zone)):
        refused(meetings.record, session, org["lead"], unit, "opening", when, "Ông A", "", key="error.date_range")
        session.rollback()
    meetings.record(session, org["lead"], unit, "opening", clock.now() - timedelta(hours=2), "Ông A", "")
    assert session.exec(select(Audit)).first().status == AuditStatus.planned


# --- Searching the unit tree -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("term", ["noi vu", "Nội vụ", "NỘI VỤ", "so noi", "SNV", "snv vu",
                                  "N\u006f\u0302\u0323i vu\u0323"])  # the last one typed decomposed (NFD)
def test_unit_search_ignores_accents_case_and_decomposed_input(session, org, term):
    found = units.search(units.list_units(session), term)
    assert [u["code"] for u in found] == ["SNV"]


def test_unit_search_with_nothing_typed_lists_every_unit(session, org):
    assert len(units.search(units.list_units(session), "  ")) == 4


def test_a_row_stored_before_these_checks_stays_editable(session, org):
    """A form feed pasted from a PDF years ago must not lock the unit: only what changes is checked, and the
    change log may quote the old value."""
    from sqlalchemy import text
    session.execute(text("UPDATE unit SET name = :name WHERE id = :id"), {"name": "Sở\x0cNội vụ", "id": org["b"]})
    session.commit()
    session.expire_all()
    units.update_unit(session, org["admin"], org["b"], "SNV", "Sở\x0cNội vụ", "department", org["root"], active=False)
    assert session.get(Unit, org["b"]).active is False
    units.update_unit(session, org["admin"], org["b"], "SNV", "Sở Nội vụ", "department", org["root"])
    session.expire_all()
    assert session.get(Unit, org["b"]).name == "Sở Nội vụ"


def test_a_changed_file_whose_version_fills_the_column_gets_a_revision_that_fits(session, admin_id):
    from qms import checklists
    document = {"id": "thu-nghiem", "version": "v" * 40, "standard": "TCVN ISO 9001:2015", "languages": ["vi"],
                "title": {"vi": "Thử"}, "clauses": [{"clause": "4.1", "title": {"vi": "Bối cảnh"},
                                                     "questions": [{"id": "Q-1", "text": {"vi": "Câu hỏi?"}}]}]}
    checklists.store(session, document, "thu.yaml")
    document["clauses"][0]["questions"][0]["text"]["vi"] = "Câu hỏi đã sửa?"
    second = checklists.store(session, document, "thu.yaml")
    assert second.version == "v" * 37 + "-r2"
