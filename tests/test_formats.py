"""Dates, numbers, percentages, counts and change-log values the way each language writes them, from one module."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from qms import formats
from qms.i18n import history_field, history_value, t

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("value, vi, en", [
    (81.2, "81,2\u202f%", "81.2%"), (100, "100\u202f%", "100%"), (0.0, "0\u202f%", "0%"), (None, "—", "—"),
    (66.66666, "66,7\u202f%", "66.7%"),
])
def test_percentages(value, vi, en):
    assert (formats.percent(value, "vi"), formats.percent(value, "en")) == (vi, en)


def test_numbers_and_dates():
    assert formats.number(31457280, "vi") == "31\u202f457\u202f280"
    assert formats.number(2.5, "vi", 1) == "2,5" and formats.number(2.5, "en", 1) == "2.5"
    assert formats.day(date(2026, 11, 21), "vi") == "21/11/2026" and formats.day(date(2026, 11, 21), "en") == "2026-11-21"
    # A moment is shown in the agency's time zone (UTC+7): late evening UTC is the next morning in Hà Nội.
    assert formats.moment(datetime(2026, 11, 21, 20, 30, tzinfo=timezone.utc), "vi") == "22/11/2026 03:30"


def test_a_count_of_one_is_singular_in_english():
    assert t("findings.download", "en", n=1) == "Download the Excel file (1 finding)"
    assert t("findings.download", "en", n=32) == "Download the Excel file (32 findings)"
    assert t("findings.count", "en", total=1, page=1, pages=1) == "1 finding · page 1/1"
    assert t("findings.download", "vi", n=1) == t("findings.download", "vi", n=2).replace("2", "1")


def test_every_singular_form_has_its_plural_and_the_same_fields():
    for lang in ("vi", "en"):
        from qms.i18n import catalog
        table = catalog(lang)
        for key in (k for k in table if k.endswith("_one")):
            base = key.removesuffix("_one")
            assert base in table, key
            assert set(re.findall(r"\{(\w+)\}", table[key])) == set(re.findall(r"\{(\w+)\}", table[base])), key


@pytest.mark.parametrize("entity, field, stored, vi", [
    ("actionitem", "status", "open", "Chưa hoàn thành"),   # was "status.open"
    ("actionitem", "status", "done", "Đã hoàn thành"),
    ("finding", "status", "plan_accepted", t("status.plan_accepted", "vi")),
    ("audit", "status", "report_issued", "Đã ban hành báo cáo"),
    ("correctiveaction", "cause_category", "method", "Phương pháp, quy trình"),  # was "method"
    ("correctiveaction", "correction_date", "2026-11-21", "21/11/2026"),  # was 2026-11-21
    ("actionitem", "done_date", "2026-11-21", "21/11/2026"),
    ("correctiveaction", "actions", "Sửa biểu mẫu (2026-11-21); Tập huấn (2026-12-05)",
     "Sửa biểu mẫu (21/11/2026); Tập huấn (05/12/2026)"),
    ("finding", "statement", "Hồ sơ số 2026-11-21A thiếu", "Hồ sơ số 2026-11-21A thiếu"),  # not a date: as typed
])
def test_history_values_are_words_and_dates_the_language_writes(entity, field, stored, vi):
    assert history_value(field, stored, "vi", entity) == vi
    assert history_field(field, "vi") != field


def test_percentages_are_written_only_by_the_formats_module():
    """81.2% in a Vietnamese document came from f"{rate}%" written in three places."""
    found = []
    for path in [*ROOT.glob("qms/**/*.py"), *ROOT.glob("pages/*.py")]:
        if path.name == "formats.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\}%[\"']", line):
                found.append(f"{path.relative_to(ROOT)}:{n}")
    assert found == []
