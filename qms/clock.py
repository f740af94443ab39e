"""Time in the agency's zone (Asia/Ho_Chi_Minh): every stored timestamp is timezone-aware."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from qms.config import TIMEZONE

ZONE = ZoneInfo(TIMEZONE)


def now() -> datetime:
    return datetime.now(ZONE)


def today() -> date:
    return local_date(now())


def local_date(instant: datetime) -> date:
    """The calendar day in Viet Nam at `instant`: 17:30 UTC on the 31st is already the 1st there."""
    return instant.astimezone(ZONE).date()


def local(value: datetime) -> datetime:
    return value.astimezone(ZONE)


def require_within(value: date, earliest: date | None, latest: date | None, *, field: str) -> None:
    """Refuse a date outside [earliest, latest] (a typo such as 1900 or 2999) with a message giving both ends."""
    from qms.errors import ValidationError

    if (earliest is not None and value < earliest) or (latest is not None and value > latest):
        raise ValidationError("error.date_range", field=field, earliest=earliest or "…", latest=latest or "…")
