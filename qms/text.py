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
