"""Configuration read from the environment (see README, "Configuration")."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("QMS_DATA_DIR", ROOT / "data"))
CHECKLIST_DIR = ROOT / "checklists"
TIMEZONE = "Asia/Ho_Chi_Minh"
LANGUAGES = ("vi", "en")


def database_url() -> str:
    """The database URL: QMS_DATABASE_URL, or a SQLite file under data/."""
    url = os.environ.get("QMS_DATABASE_URL")
    if url:
        return url
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DATA_DIR / 'qms.sqlite3'}"


def default_language() -> str:
    lang = os.environ.get("QMS_LANG", "vi")
    return lang if lang in LANGUAGES else "vi"


def session_hours() -> float:
    return float(os.environ.get("QMS_SESSION_HOURS", "12"))
