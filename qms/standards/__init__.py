"""Clause lists of the supported standards (ISO 9001:2015 with TCVN Vietnamese titles)."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

_DIR = Path(__file__).parent
# Names a checklist may give in its `standard` field, all meaning the same clause list.
ALIASES = {"tcvn iso 9001:2015": "iso9001-2015", "iso 9001:2015": "iso9001-2015"}


@lru_cache(maxsize=None)
def clauses(standard_key: str = "iso9001-2015") -> dict[str, dict]:
    """clause number -> {parent, title_en, title_vi, auditable_leaf}, in document order."""
    with open(_DIR / f"{standard_key}-clauses.csv", encoding="utf-8") as fh:
        return {row["clause"]: {"parent": row["parent"] or None, "title_en": row["title_en"],
                                "title_vi": row["title_vi"], "auditable_leaf": row["auditable_leaf"] == "yes"}
                for row in csv.DictReader(fh)}


def key_for(standard: str) -> str | None:
    return ALIASES.get((standard or "").strip().lower())


def clause_sort_key(clause: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in clause.split("."))


def group_of(clause: str) -> str:
    """The top-level clause group (4–10) a clause belongs to."""
    return clause.split(".")[0]
