"""Configuration from the environment, in one typed object (README, "Configuration").

Every QMS_ variable the app reads is a field here, checked when it is read: a bad value stops the command or the
server at start with a message naming the variable and what it expects, never half-way through a page.
`settings()` reads the environment again when it changed (tests and the command line set variables as they go).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ROOT = Path(__file__).resolve().parent.parent
CHECKLIST_DIR = ROOT / "checklists"
TIMEZONE = "Asia/Ho_Chi_Minh"
LANGUAGES = ("vi", "en")


class Settings(BaseModel):
    """What an operator sets; each field's alias is its environment variable."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    database_url: str | None = Field(None, alias="QMS_DATABASE_URL")
    data_dir: Path = Field(ROOT / "data", alias="QMS_DATA_DIR")
    lang: Literal["vi", "en"] = Field("vi", alias="QMS_LANG")
    secret_key: str | None = Field(None, alias="QMS_SECRET_KEY", min_length=16)
    session_hours: float = Field(12, alias="QMS_SESSION_HOURS", gt=0, le=24 * 30)
    base_path: str = Field("", alias="QMS_BASE_PATH")
    public_url: str | None = Field(None, alias="QMS_PUBLIC_URL")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", alias="QMS_LOG_LEVEL")
    log_file: Path | None = Field(None, alias="QMS_LOG_FILE")
    import_max_mb: int = Field(2, alias="QMS_IMPORT_MAX_MB", ge=1, le=200)
    import_max_rows: int = Field(2_000, alias="QMS_IMPORT_MAX_ROWS", ge=1, le=1_000_000)
    smtp_host: str | None = Field(None, alias="QMS_SMTP_HOST")
    smtp_port: int = Field(25, alias="QMS_SMTP_PORT", ge=1, le=65_535)
    smtp_from: str = Field("qms@localhost", alias="QMS_SMTP_FROM")
    smtp_user: str | None = Field(None, alias="QMS_SMTP_USER")
    smtp_password: str | None = Field(None, alias="QMS_SMTP_PASSWORD")
    smtp_starttls: bool = Field(False, alias="QMS_SMTP_STARTTLS")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value):
        return value.upper() if isinstance(value, str) else value

    @field_validator("base_path")
    @classmethod
    def _path(cls, value: str) -> str:
        """"/qms", from "qms", "/qms/" or "/qms": one leading slash, no trailing one; "" or "/" for the root."""
        value = value.strip().strip("/")
        if value and not all(part and all(ch.isalnum() or ch in "-_." for ch in part) for part in value.split("/")):
            raise ValueError("expected a path such as /qms (letters, digits, - _ . between slashes)")
        return f"/{value}" if value else ""

    @field_validator("public_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("expected the address people open, such as https://portal.example.gov.vn/qms/")
        return value.strip().rstrip("/")

    @property
    def url(self) -> str:
        """The database URL: QMS_DATABASE_URL, or a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'qms.sqlite3'}"

    @property
    def secure_cookies(self) -> bool:
        """Whether people reach the app over https (then the session cookie is never sent over plain http)."""
        return bool(self.public_url and self.public_url.startswith("https://"))


class ConfigError(SystemExit):
    """A bad setting: the message names the variable, what it holds and what is expected."""


def _environment() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("QMS_") and v != ""))


@lru_cache(maxsize=8)
def _settings(environment: tuple[tuple[str, str], ...]) -> Settings:
    values = dict(environment)
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = Settings.model_fields[error["loc"][0]].alias if error["loc"][0] in Settings.model_fields \
                else str(error["loc"][0])
            lines.append(f"{name}={values.get(name, '')!r}: {error['msg']}")
        raise ConfigError("\n".join(lines)) from None


def settings() -> Settings:
    """The settings in force; ConfigError (which stops a command with its message) for a bad value."""
    return _settings(_environment())


def database_url() -> str:
    return settings().url


def default_language() -> str:
    return settings().lang


def session_hours() -> float:
    return settings().session_hours
