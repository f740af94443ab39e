"""Optional e-mail reminders of due and overdue work, sent when an SMTP server is configured (off by default).

Configuration by environment: QMS_SMTP_HOST (unset: no mail), QMS_SMTP_PORT (25), QMS_SMTP_FROM,
QMS_SMTP_USER and QMS_SMTP_PASSWORD (optional), QMS_SMTP_STARTTLS (1 to upgrade the connection).
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage

from sqlmodel import Session, select

from qms import config, formats, permissions
from qms.findings import overdue_ids
from qms.i18n import t
from qms.models import (ActionItem, AuditUnit, CorrectiveAction, Finding, FindingStatus, Grade, Role, Unit, User,
                        UserRole)

SOON_DAYS = 3


@dataclass
class SmtpConfig:
    host: str
    port: int = 25
    sender: str = "qms@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False

    @classmethod
    def from_env(cls) -> "SmtpConfig | None":
        current = config.settings()
        if not current.smtp_host:
            return None
        return cls(host=current.smtp_host, port=current.smtp_port, sender=current.smtp_from, user=current.smtp_user,
                   password=current.smtp_password, starttls=current.smtp_starttls)


def _people(session: Session, role: str) -> list[User]:
    return list(session.exec(select(User).join(UserRole, UserRole.user_id == User.id)
                             .where(UserRole.role == role, User.active, User.email.is_not(None))).all())


def _line(finding: Finding, unit: str, what: str, due: date | None, today: date, lang: str) -> str:
    late = f" – {t('field.overdue', lang).upper()}" if due and due < today else ""
    return f"{finding.code} · {unit} · {t(what, lang)} · {t('field.due', lang)} {formats.day(due, lang)}{late}"


def collect(session: Session, today: date) -> dict[str, dict]:
    """Per e-mail address: the recipient's language and the lines of work due within SOON_DAYS or overdue."""
    soon = today + timedelta(days=SOON_DAYS)
    out: dict[str, dict] = {}
    for user in _people(session, Role.auditee):
        mine = permissions.unit_ids(session, user.id, "findings:respond")
        base = select(Finding, Unit.name).join(AuditUnit, AuditUnit.id == Finding.audit_unit_id) \
            .join(Unit, Unit.id == AuditUnit.unit_id).where(AuditUnit.unit_id.in_(mine))
        lines = [_line(f, unit, "home.plans_to_submit", f.plan_due, today, user.language)
                 for f, unit in session.exec(base.where(Finding.status == FindingStatus.issued,
                                                        Finding.grade.in_([Grade.major, Grade.minor]),
                                                        Finding.plan_due <= soon)).all()]
        actions = session.exec(select(Finding, Unit.name, ActionItem.due_date)
                               .join(AuditUnit, AuditUnit.id == Finding.audit_unit_id)
                               .join(Unit, Unit.id == AuditUnit.unit_id)
                               .join(CorrectiveAction, CorrectiveAction.finding_id == Finding.id)
                               .join(ActionItem, ActionItem.corrective_action_id == CorrectiveAction.id)
                               .where(AuditUnit.unit_id.in_(mine), Finding.status == FindingStatus.plan_accepted,
                                      ActionItem.done_date.is_(None), ActionItem.due_date <= soon)).all()
        lines += [_line(f, unit, "home.actions_to_implement", due, today, user.language) for f, unit, due in actions]
        if lines:
            out[user.email] = {"lang": user.language, "lines": sorted(set(lines))}
    waiting = session.exec(select(Finding, Unit.name).join(AuditUnit, AuditUnit.id == Finding.audit_unit_id)
                           .join(Unit, Unit.id == AuditUnit.unit_id)
                           .where(Finding.status.in_([FindingStatus.plan_submitted, FindingStatus.implemented]))
                           .order_by(Finding.code)).all()
    overdue = len(session.execute(overdue_ids(today)).scalars().all())
    for user in _people(session, Role.iso_rep):
        lines = [_line(f, unit, "home.plans_to_accept" if f.status == FindingStatus.plan_submitted
                       else "home.verifications_due", f.plan_due, today, user.language) for f, unit in waiting]
        if overdue:
            lines.append(t("reminders.overdue_total", user.language, n=overdue))
        if lines:
            out.setdefault(user.email, {"lang": user.language, "lines": []})["lines"] += lines
    return out


def send(session: Session, today: date, smtp: SmtpConfig) -> int:
    """Send one message per recipient; returns how many were sent."""
    batches = collect(session, today)
    if not batches:
        return 0
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
        for address, batch in batches.items():
            message = EmailMessage()
            message["From"], message["To"] = smtp.sender, address
            message["Subject"] = t("reminders.subject", batch["lang"], n=len(batch["lines"]))
            message.set_content(t("reminders.intro", batch["lang"]) + "\n\n" + "\n".join(batch["lines"]) + "\n")
            server.send_message(message)
    return len(batches)
