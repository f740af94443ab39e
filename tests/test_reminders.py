"""E-mail reminders, sent to a local SMTP server started by the test (never the internet)."""

import email
import email.policy
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from qms import clock, reminders, users
from qms.models import Finding


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message["Subject"] + "\n" + message.get_content()))
        return "250 OK"


@pytest.fixture
def smtp():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield reminders.SmtpConfig(host="127.0.0.1", port=port, sender="qms@so-khcn.example"), inbox
    controller.stop()


def test_off_without_configuration(monkeypatch):
    monkeypatch.delenv("QMS_SMTP_HOST", raising=False)
    assert reminders.SmtpConfig.from_env() is None


def test_due_and_overdue_work_is_mailed_in_each_language(session, org, issued, smtp):
    config, inbox = smtp
    users.update_user(session, None, org["auditee"], "Trưởng phòng", ["auditee"], [org["a"]], email="truongphong@so.example")
    users.update_user(session, None, org["rep"], "Thư ký ISO", ["iso_rep"], [], email="thuky@so.example")
    nc = session.get(Finding, issued["nc"])
    nc.plan_due = clock.today() - timedelta(days=1)
    session.add(nc)
    session.commit()
    assert reminders.send(session, clock.today(), config) == 2
    by_rcpt = {tuple(r): body for r, body in inbox.messages}
    head = by_rcpt[("truongphong@so.example",)]
    assert nc.code in head and "QUÁ HẠN" in head and head.startswith("[QMS] 1 việc cần xử lý")
    assert "thuky@so.example" in str(list(by_rcpt))


def test_invalid_email_refused(session, org):
    from qms.errors import ValidationError
    with pytest.raises(ValidationError):
        users.update_user(session, None, org["viewer"], "Lãnh đạo", ["viewer"], [], email="khong-phai-email")
    assert session.exec(select(Finding)).all() == []
