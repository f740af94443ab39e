"""Password hashing with argon2id, and the policy a new password must meet."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from qms.errors import ValidationError

_hasher = PasswordHasher()
MIN_LENGTH = 10
# The 19,640 most common passwords, lower-cased, as Django 5.2 ships them (django/contrib/auth/common-passwords.txt.gz,
# BSD licence; compiled by Royce Williams from breach corpora).
COMMON_FILE = Path(__file__).parent / "data" / "common_passwords.txt"
# Verified when the username is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
_EDGE_SYMBOLS = re.compile(r"^[\W_]+|[\W_]+$")
_EDGE_SYMBOLS_AND_DIGITS = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    return frozenset(COMMON_FILE.read_text(encoding="utf-8").splitlines())


def hash_password(password: str, username: str = "") -> str:
    check_strength(password, username)
    return _hasher.hash(password)


def _is_common(password: str) -> bool:
    """Listed as it is, or once the digits and symbols people add to reach a length rule are taken off."""
    lowered = password.strip().lower()
    candidates = {lowered, _EDGE_SYMBOLS.sub("", lowered), _EDGE_SYMBOLS_AND_DIGITS.sub("", lowered)}
    return not (candidates - {""}).isdisjoint(common_passwords())


def check_strength(password: str, username: str = "") -> None:
    """Refuse a password an attacker would try early: short, blank, the username, or a common one."""
    password = password or ""
    if password and password.isspace():
        raise ValidationError("error.password_blank")
    if len(password) < MIN_LENGTH:
        raise ValidationError("error.password_too_short", min=MIN_LENGTH)
    if username and password.strip().lower() == username.strip().lower():
        raise ValidationError("error.password_is_username")
    if _is_common(password):
        raise ValidationError("error.password_common")


def verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password or "") and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def rehash(password: str) -> str:
    """A new hash of a password that just verified: accepted once, it is not refused by a later, stricter policy."""
    return _hasher.hash(password)
