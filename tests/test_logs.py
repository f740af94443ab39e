"""The log: sign-ins (never a password), refusals, report issue and crashes, one line each, not forgeable."""

import logging

import pytest

from qms import auth, logs, units
from qms.errors import AuthError, PermissionDenied


@pytest.fixture
def logged(caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="qms")
    # configure() (run by the CLI tests in this process) stops propagation; caplog listens on the root logger.
    monkeypatch.setattr(logs.LOGGER, "propagate", True)
    return lambda phase="call": [r.getMessage() for r in caplog.get_records(phase) if r.name == "qms"]


def test_sign_ins_are_logged_without_the_password(session, org, logged):
    auth.authenticate(session, "isorep", "test-pass-2026", "10.0.4.17")
    with pytest.raises(AuthError):
        auth.authenticate(session, "isorep", "wrong-secret-2026", "10.0.4.17")
    with pytest.raises(AuthError):  # a password typed into the name box is not logged either
        auth.authenticate(session, "my-secret-pass", "another-secret", "10.0.4.18")
    lines = logged()
    assert f"signin username=isorep user={org['rep']} address=10.0.4.17" in lines
    assert "signin_failed username=isorep address=10.0.4.17 reason=wrong_password" in lines
    assert any(line.startswith("signin_failed username=unknown:") and line.endswith("reason=unknown_user")
               for line in lines)
    assert not any(secret in line for line in lines
                   for secret in ("test-pass-2026", "wrong-secret", "another-secret", "my-secret-pass"))


def test_a_refusal_is_logged_with_who_and_what(session, org, logged):
    with pytest.raises(PermissionDenied):
        units.create_unit(session, org["auditee"], "X1", "Phòng X", "division")
    assert f"refused action=units:manage user={org['auditee']} reason=permission_denied" in logged()


def test_issuing_a_report_is_logged(logged, session, org, issued):
    assert f"report_issued audit=ĐGNB-2026-01 user={org['lead']} findings=2" in logged("setup")


def test_typed_text_cannot_forge_a_line_or_a_field(logged):
    logs.event("signin_failed", username="x\n2026-11-22 INFO qms signin username=admin", address="a b", reason="=")
    line = logged()[-1]
    assert "\n" not in line
    assert line == ('signin_failed username="x\\n2026-11-22 INFO qms signin username=admin" address="a b" '
                    'reason="="')


def test_a_crash_gets_a_reference_and_a_traceback_on_one_line(logged):
    try:
        raise ValueError("broken\nacross lines")
    except ValueError as exc:
        reference = logs.crash(exc, where="test")
    line = logged()[-1]
    assert line.startswith(f"error ref={reference} type=ValueError where=test traceback=")
    assert "\n" not in line and "Traceback" in line and len(reference) == 8


def test_the_formatter_keeps_each_event_on_one_line():
    formatter = logs._OneLineFormatter("%(message)s")
    record = logging.LogRecord("qms", logging.ERROR, __file__, 1, "a\nb", None, None)
    assert formatter.format(record) == "a\\nb"


def test_an_unknown_level_fails_fast(monkeypatch):
    monkeypatch.setenv("QMS_LOG_LEVEL", "LOUD")
    monkeypatch.setattr(logs.LOGGER, "_qms_configured", False, raising=False)
    with pytest.raises(SystemExit, match="QMS_LOG_LEVEL"):
        logs.configure()
