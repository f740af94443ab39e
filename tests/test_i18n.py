"""Both catalogs hold the same keys with the same placeholders, and every key the code uses exists."""

import ast
import re
import string
from pathlib import Path

import pytest

from qms import actions, findings, inbox, metrics, reviews, settings
from qms.i18n import catalog, t
from qms.models import AuditStatus, FindingStatus, Grade, Result, Role, UnitType
from qms.ui.answer_box import DRAFT_STATES
from qms.ui.nav import PAGES

ROOT = Path(__file__).resolve().parent.parent
# models.py is left out: its foreign keys ("finding.id") look like catalog keys.
SOURCES = [ROOT / "app.py", *ROOT.glob("pages/*.py"), *(p for p in ROOT.glob("qms/**/*.py") if p.name != "models.py")]
VI, EN = catalog("vi"), catalog("en")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_same_keys_in_both_languages():
    assert sorted(set(VI) - set(EN)) == [], "missing in en.toml"
    assert sorted(set(EN) - set(VI)) == [], "missing in vi.toml"


@pytest.mark.parametrize("key", sorted(VI))
def test_same_placeholders_and_no_empty_text(key):
    assert VI[key].strip() and EN[key].strip()
    assert _fields(VI[key]) == _fields(EN[key])


def _literals() -> set[str]:
    found = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def test_every_key_used_in_code_exists():
    sections = {key.split(".")[0] for key in VI}
    pattern = re.compile(r"^[a-z_]+(\.[a-z_0-9]+)+$")  # f-string prefixes ("cli.checklist_") end in "_"
    used = {s for s in _literals() if pattern.match(s) and s.split(".")[0] in sections
            and not s.endswith(("_", ".py"))}
    assert len(used) > 100
    sections_used = {k for k in used if any(x.startswith(k + ".") for x in VI)}  # labeler("audit_day.show")
    assert sorted(k for k in used - sections_used if k not in VI) == []


def test_dynamic_keys_exist():
    dynamic = [f"role.{r}" for r in Role] + [f"grade.{g}" for g in Grade] + [f"status.{s}" for s in FindingStatus]
    dynamic += [f"audit_status.{s}" for s in AuditStatus] + [f"unit_type.{u}" for u in UnitType]
    dynamic += [f"settings.{k}" for k in settings.DEFAULTS] + ["cli.checklist_loaded", "cli.checklist_unchanged"]
    dynamic += [key for section, _p, title, _i, _r in PAGES for key in (section, title)]
    dynamic += [f"home.{kind}" for kind in inbox.KINDS]
    dynamic += [f"cause.{c}" for c in actions.CAUSE_CATEGORIES] + [f"findings.sort_by.{k}" for k in findings.SORTS]
    dynamic += [f"result.{r}" for r in Result] + [f"result_short.{r}" for r in Result]
    dynamic += [f"review.{kind}.{name}" for name in reviews.SECTIONS for kind in ("section", "clause")]
    dynamic += [f"dashboard.age.{n}" for n in range(len(metrics.AGE_BUCKETS))]
    dynamic += [f"audit_day.draft_{state}" for state in DRAFT_STATES]
    assert sorted(k for k in dynamic if k not in VI) == []


def test_lookup_formats_and_falls_back():
    assert t("error.password_too_short", "vi", min=8) == "Mật khẩu phải có ít nhất 8 ký tự."
    assert t("error.password_too_short", "en", min=8) == "The password must have at least 8 characters."
    assert t("no.such.key", "en") == "no.such.key"


def test_no_text_left_untranslated():
    """A Vietnamese value equal to the English one is an untranslated label ("Parent agency (English)" was one),
    unless it names a language or an ISO clause, which read the same in both."""
    same = {key for key in VI if VI[key] == EN.get(key) and re.search(r"[^\W\d_]{3,}", VI[key])}
    assert sorted(same - {"lang.vi", "lang.en"}) == []
