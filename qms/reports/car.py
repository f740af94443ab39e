"""Corrective action request form (phiếu yêu cầu hành động khắc phục) for one finding, with its history."""

from __future__ import annotations

from qms import formats
from qms.i18n import history_field, history_value, t
from qms.reports.pdf import Document


def for_finding(session, actor_id: int | None, finding_id: int, lang: str) -> bytes:
    """The form of one finding, read from the database for whoever may read the finding."""
    from qms import actions, changelog, findings
    from qms import settings as org_settings
    return build(findings.detail(session, actor_id, finding_id), actions.chain(session, actor_id, finding_id),
                 changelog.history_of_finding(session, finding_id), org_settings.get(session, f"org_name_{lang}"), lang)


def build(finding: dict, chain: dict, history: list[dict], agency: str, lang: str) -> bytes:
    """`finding` is qms.findings.detail(...), `chain` qms.actions.chain(...), `history` the change log rows."""
    def tr(key: str, **params) -> str:
        return t(key, lang, **params)

    def day(value) -> str:
        return formats.day(value, lang)

    doc = Document(lang, agency, f"{tr('car.title')} {finding['code']}")
    doc.heading(tr("car.title").upper())
    doc.set_font("SourceSans", "", 11)
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
    doc.section("6. " + tr("car.history"))
    doc.grid([tr("car.when"), tr("car.who"), tr("car.what"), tr("car.from"), tr("car.to")],
             [[formats.moment(h["at"], lang), h["who"], history_field(h["field"], lang),
               history_value(h["field"], h["old"], lang, h["entity"]),
               history_value(h["field"], h["new"], lang, h["entity"])]
              for h in history], [30, 34, 30, 40, 40])
    doc.signatures([(tr("car.unit_head"), ""), (tr("car.iso_rep"), "")])
    return doc.bytes()
