"""The permission matrix, generated from qms.permissions.RULES and run against the real domain functions.

Every public domain function taking `actor_id` has a probe here that calls it on a target in the probe user's
own unit (their unit, the audited unit they audit, the audit they lead) or in another unit. Each probe runs for
every role set (single roles and the combinations agencies use) and for the same user deactivated; the expected
outcome comes from the table alone. A function added without a probe, or an action without one, fails the suite.
Each cell runs inside a savepoint that is rolled back, so one world serves every cell.
"""

from __future__ import annotations

import ast
import io
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import openpyxl
import pytest
import yaml
from sqlalchemy import create_engine, delete, event
from sqlmodel import Session, select

from qms import (actions, attachments, audits, backup, checklists, completion, db, exports, fieldwork, findings,
                 meetings, metrics, offline, overview, permissions, planning, procedures, processes, report_data, responses, reviews,
                 settings, tailoring, units, users)
from qms import clock
from qms.errors import NotFound, PermissionDenied
from qms.models import (ActionItem, Audit, AuditStatus, ManagementReview, CorrectiveAction, Finding, FindingStatus, Procedure,
                        ProcessIssue, Response, Role, User, UserRole, UserUnit)
from qms.permissions import ANY, RULES
from tests.conftest import BACKENDS, fresh_pg_database

QMS = Path(__file__).resolve().parents[1] / "qms"
ROLE_SETS = [(Role.admin,), (Role.iso_rep,), (Role.auditor,), (Role.auditee,), (Role.viewer,),
             (Role.auditee, Role.viewer), (Role.auditee, Role.auditor)]
TODAY = date(2026, 11, 20)
YAML = """code: matrix-probe
version: "1.0"
title_vi: Thu
title_en: Probe
clauses:
  - {clause: "4.1", title_vi: "Bối cảnh", title_en: "Context"}
items:
  - {key: P-1, clause: "4.1", text_vi: "Câu hỏi?", text_en: "Question?"}
""".encode()


@dataclass(frozen=True)
class Probe:
    action: str
    call: Callable[[Session, dict, int], object]  # (session, target side of the world, actor id)
    targeted: bool = True  # False: the call names no unit, so both sides expect the same


def _side(w: dict, side: str) -> dict:
    return w[side]


def _opened(s: Session, t: dict) -> Session:
    """The side's audit back in progress (the world's audits are issued), so a refusal can only be permission's."""
    s.get(Audit, t["audit"]).status = AuditStatus.in_progress
    s.flush()
    return s


def _workbook(s: Session, t: dict) -> bytes:
    """The side's unit as an offline workbook, exported by the system, its first answer changed."""
    raw = offline.export(_opened(s, t), None, lang="vi", audit_unit_id=t["au"])
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    wb[offline.SHEET].cell(row=2, column=offline.COLUMNS.index("evidence") + 1, value="Sửa khi không có mạng")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _entries(code: str) -> list:
    return procedures.read_entries([[code, "Thủ tục thử"]], {"code": 0, "name": 1}, decision_date=date(2026, 1, 2))[0]


def _denied(preview: offline.Preview) -> offline.Preview:
    """A preview refuses rows rather than raising; a row refused for permission is the refusal probed here."""
    denied = next((r for r in preview.refused if r["denied"]), None)
    if denied:
        raise PermissionDenied(denied["key"])
    return preview


