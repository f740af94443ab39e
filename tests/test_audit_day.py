"""Audit day in the domain: field-by-field conflicts, racing first answers, 'not audited' in bulk, live progress."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlmodel import Session, select

from qms import fieldwork, planning, report_data, responses, tailoring
from qms.errors import PermissionDenied, ValidationError
from qms.models import ChecklistItem, Response


@pytest.fixture
def unit(session, org):
    return planning.plan_unit(session, org["rep"], org["audit"], org["b"], date(2026, 11, 5), [org["second"]])


@pytest.fixture
def items(session, org):
    return list(session.exec(select(ChecklistItem.id).where(ChecklistItem.checklist_id == org["checklist"])
                             .order_by(ChecklistItem.position)).all())


def test_saving_one_field_never_collides_with_ones_own_save_of_another(session, org, unit, items):
    responses.save(session, org["second"], unit, items[0], {"result": "conform"}, bases={"result": None})
    # The evidence was typed while the result was on its way: both were based on an empty answer.
    responses.save(session, org["second"], unit, items[0], {"evidence": "Đã xem"}, bases={"evidence": ""})
    responses.save(session, org["second"], unit, items[0], {"records_sampled": "Số 12"}, bases={"records_sampled": ""})
    saved = responses.sheet(session, unit)[0]["answer"]
    assert (saved["result"], saved["evidence"], saved["records_sampled"], saved["version"]) == \
        ("conform", "Đã xem", "Số 12", 3)


def test_text_saved_mid_word_is_the_base_of_the_rest_though_stored_trimmed(session, org, unit, items):
    # A pause after "ghi " saves "ghi" (trimmed); the rest of the sentence is based on what was typed, "ghi ".
    responses.save(session, org["second"], unit, items[0], {"evidence": "Sổ chưa ghi "}, bases={"evidence": ""})
    responses.save(session, org["second"], unit, items[0], {"evidence": "Sổ chưa ghi ngày"},
                   bases={"evidence": "Sổ chưa ghi "})
    assert responses.sheet(session, unit)[0]["answer"]["evidence"] == "Sổ chưa ghi ngày"


def test_someone_elses_change_to_the_same_field_is_a_conflict(session, engine, org, unit, items):
    responses.save(session, org["second"], unit, items[0], {"evidence": "Bản đầu"}, bases={"evidence": ""})
    with Session(engine) as other:
        responses.save(other, org["lead"], unit, items[0], {"evidence": "Bản của trưởng đoàn"},
                       bases={"evidence": "Bản đầu"})
    with pytest.raises(responses.EditConflict) as err:
        responses.save(session, org["second"], unit, items[0], {"evidence": "Bản của tôi"}, bases={"evidence": "Bản đầu"})
    assert err.value.theirs["evidence"] == "Bản của trưởng đoàn" and err.value.mine["evidence"] == "Bản của tôi"
    # A different field of the same answer is not: it is saved beside theirs.
    responses.save(session, org["second"], unit, items[0], {"interviewed": "Bà Lan"}, bases={"interviewed": ""})
    session.expire_all()
    saved = responses.sheet(session, unit)[0]["answer"]
    assert (saved["evidence"], saved["interviewed"]) == ("Bản của trưởng đoàn", "Bà Lan")


def test_sending_the_same_draft_twice_is_harmless(session, org, unit, items):
    for _ in range(2):  # the browser resends what it has not seen acknowledged
        responses.save(session, org["second"], unit, items[0], {"evidence": "Một lần"}, bases={"evidence": ""})
    assert responses.sheet(session, unit)[0]["answer"]["version"] == 1


def test_two_auditors_saving_a_first_answer_at_once_never_crash(engine, session, org, unit, items):
    """Both start from 'no answer'; one wins, the other gets the conflict choice, never an IntegrityError."""
    session.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def answer(user: int, text: str) -> None:
        with Session(engine) as s:
            barrier.wait()
            try:
                responses.save(s, user, unit, items[5], {"result": "conform", "evidence": text}, 0)
                outcomes.append("saved")
            except responses.EditConflict:
                outcomes.append("conflict")
            except Exception as exc:  # noqa: BLE001 - the test is that nothing else escapes
                outcomes.append(type(exc).__name__)

    for _round in range(20):
        outcomes.clear()
        threads = [threading.Thread(target=answer, args=(u, f"Bản {u}")) for u in (org["second"], org["lead"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(outcomes) == ["conflict", "saved"], outcomes
        with Session(engine) as s:
            rows = s.exec(select(Response).where(Response.audit_unit_id == unit, Response.item_id == items[5])).all()
            assert len(rows) == 1
            s.delete(rows[0])
            s.commit()


def test_a_question_outside_the_unit_scope_is_refused(session, org, unit, items):
    out = session.get(ChecklistItem, items[0]).clause
    scope = tailoring.scope(session, org["audit"], unit)["in_scope"]
    tailoring.save(session, org["rep"], org["audit"], unit, [c for c in scope if c != out], {})
    with pytest.raises(ValidationError):
        responses.save(session, org["second"], unit, items[0], {"result": "conform"}, 0)


def test_the_rest_marked_not_audited_in_one_step_with_the_reason(session, org, unit, items):
    responses.save(session, org["second"], unit, items[0], {"result": "nc_minor", "evidence": "Thiếu phiếu"}, 0)
    with pytest.raises(ValidationError):
        responses.mark_not_audited(session, org["second"], unit, "  ")
    with pytest.raises(PermissionDenied):
        responses.mark_not_audited(session, org["auditee"], unit, "Hết giờ")
    assert responses.mark_not_audited(session, org["second"], unit, "Hết thời gian, đánh giá đợt sau") == 169
    rows = responses.sheet(session, unit)
    assert rows[0]["answer"]["result"] == "nc_minor", "an answer already given is never overwritten"
    assert all(r["answer"]["result"] == "not_audited" and r["answer"]["evidence"] == "Hết thời gian, đánh giá đợt sau"
               for r in rows[1:])
    assert responses.unanswered(session, unit) == 0
    report = report_data.audit_report(session, org["rep"], org["audit"], "vi")
    line = next(u for u in report["units_result"] if u["not_audited"])
    assert line["not_audited"] == 169 and line["not_audited_reasons"] == ["Hết thời gian, đánh giá đợt sau"]


def test_live_progress_for_the_iso_secretary_and_the_lead_only(session, org, unit, items):
    responses.save(session, org["second"], unit, items[0], {"result": "conform"}, 0)
    responses.save(session, org["lead"], unit, items[1], {"result": "nc_minor"}, 0)
    for who in (org["rep"], org["lead"]):
        rows = fieldwork.live_progress(session, who)
        row = next(r for r in rows if r["audit_unit_id"] == unit)
        assert (row["answered"], row["total"], row["findings"]) == (2, 170, 0)
        assert row["by_auditor"] == {"Lead": 1, "Second": 1} and row["auditors"] == ["Second"]
        assert row["last_activity"] is not None
    assert fieldwork.live_progress(session, org["second"]) == [], "an auditor who does not lead follows nothing"
    for who in (org["auditee"], org["viewer"]):
        with pytest.raises(PermissionDenied):
            fieldwork.live_progress(session, who)
