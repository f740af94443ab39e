"""Every page renders without an exception for every demo role, in both languages, and its tables write dates
the language's way."""

import json
import re
from datetime import date

import pytest

from qms import demo
from qms.ui import tables
from qms.ui.nav import visible_paths
from tests.app.conftest import no_errors, sign_in

ROLES = {username: roles for username, _name, roles, _units in demo.PEOPLE[:5]}


@pytest.mark.parametrize("username", list(ROLES))
def test_every_page_renders_for_each_role(demo_url, username):
    at = sign_in(username)
    no_errors(at)
    assert at.session_state["user"]["username"] == username
    assert at.title[0].value == "Việc của tôi"
    raw, wide = {}, {}
    for path in visible_paths([str(r) for r in ROLES[username]]):
        at.switch_page(path).run()
        no_errors(at)
        assert at.title, path
        raw[path] = raw_dates(at)
        wide[path] = wider_than_a_tablet(at)
    assert {path: cells for path, cells in raw.items() if cells} == {}
    assert {path: tables for path, tables in wide.items() if tables} == {}


ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def raw_dates(at) -> list[str]:
    """Table cells holding a date object (a table prints it as 2026-11-21) or an ISO date, in a Vietnamese page."""
    found = []
    for table in at.dataframe:
        for value in table.value.to_numpy().ravel():
            if isinstance(value, date) or (isinstance(value, str) and ISO_DAY.search(value)):
                found.append(str(value))
    return found[:3]


def wider_than_a_tablet(at) -> list[str]:
    """Tables whose columns are not all given a width, or whose widths add up to more than a tablet's table."""
    found = []
    for table in at.dataframe:
        config = {k: v for k, v in json.loads(table.proto.columns or "{}").items() if k != "_index"}
        columns = list(table.value.columns)
        total = sum(config.get(c, {}).get("width") or 10_000 for c in columns)
        if table.proto.selection_mode:
            total += tables.PICK_WIDTH
        if total > tables.TABLET_WIDTH:
            found.append(f"{columns[0]}…: {total} px")
    return found


def test_pages_in_english(demo_url):
    at = sign_in("admin", lang="en")
    assert at.title[0].value == "My work"
    for path in visible_paths(["admin"]):
        at.switch_page(path).run()
        no_errors(at)
    assert at.title[0].value == "Organisation settings"


def test_leadership_sees_the_units_of_an_audit(demo_url):
    """Seen: a viewer got the "units of the audit" picker and no units under it (only planners saw the table)."""
    at = sign_in("viewer")
    at.switch_page("pages/programme.py").run()
    no_errors(at)
    tables = [table.value for table in at.dataframe if "Ngày" in table.value.columns and "Đơn vị" in table.value.columns]
    assert tables and len(tables[0]) > 0
    assert not [form for form in at.get("form")]  # reading, not planning