PROBES: dict[str, list[Probe]] = {
    # administration
    "users.list_users": [Probe("users:manage", lambda s, t, me: users.list_users(s, me), False)],
    "users.create_user": [Probe("users:manage", lambda s, t, me: users.create_user(
        s, me, "new.person", "Người mới", "Mật-khẩu-dài-2026", [Role.viewer]), False)],
    "users.update_user": [Probe("users:manage", lambda s, t, me: users.update_user(
        s, me, t["dummy_user"], "Tên khác", [Role.viewer], []), False)],
    "users.set_active": [Probe("users:manage", lambda s, t, me: users.set_active(s, me, t["dummy_user"], False),
                               False)],
    "users.reset_password": [Probe("users:manage", lambda s, t, me: users.reset_password(
        s, me, t["dummy_user"], "Mật-khẩu-mới-2026"), False)],
    "users.signin_failures": [Probe("users:manage", lambda s, t, me: users.signin_failures(s, me, t["dummy_user"]),
                                    False)],
    "users.unlock": [Probe("users:manage", lambda s, t, me: users.unlock(s, me, t["dummy_user"]), False)],
    "units.create_unit": [Probe("units:manage", lambda s, t, me: units.create_unit(s, me, "NEW", "Mới"), False)],
    "units.update_unit": [Probe("units:manage", lambda s, t, me: units.update_unit(
        s, me, t["unit"], t["unit_code"], "Tên mới", "department", None), False)],
    "units.delete_unit": [Probe("units:manage", lambda s, t, me: units.delete_unit(s, me, t["spare_unit"]), False)],
    "settings.update": [Probe("settings:manage", lambda s, t, me: settings.update(s, me, {"plan_due_days": 20}),
                              False)],
    "backup.download": [Probe("backup:manage", lambda s, t, me: backup.download(s, me), False)],
    "checklists.import_yaml": [Probe("checklists:manage", lambda s, t, me: checklists.import_yaml(
        s, me, YAML, "probe.yaml"), False)],
    "checklists.import_checklist": [Probe("checklists:manage", lambda s, t, me: checklists.import_checklist(
        s, me, yaml.safe_load(YAML), "probe.yaml"), False)],
    # planning
    "audits.programme": [Probe("programme:read", lambda s, t, me: audits.programme(s, me, 2026), False)],
    "exports.programme_file": [Probe("programme:read", lambda s, t, me: exports.programme_file(s, me, 2026, "vi"),
                                     False)],
    "audits.plan_document": [Probe("programme:read", lambda s, t, me: audits.plan_document(s, me, t["audit"], "vi"),
                                   False)],
    "planning.create_programme": [Probe("programme:plan", lambda s, t, me: planning.create_programme(s, me, 2027),
                                        False)],
    "planning.create_audit": [Probe("programme:plan", lambda s, t, me: planning.create_audit(
        s, me, 2026, "Thêm", t["checklist"], date(2026, 12, 1), date(2026, 12, 2), None, []), False)],
    "planning.plan_unit": [Probe("programme:plan", lambda s, t, me: planning.plan_unit(
        s, me, t["audit"], t["spare_unit"], date(2026, 12, 1), []), False)],
    "planning.remove_unit": [Probe("programme:plan", lambda s, t, me: planning.remove_unit(s, me, t["au"]), False)],
    "planning.copy_programme": [Probe("programme:plan", lambda s, t, me: planning.copy_programme(s, me, 2026, 2028),
                                      False)],
    "tailoring.save": [Probe("audit:tailor", lambda s, t, me: tailoring.save(s, me, t["audit"], None, ["4.1"], {}),
                             False)],
    "completion.complete": [Probe("audit:close", lambda s, t, me: completion.complete(s, me, t["audit"]))],
    "completion.issue_report": [Probe("audit:close", lambda s, t, me: completion.issue_report(s, me, t["audit"]))],
    "completion.reopen": [Probe("audit:reopen", lambda s, t, me: completion.reopen(s, me, t["audit"], "Sửa"), False)],
    "fieldwork.live_progress": [Probe("audit:progress", lambda s, t, me: fieldwork.live_progress(s, me), False)],
    "report_data.audit_report": [Probe("report:read", lambda s, t, me: report_data.audit_report(
        s, me, t["audit"], "vi"), False)],
    # audit day
    "responses.may_answer": [Probe("answers:record", lambda s, t, me: responses.may_answer(
        s, me, responses.context(s, t["au"])) or permissions.require(s, me, "answers:record", audit_unit_id=0))],
    "responses.require_answerer": [Probe("answers:record", lambda s, t, me: responses.require_answerer(
        s, me, responses.context(s, t["au"])))],
    "responses.save": [Probe("answers:record", lambda s, t, me: responses.save(
        s, me, t["au"], t["item"], {"evidence": "Thấy hồ sơ"}, bases={"evidence": ""}))],
    "responses.mark_not_audited": [Probe("answers:record", lambda s, t, me: responses.mark_not_audited(
        s, me, t["au"], "Vắng"))],
    "responses.attach": [Probe("answers:record", lambda s, t, me: responses.attach(
        s, me, t["au"], t["item"], "ghi-chu.txt", b"ghi chep"))],
    "offline.export": [
        Probe("answers:record", lambda s, t, me: offline.export(_opened(s, t), me, lang="vi", audit_unit_id=t["au"])),
        Probe("answers:record", lambda s, t, me: offline.export(_opened(s, t), me, lang="vi", audit_id=t["audit"])),
    ],
    "offline.worksheet": [Probe("answers:read", lambda s, t, me: offline.worksheet(s, me, t["au"], "vi", filled=True))],
    "offline.preview": [Probe("answers:record", lambda s, t, me: _denied(offline.preview(s, me, _workbook(s, t))))],
    "offline.apply": [Probe("answers:record", lambda s, t, me: offline.apply(s, me, _workbook(s, t)))],
    "meetings.record": [Probe("answers:record", lambda s, t, me: meetings.record(
        s, me, t["au"], "opening", clock.now(), "Ông A", ""))],
    "findings.raise_from_response": [Probe("answers:record", lambda s, t, me: findings.raise_from_response(
        s, me, t["response"]))],
    "findings.raise_from_responses": [Probe("answers:record", lambda s, t, me: findings.raise_from_responses(
        s, me, [t["response"]]))],
    "findings.process_flags": [Probe("answers:read", lambda s, t, me: findings.process_flags(s, me, t["au"], TODAY))],
    "findings.raise_from_flag": [Probe("answers:record", lambda s, t, me: findings.raise_from_flag(
        _opened(s, t), me, t["au"], TODAY, kind="no_process", procedure_id=t["bare_procedure"], process_id=None))],
    "findings.update_draft": [Probe("answers:record", lambda s, t, me: findings.update_draft(
        s, me, t["draft"], "minor", "Nội dung", "", ""))],
    "findings.delete_draft": [Probe("answers:record", lambda s, t, me: findings.delete_draft(s, me, t["draft"]))],
    "attachments.add": [
        Probe("answers:record", lambda s, t, me: attachments.add(s, me, "a.txt", b"abc", response_id=t["response"])),
        Probe("findings:respond", lambda s, t, me: attachments.add(
            s, me, "a.txt", b"abc", action_item_id=t["action_item"])),
        Probe("findings:review", lambda s, t, me: attachments.add(s, me, "a.txt", b"abc", finding_id=t["nc"])),
        Probe("procedures:manage", lambda s, t, me: attachments.add(s, me, "qt.pdf", b"%PDF-1.4\n%%EOF\n",
                                                                     process_issue_id=t["process_issue"])),
    ],
    "attachments.list_for": [
        Probe("answers:read", lambda s, t, me: attachments.list_for(s, me, response_id=t["response"])),
        Probe("findings:read", lambda s, t, me: attachments.list_for(s, me, finding_id=t["nc"])),
        Probe("procedures:read", lambda s, t, me: attachments.list_for(s, me, process_issue_id=t["process_issue"])),
    ],
    "attachments.content": [Probe("findings:read", lambda s, t, me: attachments.content(s, me, t["file_of_nc"]))],
    # findings and corrective actions
    "findings.register": [Probe("findings:read", lambda s, t, me: findings.register(
        s, me, findings.RegisterFilter(), TODAY), False)],
    "findings.export_rows": [Probe("findings:read", lambda s, t, me: findings.export_rows(
        s, me, findings.RegisterFilter(), TODAY), False)],
    "findings.detail": [Probe("findings:read", lambda s, t, me: findings.detail(s, me, t["nc"])),
                        Probe("findings:read_drafts", lambda s, t, me: findings.detail(s, me, t["draft"]))],
    "findings.require_readable": [Probe("findings:read", lambda s, t, me: findings.require_readable(s, me, t["nc"]))],
    "actions.chain": [Probe("findings:read", lambda s, t, me: actions.chain(s, me, t["nc"]))],
    "actions.next_steps": [Probe("findings:respond", lambda s, t, me: "plan" in actions.next_steps(s, me, t["nc"])
                                 or permissions.require(s, me, "findings:respond", unit_id=0))],
    "actions.save_plan": [Probe("findings:respond", lambda s, t, me: actions.save_plan(
        s, me, t["nc"], "Sửa ngay", "Bà B", None, "Thiếu", [], "method", []))],
    "actions.submit_plan": [Probe("findings:respond", lambda s, t, me: actions.submit_plan(s, me, t["nc"]))],
    "actions.report_done": [Probe("findings:respond", lambda s, t, me: actions.report_done(
        s, me, t["action_item"], TODAY, "Đã làm"))],
    "actions.mark_implemented": [Probe("findings:respond", lambda s, t, me: actions.mark_implemented(s, me, t["nc"]))],
    "actions.accept_plan": [Probe("findings:review", lambda s, t, me: actions.accept_plan(s, me, t["nc"]))],
    "actions.return_plan": [Probe("findings:review", lambda s, t, me: actions.return_plan(s, me, t["nc"], "Thiếu"))],
    "actions.verify": [Probe("findings:review", lambda s, t, me: actions.verify(s, me, t["nc"], True, "Hiệu lực"))],
    "actions.close": [Probe("findings:review", lambda s, t, me: actions.close(s, me, t["obs"], "Đã xem"))],
    # management review and dashboard
    "reviews.list_reviews": [Probe("reviews:read", lambda s, t, me: reviews.list_reviews(s, me), False)],
    "reviews.get": [Probe("reviews:read", lambda s, t, me: reviews.get(s, me, t["review"]), False)],
    "reviews.live_inputs": [Probe("reviews:read", lambda s, t, me: reviews.live_inputs(
        s, me, reviews.get(s, None, t["review"]), TODAY), False)],
    "reviews.refresh_live_inputs": [Probe("reviews:read", lambda s, t, me: reviews.refresh_live_inputs(
        s, me, reviews.get(s, None, t["review"]), TODAY), False)],
    "report_data.review_pack": [Probe("reviews:read", lambda s, t, me: report_data.review_pack(
        s, me, t["review"], TODAY), False)],
    "reviews.create": [Probe("reviews:manage", lambda s, t, me: reviews.create(s, me, TODAY, "Giám đốc"), False)],
    "reviews.save_record": [Probe("reviews:manage", lambda s, t, me: reviews.save_record(
        s, me, t["review"], TODAY, "Giám đốc", "Ban lãnh đạo", {}, ""), False)],
    "reviews.keep_figures": [Probe("reviews:manage", lambda s, t, me: reviews.keep_figures(
        s, me, s.get(ManagementReview, t["review"]), TODAY), False)],
    "reviews.add_decision": [Probe("reviews:manage", lambda s, t, me: reviews.add_decision(
        s, me, t["review"], "Việc", "Bà C", TODAY), False)],
    "reviews.complete_decision": [Probe("reviews:manage", lambda s, t, me: reviews.complete_decision(
        s, me, t["decision"], TODAY, "Xong"), False)],
    # administrative procedures and processes
    "procedures.preview": [Probe("procedures:manage", lambda s, t, me: procedures.preview(
        s, me, t["unit"], _entries("1.000009")))],
    "procedures.apply": [Probe("procedures:manage", lambda s, t, me: procedures.apply(
        s, me, t["unit"], _entries("1.000009")))],
    "procedures.register": [Probe("procedures:read", lambda s, t, me: procedures.register(s, me, unit_id=t["unit"]))],
    "procedures.readable": [Probe("procedures:read", lambda s, t, me: procedures.readable(
        s, me, select(Procedure), Procedure.id, Procedure.search_text, unit_id=t["unit"], term=None))],
    "procedures.history": [Probe("procedures:read", lambda s, t, me: procedures.history(s, me, t["procedure"]),
                                 False)],
    "procedures.options": [Probe("procedures:read", lambda s, t, me: procedures.options(s, me, t["unit"]))],
    "processes.create": [Probe("procedures:manage", lambda s, t, me: processes.create(
        s, me, unit_id=t["unit"], code="QT-NEW", title="Mới", issue_no="01", issued_on=date(2026, 2, 1),
        procedure_ids=[t["procedure"]]))],
    "processes.reissue": [Probe("procedures:manage", lambda s, t, me: processes.reissue(
        s, me, t["process"], expected_version=1, issue_no="02", issued_on=date(2026, 3, 1), title="Lần 2",
        procedure_ids=[t["procedure"]]))],
    "processes.withdraw": [Probe("procedures:manage", lambda s, t, me: processes.withdraw(
        s, me, t["process"], expected_version=1))],
    "processes.detail": [Probe("procedures:read", lambda s, t, me: processes.detail(s, me, t["process"]))],
    "processes.listing": [Probe("procedures:read", lambda s, t, me: processes.listing(s, me), False)],
    "processes.flags": [Probe("procedures:read", lambda s, t, me: processes.flags(s, me, TODAY), False)],
    "overview.overview": [Probe("overview:read", lambda s, t, me: overview.overview(s, me, 2026, TODAY), False)],
    "overview.status_report": [Probe("overview:read", lambda s, t, me: overview.status_report(s, me, 2026, TODAY),
                                     False)],
    "exports.overview_file": [Probe("overview:read", lambda s, t, me: exports.overview_file(s, me, 2026, "vi"),
                                    False)],
    "overview.record_status": [Probe("overview:manage", lambda s, t, me: overview.record_status(
        s, me, t["unit"], expected_version=0, must_apply=True, built_decision="12/QĐ", built_on=date(2025, 3, 1),
        announced_decision="40/QĐ", announced_on=date(2025, 6, 1)), False)],
    "overview.record_review": [Probe("overview:manage", lambda s, t, me: overview.record_review(
        s, me, t["unit"], held_on=date(2026, 10, 1)), False)],
    "exports.flags_file": [Probe("procedures:read", lambda s, t, me: exports.flags_file(s, me, "vi"), False)],
    "exports.procedures_file": [Probe("procedures:read", lambda s, t, me: exports.procedures_file(s, me, "en"),
                                      False)],
    **{f"metrics.{name}": [Probe("dashboard:read", call, False)] for name, call in {
        "findings_by_status_grade": lambda s, t, me: metrics.findings_by_status_grade(s, me),
        "open_by_unit": lambda s, t, me: metrics.open_by_unit(s, me, metrics.DashFilter()),
        "open_by_clause": lambda s, t, me: metrics.open_by_clause(s, me, metrics.DashFilter()),
        "open_by_grade": lambda s, t, me: metrics.open_by_grade(s, me, metrics.DashFilter()),
        "open_by_age": lambda s, t, me: metrics.open_by_age(s, me, metrics.DashFilter(), TODAY),
        "overdue_actions": lambda s, t, me: metrics.overdue_actions(s, me, metrics.DashFilter(), TODAY),
        "opened_closed_by_month": lambda s, t, me: metrics.opened_closed_by_month(s, me, metrics.DashFilter()),
        "conformity_by_unit": lambda s, t, me: metrics.conformity_by_unit(s, me, metrics.DashFilter()),
        "programme_coverage": lambda s, t, me: metrics.programme_coverage(s, me, 2026),
        "overdue_count": lambda s, t, me: metrics.overdue_count(s, me, TODAY),
        "process_lag": lambda s, t, me: metrics.process_lag(s, me, metrics.DashFilter(), TODAY),
        "dashboard": lambda s, t, me: metrics.dashboard(s, me, metrics.DashFilter(), TODAY, 2026),
        "dashboard_figures": lambda s, t, me: metrics.dashboard_figures(s, me, metrics.DashFilter(), TODAY, 2026),
        "refresh_dashboard": lambda s, t, me: metrics.refresh_dashboard(s, me, metrics.DashFilter(), TODAY, 2026),
    }.items()},
}

