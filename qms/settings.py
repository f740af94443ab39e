"""Organisation settings with defaults: names for documents, deadline defaults, upload limit."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session, select

from qms import changelog
from qms.errors import ValidationError
from qms.models import Setting, text_problem
from qms.permissions import require
from qms.text import nfc

DEFAULTS: dict[str, Any] = {
    "org_name_vi": "Ủy ban nhân dân tỉnh",
    "org_name_en": "Provincial People's Committee",
    "org_place": "",
    "org_parent_vi": "",
    "org_parent_en": "",
    "doc_national_header": True,
    "doc_serif": True,  # the official layout in Liberation Serif 13 pt (else as the screen: Source Sans)
    "report_symbol": "BC-ISO",
    "plan_due_days": 15,
    "action_due_days": 60,
    "recurrence_months": 12,
    "upload_limit_mb": 20,
    "process_allowance_days": 30,  # days a process may take to follow a change of its procedure
}
INT_LIMITS = {"plan_due_days": (1, 365), "action_due_days": (1, 730), "recurrence_months": (1, 60),
               "upload_limit_mb": (1, 200), "process_allowance_days": (0, 365)}
TEXT_MAX = 255  # a name on a document's header
# Internal keys (secrets, demo marker) live in the same table but are not user settings.
_INTERNAL_PREFIX = "_"


def get(session: Session, key: str) -> Any:
    row = session.get(Setting, key)
    return row.value if row is not None else DEFAULTS.get(key)


def upload_limit_mb(session: Session) -> int:
    """The largest attached file the organisation accepts, in MB (the uploaders, the server and attachments.add)."""
    return int(get(session, "upload_limit_mb"))


def put(session: Session, key: str, value: Any) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
        session.add(row)


def all_settings(session: Session) -> dict[str, Any]:
    values = dict(DEFAULTS)
    for row in session.exec(select(Setting)).all():
        if row.key in DEFAULTS:
            values[row.key] = row.value
    return values


def _whole_number(key: str, value: Any) -> int:
    """A day or month count: 2.9 is refused, not cut to 2; "30" typed in a form is fine."""
    low, high = INT_LIMITS[key]
    if isinstance(value, bool):
        value = None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value() or not low <= number <= high:
        raise ValidationError("error.setting_range", field=f"setting.{key}", low=low, high=high)
    return int(number)


def update(session: Session, actor_id: int | None, values: dict[str, Any]) -> dict[str, Any]:
    """Validate and save organisation settings (admin only); returns the saved values."""
    require(session, actor_id, "settings:manage")
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key not in DEFAULTS or key.startswith(_INTERNAL_PREFIX):
            raise ValidationError("error.setting_unknown", setting=key)
        if key in ("doc_national_header", "doc_serif"):
            clean[key] = bool(value)
            continue
        if key in INT_LIMITS:
            clean[key] = _whole_number(key, value)
        else:
            clean[key] = nfc(str(value))
            if key.startswith("org_name") and not clean[key]:
                raise ValidationError("error.name_required")
            problem = text_problem(clean[key], TEXT_MAX)
            if problem:
                raise ValidationError(problem[0], field=f"setting.{key}", **problem[1])
    current = all_settings(session)
    for key, value in clean.items():
        put(session, key, value)
    changelog.record(session, "setting", 0, actor_id, {k: (current[k], v) for k, v in clean.items()})
    session.commit()
    return all_settings(session)
