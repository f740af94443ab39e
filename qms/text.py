"""Text normalisation: NFC for storage, accent folding for search ("thu tuc" finds "thủ tục")."""

from __future__ import annotations

import unicodedata


def nfc(value: str | None) -> str:
    return unicodedata.normalize("NFC", (value or "")).strip()


def fold(value: str | None) -> str:
    """Lower-case, strip diacritics (đ → d) so search ignores accents."""
    decomposed = unicodedata.normalize("NFD", (value or "").lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d")


def record_id(value: str | None) -> int | None:
    """A record id from an address (`?finding=12`), or None: "²" and 23-digit numbers are digits but not ids."""
    from qms.models import INT_RANGE

    if not value or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= INT_RANGE[1] else None


def matches(term: str | None, *texts: str | None) -> bool:
    """Whether every word of `term` occurs in the texts, ignoring accents, case and NFC/NFD ("so noi vu")."""
    haystack = fold(" ".join(t or "" for t in texts))
    return all(word in haystack for word in fold(term).split())
