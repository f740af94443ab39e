"""Deadlines: overdue across time zones and month ends; recurrence within the configured months."""

from datetime import date, datetime, timedelta, timezone

from sqlmodel import select

from qms import actions, clock, completion, findings, planning, responses
from qms import settings as org_settings
from qms.models import ActionItem, Finding
from tests.test_actions import plan


def test_local_date_crosses_midnight_and_month_end():
    assert clock.local_date(datetime(2026, 1, 31, 16, 59, tzinfo=timezone.utc)) == date(2026, 1, 31)
    assert clock.local_date(datetime(2026, 1, 31, 17, 0, tzinfo=timezone.utc)) == date(2026, 2, 1)
    assert clock.local_date(datetime(2024, 2, 28, 18, 0, tzinfo=timezone.utc)) == date(2024, 2, 29)


def test_plan_due_and_overdue(session, org, issued):
    nc = session.get(Finding, issued["nc"])
    days = org_settings.get(session, "plan_due_days")
    assert nc.plan_due == clock.today() + timedelta(days=days)
    flt = findings.RegisterFilter(overdue_only=True)
    for due, on, late in [(date(2026, 1, 31), date(2026, 1, 31), False), (date(2026, 1, 31), date(2026, 2, 1), True),
                          (date(2024, 2, 29), date(2024, 3, 1), True), (date(2026, 12, 31), date(2026, 12, 31), False)]:
        nc.plan_due = due
        session.add(nc)
        session.commit()
        assert (findings.register(session, org["rep"], flt, on)[1] == 1) is late, (due, on)
        rows, _ = findings.register(session, org["rep"], findings.RegisterFilter(grade="minor"), on)
        assert rows[0]["overdue"] is late


def test_late_action_makes_an_accepted_plan_overdue(session, org, issued):
    plan(session, org, issued["nc"], rows=[{"action": "Tập huấn", "owner_name": "Nguyễn Văn An",
                                            "due_date": date(2026, 11, 30)}])
    actions.submit_plan(session, org["auditee"], issued["nc"])
    actions.accept_plan(session, org["rep"], issued["nc"])
    flt = findings.RegisterFilter(overdue_only=True)
    assert findings.register(session, org["rep"], flt, date(2026, 11, 30))[1] == 0
    assert findings.register(session, org["rep"], flt, date(2026, 12, 1))[1] == 1
    assert findings.register(session, org["rep"], findings.RegisterFilter(owner="văn an"), clock.today())[1] == 1
    item = session.exec(select(ActionItem)).one()
    actions.report_done(session, org["auditee"], item.id, clock.today(), "Biên bản")
    assert findings.register(session, org["rep"], flt, date(2026, 12, 1))[1] == 0


def test_recurrence_is_flagged_and_linked(session, org, issued):
    first = issued["nc"]
    plan(session, org, first)
    actions.submit_plan(session, org["auditee"], first)
    actions.accept_plan(session, org["rep"], first)
    item = session.exec(select(ActionItem)).one()
    actions.report_done(session, org["auditee"], item.id, clock.today(), "Biên bản")
    actions.mark_implemented(session, org["auditee"], first)
    actions.verify(session, org["rep"], first, True, "Hiệu lực")
    actions.close(session, org["rep"], first)
    clause = session.get(Finding, first).clause

    def new_audit_finding(title, closed_months_ago):
        row = session.get(Finding, first)
        row.closed_at = clock.now() - timedelta(days=round(closed_months_ago * 30.44))
        session.add(row)
        session.commit()
        audit = planning.create_audit(session, org["rep"], 2026, title, org["checklist"], date(2026, 12, 1),
                                      date(2026, 12, 20), org["lead"], [org["lead"]])
        unit = planning.plan_unit(session, org["rep"], audit, org["a"], date(2026, 12, 2), [org["lead"]])
        for n, row in enumerate(responses.sheet(session, unit)):
            result = "nc_minor" if n == 0 else "conform"  # the same first question, so the same clause
            responses.save(session, org["lead"], unit, row["id"], {"result": result, "evidence": "Lặp lại"}, 0)
        graded = [r for r in responses.sheet(session, unit) if r["answer"]["result"] == "nc_minor"]
        new = findings.raise_from_response(session, org["lead"], graded[0]["answer"]["id"])
        completion.complete(session, org["lead"], audit)
        completion.issue_report(session, org["lead"], audit)
        assert session.get(Finding, new).clause == clause
        return session.get(Finding, new)

    recent = new_audit_finding("Tái đánh giá", closed_months_ago=11)
    assert recent.recurring_of_id == first
    assert findings.detail(session, org["rep"], recent.id)["recurring_of"]["id"] == first
    assert findings.register(session, org["rep"], findings.RegisterFilter(recurring_only=True), clock.today())[1] == 1
    old = new_audit_finding("Đánh giá lần ba", closed_months_ago=13)
    assert old.recurring_of_id is None
