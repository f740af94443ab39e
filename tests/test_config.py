"""Settings come from one typed object: a bad value stops a command at start with the variable's name and what it
expects; good values are normalised once (the base path, the public address)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from qms import config
ROOT = config.ROOT


@pytest.mark.parametrize("name, value, expected", [
    ("QMS_SESSION_HOURS", "mười hai", "valid number"),
    ("QMS_SESSION_HOURS", "0", "greater than 0"),
    ("QMS_LANG", "fr", "'vi' or 'en'"),
    ("QMS_IMPORT_MAX_MB", "2.9", "valid integer"),
    ("QMS_SMTP_PORT", "70000", "less than or equal to 65535"),
    ("QMS_BASE_PATH", "/qms/<script>", "expected a path such as /qms"),
    ("QMS_PUBLIC_URL", "portal.example.gov.vn/qms", "expected the address people open"),
    ("QMS_SECRET_KEY", "ngan", "at least 16 characters"),
    ("QMS_LOG_LEVEL", "LOUD", "'DEBUG', 'INFO', 'WARNING' or 'ERROR'"),
])
def test_a_bad_value_names_its_variable(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(config.ConfigError) as refused:
        config.settings()
    assert str(refused.value).startswith(f"{name}={value!r}: ") and expected in str(refused.value)


def test_values_are_normalised_and_reread_when_they_change(monkeypatch):
    monkeypatch.setenv("QMS_BASE_PATH", "qms/")
    monkeypatch.setenv("QMS_PUBLIC_URL", "https://portal.example.gov.vn/qms/")
    current = config.settings()
    assert current.base_path == "/qms" and current.public_url == "https://portal.example.gov.vn/qms"
    assert current.secure_cookies and current.log_level == "INFO"
    monkeypatch.setenv("QMS_BASE_PATH", "/")
    monkeypatch.setenv("QMS_PUBLIC_URL", "http://10.0.0.5:8080")
    assert config.settings().base_path == "" and not config.settings().secure_cookies


def test_a_command_with_a_bad_setting_stops_at_start_with_the_message():
    done = subprocess.run([sys.executable, "-m", "qms", "init"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "QMS_SESSION_HOURS": "-1", "QMS_DATA_DIR": "/nonexistent"})
    assert done.returncode == 1
    assert "QMS_SESSION_HOURS='-1': Input should be greater than 0" in done.stderr
    assert "Traceback" not in done.stderr