# Functions that narrow what they return instead of refusing; each has its own scoping test.
NARROWING = {"responses.my_units": "tests/test_audit_day.py: the units an auditor audits or leads"}

CASES = [(name, n) for name, probes in PROBES.items() for n in range(len(probes))]


def _domain_functions() -> set[str]:
    """Public top-level functions of the domain modules that take an acting user."""
    found = set()
    for path in sorted(QMS.glob("*.py")):
        if path.stem in {"permissions", "__main__"}:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and any(
                    a.arg == "actor_id" for a in node.args.args + node.args.kwonlyargs):
                found.add(f"{path.stem}.{node.name}")
    return found


def test_every_domain_function_with_an_actor_has_a_probe():
    assert sorted(_domain_functions() - set(PROBES) - set(NARROWING)) == [], "add a probe (and a rule if new)"
    assert sorted((set(PROBES) | set(NARROWING)) - _domain_functions()) == []


def test_every_action_is_probed_and_every_probe_names_a_rule():
    probed = {p.action for probes in PROBES.values() for p in probes}
    assert sorted(set(RULES) - probed) == []
    assert sorted(probed - set(RULES)) == []


def expected(action: str, roles: tuple[str, ...], side: str, active: bool, targeted: bool) -> bool:
    """The table's answer: some role reaches the target (any reach is enough for the own side and untargeted calls)."""
    if not active:
        return False
    reaches = {reach for role, reach in RULES[action].items() if role in roles}
    return ANY in reaches or (bool(reaches) and (side == "own" or not targeted))


