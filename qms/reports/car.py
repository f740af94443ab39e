"""Corrective action request form (phiếu yêu cầu hành động khắc phục) for one finding, with its history."""

from __future__ import annotations

from qms import clock, formats
from qms.i18n import history_value, t
from qms.reports.pdf import Document, administrative_header


def for_finding(session, actor_id: int | None, finding_id: int, lang: str) -> bytes:
    """The form of one finding, read from the database for whoever may read the finding."""
    from qms import actions, changelog, findings, report_data
    detail = findings.detail(session, actor_id, finding_id)
    head = report_data.letterhead(session, lang)
    return build(detail, actions.chain(session, actor_id, finding_id), changelog.history_of_finding(session, finding_id),
                 head["agency"], lang, head=head, signers=signers(session, finding_id))


def signers(session, finding_id: int) -> tuple[str, str]:
    """Who signs: the head(s) of the audited unit, and the ISO secretary who accepted the plan (else the
    organisation's ISO secretary, when there is one)."""
    from sqlmodel import select

    from qms.models import AuditUnit, ChangeLog, Finding, Role, User, UserRole, UserUnit
    unit_id = session.exec(select(AuditUnit.unit_id).join(Finding, Finding.audit_unit_id == AuditUnit.id)
                           .where(Finding.id == finding_id)).one()
    heads = session.exec(select(User.full_name).join(UserRole, UserRole.user_id == User.id)
                         .join(UserUnit, UserUnit.user_id == User.id)
                         .where(UserRole.role == Role.auditee, UserUnit.unit_id == unit_id, User.active)
                         .order_by(User.full_name)).all()
    accepted = session.exec(select(User.full_name).join(ChangeLog, ChangeLog.user_id == User.id)
                            .where(ChangeLog.entity == "finding", ChangeLog.entity_id == finding_id,
                                   ChangeLog.field == "status", ChangeLog.new == "plan_accepted")
                            .order_by(ChangeLog.id.desc())).first()
    rep = accepted or session.exec(select(User.full_name).join(UserRole, UserRole.user_id == User.id)
                                   .where(UserRole.role == Role.iso_rep, User.active).order_by(User.id)).first()
    return ", ".join(heads), rep or ""


def build(finding: dict, chain: dict, history: list[dict], agency: str, lang: str, *, head: dict | None = None,
          signers: tuple[str, str] = ("", "")) -> bytes:
    """`finding` is qms.findings.detail(...), `chain` qms.actions.chain(...), `history` the change log rows,
    `head` qms.report_data.letterhead(...) (the official layout when it is on), `signers` the names to sign."""
    def tr(key: str, **params) -> str:
        return t(key, lang, **params)

    def day(value) -> str:
        return formats.day(value, lang)

    official = bool(head and head["administrative"])
    doc = Document(lang, agency, f"{tr('car.title')} {finding['code']}", running_header=not official,
                   serif=bool(official and head.get("serif")))
    if official:
        administrative_header(doc, head["parent"], tr("report.number", number=finding["code"] or "…"),
                              head["place"], clock.today(), lang)
    doc.heading(tr("car.title").upper())
    doc.body()
    doc.paragraph(f"{finding['code']} · {tr('grade.' + finding['grade'])} · {tr('status.' + finding['status'])}", 6,
                  align="C")
    doc.section("1. " + tr("car.finding"))
    doc.field(tr("field.audit"), f"{finding['audit']} – {finding['audit_title']}")
    doc.field(tr("field.unit"), finding["unit"])
    doc.field(tr("field.clause"), finding["clause"])
    doc.field(tr("audit_day.requirement"), finding["requirement_ref"])
    doc.field(tr("field.statement"), finding["statement"])
    doc.field(tr("audit_day.finding_evidence"), finding["evidence"])
    doc.field(tr("field.due"), day(finding["plan_due"]))
    if finding.get("recurring_of"):
        doc.field(tr("findings.recurring"), finding["recurring_of"]["code"] or "")
    action, rows = chain["action"] or {}, chain["rows"]
    doc.section("2. " + tr("car.correction"))
    doc.field(tr("car.correction"), action.get("correction", ""))
    doc.field(tr("car.correction_by"), f"{action.get('correction_by', '')} {day(action.get('correction_date'))}")
    doc.section("3. " + tr("car.root_cause"))
    for n, why in enumerate(action.get("why_steps") or [], start=1):
        doc.field(tr("car.why", n=n), why)
    doc.field(tr("car.root_cause"), action.get("root_cause", ""))
    if action.get("cause_category"):
        doc.field(tr("car.category"), tr("cause." + action["cause_category"]))
    doc.section("4. " + tr("car.plan"))
    if rows:
        doc.grid([tr("car.action"), tr("car.owner"), tr("field.due"), tr("car.done"), tr("car.evidence")],
                 [[r["action"], r["owner_name"], day(r["due_date"]), day(r["done_date"]), r["evidence"]] for r in rows],
                 [60, 30, 22, 22, 40])
    if action.get("return_comment"):
        doc.field(tr("car.return_comment"), action["return_comment"])
    doc.section("5. " + tr("car.verification"))
    effective = action.get("effective")
    doc.field(tr("car.effective"), "" if effective is None else tr("common.yes" if effective else "common.no"))
    doc.field(tr("car.verification_note"), action.get("verification_note", ""))
    doc.field(tr("car.verified_at"), day(action.get("verified_at")))
    doc.field(tr("car.reopened"), str(action.get("reopen_count", 0)))
    # The steps the finding went through, who took them and when; every edit of a field stays on the screen.
    doc.section("6. " + tr("car.history"))
    steps = [h for h in history if h["field"] == "status" and h["entity"] == "finding"]
    doc.grid([tr("car.when"), tr("car.who"), tr("car.step")],
             [[formats.moment(h["at"], lang), h["who"], history_value("status", h["new"], lang, "finding")]
              for h in steps] or [["—", "", ""]], [40, 60, 74])
    doc.signatures([(tr("car.unit_head"), signers[0]), (tr("car.iso_rep"), signers[1])])
    return doc.bytes()
