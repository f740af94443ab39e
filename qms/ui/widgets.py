"""Small widgets shared by pages: running a domain call with a translated refusal, labels, tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from qms import db, formats, logs
from qms import settings as org_settings
from qms.errors import QMSError
from qms.i18n import t as lookup
from qms.reports.pdf import MARK
from qms.ui import session
from qms.ui.i18n import error_text, lang, t
from qms.ui.markdown import md_escape

T = TypeVar("T")


def attempt(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[bool, T | None]:
    """Call a domain function; a refusal is shown in the user's language and nothing else happens."""
    try:
        return True, fn(*args, **kwargs)
    except QMSError as exc:
        st.error(error_text(exc), icon=":material/error:")
        return False, None


def _downloaded(file_name: str, size: int) -> None:
    me = st.session_state.get(session.USER_KEY) or {}
    logs.event("export", file=file_name, bytes=size, user=me.get("id"))


def download(label: str, data: bytes | Callable[[], bytes], file_name: str, *, where: Any = None,
             **kwargs: Any) -> None:
    """A download button whose click is logged (what left the system, and who took it).

    Given a function instead of bytes, the file is built only when the button is clicked, in a thread of its own
    (no page run waits for it, and a page that is only looked at builds nothing): the function must take what it
    needs from its arguments, not from the screen.
    """
    if callable(data):
        user = (st.session_state.get(session.USER_KEY) or {}).get("id")
        (where or st).download_button(label, _deferred(data, file_name, user), file_name, **kwargs)
        return
    (where or st).download_button(label, data, file_name, on_click=_downloaded, args=(file_name, len(data)), **kwargs)
    # A built PDF (qms.reports.pdf.Pdf) says what its font could not print.
    replaced_warning(getattr(data, "replaced", 0), getattr(data, "missing", ""), where)


def replaced_warning(count: int, chars: str, where: Any = None) -> None:
    """Under a PDF download: how many characters the font lacks and prints as MARK."""
    if count:
        (where or st).warning(t("report.replaced_chars", n=count, mark=MARK, chars=md_escape(chars)),
                              icon=":material/warning:")


def _deferred(build: Callable[[], bytes], file_name: str, user: int | None) -> Callable[[], bytes]:
    def run() -> bytes:
        try:
            data = build()
        except Exception as exc:  # the browser is told the file could not be made; the log says why
            logs.crash(exc, where=f"download {file_name}", user=user)
            raise
        logs.event("export", file=file_name, bytes=len(data), user=user)
        return data
    return run


def later(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Callable[[], T]:
    """`fn(session, *args)` run when called, in a database session of its own: a download built when clicked."""
    engine = session.engine()

    def run() -> T:
        with db.session_scope(engine) as s:
            return fn(s, *args, **kwargs)
    return run


def upload_limit_mb() -> int:
    """The organisation's size limit for one attached file, for the uploader to refuse larger files in the browser."""
    with db.session_scope(session.engine()) as s:
        return org_settings.upload_limit_mb(s)


def evidence_upload(key: str) -> Any:
    """One evidence file for a form, refused in the browser over the organisation's limit, which it states."""
    limit = upload_limit_mb()
    upload = st.file_uploader(t("audit_day.attach"), key=key, max_upload_size=limit)
    st.caption(t("common.upload_limit", mb=int(limit)))
    return upload


def form_key(name: str) -> str:
    """A form key that changes after a successful save, so the form starts empty again.

    (clear_on_submit would also wipe the input when a save is refused.)
    """
    return f"{name}_{st.session_state.get(f'_form_{name}', 0)}"


def reset_form(name: str) -> None:
    st.session_state[f"_form_{name}"] = st.session_state.get(f"_form_{name}", 0) + 1


def flash(text: str) -> None:
    """A success message that survives the rerun that follows a save."""
    st.session_state["_flash"] = text


def show_flash(shown: bool = True) -> None:
    """The notice the last save left, once; `shown=False` drops it (a screen where it does not belong)."""
    text = st.session_state.pop("_flash", None)
    if text and shown:
        st.toast(text, icon=":material/check_circle:")


def label(prefix: str, value: str | None) -> str:
    """The translated label of an enum value, e.g. label('role', 'iso_rep')."""
    return t(f"{prefix}.{value}") if value else ""


def labeler(prefix: str, none_key: str = "common.all") -> Callable[[Any], str]:
    """A format_func for enum options, bound to this run's language (it may be called after the run)."""
    current = lang()

    def fmt(value: Any) -> str:
        return lookup(none_key, current) if value is None else lookup(f"{prefix}.{value}", current)
    return fmt


def distinct(names: dict[Any, str]) -> dict[Any, str]:
    """Option labels made unique: Streamlit sends a pick back as its label and takes the first option with it, so
    two meetings on one day with one chair, or two auditors with one name, sent the work to the other one. A
    repeated label gets its rank among its equals: "Nguyễn Văn An (2)"."""
    counts, seen = Counter(names.values()), Counter()
    out = {}
    for key, label_ in names.items():
        if counts[label_] > 1:
            seen[label_] += 1
            label_ = f"{label_} ({seen[label_]})"
        out[key] = label_
    return out


def date_text(value) -> str:
    return formats.day(value, lang())


def datetime_text(value) -> str:
    return formats.moment(value, lang())


def empty(key: str) -> None:
    st.caption(t(key))