def _sqlite_engine(path: Path):
    # pysqlite opens transactions on its own and breaks SAVEPOINT; SQLAlchemy's documented recipe hands them back.
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")
    return engine


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("matrix") / "matrix.sqlite3"
        shutil.copy(sqlite_template, path)
        build_url, engine = f"sqlite:///{path}", None
    else:
        build_url = fresh_pg_database("matrix")
        engine = db.get_engine(build_url)
    with Session(db.get_engine(build_url), expire_on_commit=False) as s:
        ids = _build(s)
    db.get_engine(build_url).dispose()
    engine = engine or _sqlite_engine(path)
    yield engine, ids
    engine.dispose()


def _build(s: Session) -> dict:
    """Two sides, each with a unit, an audit, an audited unit, an answer, findings, an action and files."""
    checklists.load_bundled(s)
    checklist = checklists.latest(s, "tcvn-iso-9001-2015").id
    root = units.create_unit(s, None, "ROOT", "UBND tỉnh", "province")
    probe = users.create_user(s, None, "probe", "Người thử", "Mật-khẩu-dài-2026", [Role.auditor])
    other_lead = users.create_user(s, None, "lead.b", "Trưởng đoàn B", "Mật-khẩu-dài-2026", [Role.auditor])
    dummy = users.create_user(s, None, "dummy", "Người phụ", "Mật-khẩu-dài-2026", [Role.viewer])
    planning.create_programme(s, None, 2026)
    sides = {}
    for side, code, lead in (("own", "A", probe), ("other", "B", other_lead)):
        unit = units.create_unit(s, None, code, f"Sở {code}", "department", root)
        audit = planning.create_audit(s, None, 2026, f"Đánh giá {code}", checklist, date(2026, 11, 1),
                                      date(2026, 11, 30), lead, [lead])
        au = planning.plan_unit(s, None, audit, unit, date(2026, 11, 5), [lead])
        rows = responses.sheet(s, au)
        responses.save(s, None, au, rows[0]["id"], {"result": "nc_minor", "evidence": "Thiếu hồ sơ"}, 0)
        responses.save(s, None, au, rows[1]["id"], {"result": "observation", "evidence": "Cần chú ý"}, 0)
        responses.mark_not_audited(s, None, au, "Hết giờ")
        for row in responses.sheet(s, au)[:2]:
            findings.raise_from_response(s, None, row["answer"]["id"])
        completion.complete(s, None, audit)
        completion.issue_report(s, None, audit)
        nc, obs = s.exec(select(Finding.id).where(Finding.audit_unit_id == au).order_by(Finding.id)).all()[:2]
        actions.save_plan(s, None, nc, "Sửa ngay", "Bà B", None, "Thiếu", [], "method",
                          [{"action": "Bổ sung", "owner_name": "Bà B", "due_date": date(2026, 12, 30)}])
        actions.submit_plan(s, None, nc)
        actions.accept_plan(s, None, nc)
        item = s.exec(select(ActionItem.id).join(CorrectiveAction, CorrectiveAction.id ==
                                                  ActionItem.corrective_action_id)
                      .where(CorrectiveAction.finding_id == nc)).first()
        response = s.exec(select(Response.id).where(Response.audit_unit_id == au)).first()
        draft = Finding(audit_unit_id=au, clause="4.1", grade="minor", statement="Nháp", status=FindingStatus.draft)
        s.add(draft)
        s.commit()
        file_of_nc = attachments.add(s, None, "bang-chung.txt", b"bang chung", finding_id=nc)["id"]
        procedures.apply(s, None, unit, _entries(f"1.00000{len(sides)}") + _entries(f"1.00001{len(sides)}"))
        procedure = s.exec(select(Procedure.id).where(Procedure.code == f"1.00000{len(sides)}")).one()
        bare = s.exec(select(Procedure.id).where(Procedure.code == f"1.00001{len(sides)}")).one()  # no process
        process = processes.create(s, None, unit_id=unit, code=f"QT-{code}", title="Quy trình", issue_no="01",
                                   issued_on=date(2026, 1, 5), procedure_ids=[procedure])
        issue = s.exec(select(ProcessIssue.id).where(ProcessIssue.process_id == process)).one()
        sides[side] = {"procedure": procedure, "process": process, "bare_procedure": bare, "process_issue": issue, "unit": unit, "unit_code": code, "audit": audit, "au": au, "item": rows[3]["id"],
                       "response": response, "nc": nc, "obs": obs, "action_item": item, "draft": draft.id,
                       "file_of_nc": file_of_nc}
    s.add(UserUnit(user_id=probe, unit_id=sides["own"]["unit"]))  # after planning: impartiality would refuse it
    spare = units.create_unit(s, None, "SPARE", "Đơn vị trống", "division", root)
    review = reviews.create(s, None, TODAY, "Giám đốc")
    decision = reviews.add_decision(s, None, review, "Việc", "Bà C", TODAY)
    s.commit()
    shared = {"checklist": checklist, "spare_unit": spare, "dummy_user": dummy, "review": review,
              "decision": decision}
    return {"probe": probe, "own": sides["own"] | shared, "other": sides["other"] | shared}


