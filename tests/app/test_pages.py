"""Every page renders without an exception for every demo role, in both languages."""

import pytest

from qms import demo
from qms.ui.nav import visible_paths
from tests.app.conftest import no_errors, sign_in

ROLES = {username: roles for username, _name, roles, _units in demo.PEOPLE[:5]}


@pytest.mark.parametrize("username", list(ROLES))
def test_every_page_renders_for_each_role(demo_url, username):
    at = sign_in(username)
    no_errors(at)
    assert at.session_state["user"]["username"] == username
    assert at.title[0].value == "Việc của tôi"
    for path in visible_paths([str(r) for r in ROLES[username]]):
        at.switch_page(path).run()
        no_errors(at)
        assert at.title, path


def test_pages_in_english(demo_url):
    at = sign_in("admin", lang="en")
    assert at.title[0].value == "My work"
    for path in visible_paths(["admin"]):
        at.switch_page(path).run()
        no_errors(at)
    assert at.title[0].value == "Organisation settings"
