"""The application log: one configuration for the app and the CLI, one line per event (README, "Logging")."""

from __future__ import annotations

import json
import logging
import secrets
import sys
import traceback

from qms import config

LOGGER = logging.getLogger("qms")
_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class _OneLineFormatter(logging.Formatter):
    """A traceback stays on its event's line (newlines escaped), so a grep for a reference finds all of it."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text.replace("\r", "\\r").replace("\n", "\\n")


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test runner swaps it), not the stream seen at start."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure() -> None:
    """Install the handler once per process; the level comes from QMS_LOG_LEVEL (default INFO)."""
    if getattr(LOGGER, "_qms_configured", False):
        return
    current = config.settings()  # a bad QMS_LOG_LEVEL stops here, with its name and what it expects
    level = logging.getLevelName(current.log_level)
    path = current.log_file
    handler: logging.Handler = logging.FileHandler(path, encoding="utf-8") if path else _Stderr()
    handler.setFormatter(_OneLineFormatter(_FORMAT))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(level)
    # Streamlit configures the root logger its own way; ours must not print every line twice.
    LOGGER.propagate = False
    LOGGER._qms_configured = True  # type: ignore[attr-defined]


def _value(value: object) -> str:
    text = str(value)
    # User text (a username, a file name) must not forge a second event or break the key=value shape.
    if not text or any(ch.isspace() or ch in '"=\\' or not ch.isprintable() for ch in text):
        return json.dumps(text, ensure_ascii=False)
    return text


def event(name: str, level: int = logging.INFO, **fields: object) -> None:
    """Log one event as `name key=value …`; never pass a password or a token."""
    if LOGGER.isEnabledFor(level):
        parts = [name, *(f"{key}={_value(value)}" for key, value in fields.items() if value is not None)]
        LOGGER.log(level, " ".join(parts))


def new_reference() -> str:
    """A short code the user can read out to the administrator, who finds it in the log."""
    return secrets.token_hex(4).upper()


def crash(exc: BaseException, **fields: object) -> str:
    """Log an unexpected error with its traceback; returns the reference shown to the user."""
    reference = new_reference()
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    event("error", logging.ERROR, ref=reference, type=type(exc).__name__, **fields, traceback=detail)
    return reference