def _as(s: Session, user_id: int, roles: tuple[str, ...], active: bool) -> None:
    s.exec(delete(UserRole).where(UserRole.user_id == user_id))
    s.add_all([UserRole(user_id=user_id, role=r) for r in roles])
    s.get(User, user_id).active = active
    s.flush()


def _outcome(engine, ids: dict, probe: Probe, roles: tuple[str, ...], side: str, active: bool) -> bool:
    """Run one cell in a savepoint; True when the domain let the call through."""
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            with Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False) as s:
                _as(s, ids["probe"], roles, active)
                try:
                    probe.call(s, ids[side], ids["probe"])
                except (PermissionDenied, NotFound):
                    return False
                except Exception:  # noqa: BLE001 - refused later for another reason: the permission held
                    return True
                return True
        finally:
            outer.rollback()


@pytest.mark.parametrize("name,index", CASES, ids=[f"{n}#{i}" for n, i in CASES])
def test_matrix(world, name, index):
    engine, ids = world
    probe = PROBES[name][index]
    wrong = []
    for roles in ROLE_SETS:
        for side, active in (("own", True), ("other", True), ("own", False)):
            want = expected(probe.action, roles, side, active, probe.targeted)
            got = _outcome(engine, ids, probe, roles, side, active)
            if got != want:
                wrong.append(f"{'+'.join(roles)} {side}{'' if active else ' deactivated'}: "
                             f"{'allowed' if got else 'refused'}, table says {'allowed' if want else 'refused'}")
    assert wrong == [], f"{name} ({probe.action})"
