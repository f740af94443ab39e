"""Dates, numbers, percentages and change-log values written the way each language writes them: the one place
screens, Excel exports, e-mails and PDFs take them from."""

from __future__ import annotations

import re
from datetime import date, datetime

from qms.clock import local

NARROW = "\u202f"  # groups digits and keeps "81,2 %" on one line
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:?\d{2}|Z)?)?\b")


def day(value: date | datetime | None, lang: str) -> str:
    """21/11/2026 in Vietnamese, 2026-11-21 in English; a moment as its day in the agency's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.strftime("%Y-%m-%d")


def moment(value: datetime | None, lang: str) -> str:
    if value is None:
        return ""
    value = local(value)
    return value.strftime("%d/%m/%Y %H:%M") if lang == "vi" else value.strftime("%Y-%m-%d %H:%M")


def period(start: date | None, end: date | None, lang: str) -> str:
    """Two days as one span: 01/10/2026 – 15/10/2026 (one of them alone when the other is not set)."""
    return " – ".join(day(d, lang) for d in (start, end) if d is not None)


def month(value: str, lang: str) -> str:
    """A "2026-11" month as 11/2026 in Vietnamese (as the charts' axes write it), 2026-11 in English."""
    year, number_ = value.split("-")
    return f"{number_}/{year}" if lang == "vi" else value


def number(value: float | int, lang: str, digits: int = 0) -> str:
    """Digits grouped by a narrow space (2 000), decimals after a comma in Vietnamese (81,2), a point in English."""
    text = f"{value:,.{digits}f}".replace(",", NARROW)
    return text.replace(".", ",") if lang == "vi" else text


def percent(value: float | int | None, lang: str, digits: int = 1) -> str:
    """81,2 % in Vietnamese, 81.2% in English; a whole number without decimals (100 %, not 100,0 %)."""
    if value is None:
        return "—"
    shown = number(value, lang, 0 if float(value).is_integer() else digits)
    return f"{shown}{NARROW}%" if lang == "vi" else f"{shown}%"


def days_in(text: str, lang: str) -> str:
    """ISO dates and moments inside a stored text ("Sửa biểu mẫu (2026-11-21)") written the language's way."""
    def written(match: re.Match) -> str:
        year, month, dd, hour, minute = match.groups()
        shown = date(int(year), int(month), int(dd))
        text_ = day(shown, lang)
        return f"{text_} {hour}:{minute}" if hour else text_
    return _ISO_DAY.sub(written, text)
