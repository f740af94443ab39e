"""The README documents every environment variable the code reads (a setting nobody can find is a setting nobody
can use)."""

import re

from qms import config

CODE_DIRS = ("qms", "pages", "benchmarks")
INTERNAL = {"QMS_COOKIE_ROUTES"}  # set by the server itself for app.py, not by an administrator


def test_every_environment_variable_is_in_the_readme():
    used = set()
    for directory in CODE_DIRS:
        for path in (config.ROOT / directory).rglob("*.py"):
            used |= set(re.findall(r"[\"'](QMS_[A-Z_]+|FORWARDED_ALLOW_IPS)[\"']", path.read_text(encoding="utf-8")))
    readme = (config.ROOT / "README.md").read_text(encoding="utf-8")
    assert used - INTERNAL, "found no variables: the pattern is wrong"
    assert sorted(name for name in used - INTERNAL if f"`{name}" not in readme) == []
