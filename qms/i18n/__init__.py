"""Vietnamese and English catalogs (TOML, one flat table per language) and the lookup."""

from __future__ import annotations

import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path

from qms.config import LANGUAGES

_DIR = Path(__file__).parent


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = value
    return flat


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    with open(_DIR / f"{lang}.toml", "rb") as fh:
        return _flatten(tomllib.load(fh))


def t(key: str, lang: str, /, **params: object) -> str:
    """The text for `key` in `lang`; a missing key shows itself rather than crash a screen. A count of one (`n`,
    else `total`) takes the key's `_one` form where the catalog has it ("1 finding", not "1 findings")."""
    table = catalog(lang if lang in LANGUAGES else "vi")
    if params.get("n", params.get("total")) == 1 and f"{key}_one" in table:
        key = f"{key}_one"
    text = table.get(key)
    if text is None:
        return key
    return text.format(**params) if params else text


def message(error: Exception, lang: str) -> str:
    """A domain error (QMSError) in the user's language."""
    key = getattr(error, "key", None)
    if key is None:
        return str(error)
    return t(key, lang, **error_params(error, lang))


def error_params(error: Exception, lang: str) -> dict:
    """A refusal's parameters, with the column it names (params["field"] = "table.column") in words and dates
    written the language's way."""
    from qms.formats import day

    params = {k: day(v, lang) if isinstance(v, date) else v for k, v in getattr(error, "params", {}).items()}
    if isinstance(params.get("field"), str):
        params["field"] = column_name(params["field"], lang)
    return params


def column_name(column: str, lang: str) -> str:
    """"unit.code" in words; an organisation setting ("setting.plan_due_days") by its label on the settings form."""
    table, _, name = column.partition(".")
    for key in (f"column.{column}", f"settings.{name}" if table == "setting" else ""):
        text = t(key, lang) if key else key
        if key and text != key:
            return text
    return column


def history_field(field: str, lang: str) -> str:
    """A change-log field name in words (the field itself when the catalog has no entry)."""
    key = f"history.{field}"
    text = t(key, lang)
    return field if text == key else text


# Which catalog table names a coded value, by the entity that was changed and its field.
_CODED = {("finding", "status"): "status", ("audit", "status"): "audit_status", ("actionitem", "status"): "item_status",
          ("finding", "grade"): "grade", ("correctiveaction", "cause_category"): "cause"}


def history_value(field: str, value: str | None, lang: str, entity: str = "finding") -> str:
    """A change-log value in words: a status, grade or cause by its name, dates written the language's way, every
    other value as it was written."""
    from qms.formats import days_in

    if not value:
        return ""
    table = _CODED.get((entity, field))
    if table is not None:
        text = t(f"{table}.{value}", lang)
        return value if text == f"{table}.{value}" else text
    return days_in(value, lang)
