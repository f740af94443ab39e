"""The files an IT office installs from deploy/ hold together: every command a systemd unit starts is one the app
accepts, every variable of the example environment is a setting the app knows and its values pass, and Debian's
nginx accepts the shipped site as it is."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qms import config
from qms.__main__ import parser

DEPLOY = config.ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _qms_commands() -> list[tuple[str, list[str]]]:
    commands = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for line in unit.read_text(encoding="utf-8").splitlines():
            if line.startswith("ExecStart="):
                command = line.removeprefix("ExecStart=").replace("%%", "%").replace("%i", "8501")
                words = shlex.split(command.replace("$$(date +%Y-%m-%d)", "2026-12-06"))
                if words[:2] == ["/bin/sh", "-c"]:
                    words = shlex.split(words[2].removeprefix("exec "))
                assert words[:3] == ["/opt/qms/.venv/bin/python", "-m", "qms"], line
                commands.append((unit.name, words[3:]))
    return commands


def test_every_unit_starts_a_command_the_app_accepts():
    commands = _qms_commands()
    assert {name for name, _ in commands} == {"qms-init.service", "qms@.service", "qms-remind.service",
                                              "qms-backup.service"}
    for name, args in commands:
        parsed = parser().parse_args(args)
        assert parsed.fn.__name__ == f"cmd_{args[0]}", name
    for timer in (DEPLOY / "systemd").glob("*.timer"):
        assert (DEPLOY / "systemd" / timer.name.replace(".timer", ".service")).exists()


def test_systemd_reads_the_units_without_a_warning(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed")
    for unit in (DEPLOY / "systemd").iterdir():
        # verify also checks that each command exists: point them at this machine's interpreter.
        name = unit.name.replace("@.", "@8501.")
        text = unit.read_text(encoding="utf-8").replace("/opt/qms/.venv/bin/python", sys.executable)
        (tmp_path / name).write_text(text, encoding="utf-8")
    units = sorted(str(path) for path in tmp_path.iterdir())
    checked = subprocess.run([analyze, "verify", "--man=no", *units], capture_output=True, text=True, timeout=60)
    assert (checked.returncode, checked.stderr.strip(), checked.stdout.strip()) == (0, "", "")


def test_the_example_environment_holds_known_settings_that_pass():
    values = dict(line.split("=", 1) for line in (DEPLOY / "qms.env.example").read_text(encoding="utf-8").splitlines()
                  if line and not line.startswith("#"))
    known = {field.alias for field in config.Settings.model_fields.values()}
    assert sorted(set(values) - known) == []
    settings = config.Settings.model_validate({name: value for name, value in values.items() if value})
    assert settings.base_path == "/qms" and settings.secure_cookies
    # The base path nginx serves is the one the environment gives the app.
    locations = (DEPLOY / "nginx" / "qms-locations.conf").read_text(encoding="utf-8")
    assert re.findall(r"^location /(\w+)/ \{", locations, re.M) == [settings.base_path.strip("/")]


def test_debian_nginx_accepts_the_shipped_site(tmp_path):
    if not Path(NGINX).exists():
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (apt-get install -y nginx)")
        pytest.skip("nginx not installed")
    conf = tmp_path / "conf"
    shutil.copytree(DEPLOY / "nginx", conf / "qms")
    (tmp_path / "logs").mkdir()
    # What the site's header tells an IT office to add to nginx.conf's http block, and nothing else.
    (conf / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/logs/error.log;
events {{}}
http {{
    include qms/qms-upstream.conf;
    include qms/qms-site.conf;
}}
""")
    checked = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf / "nginx.conf")],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
