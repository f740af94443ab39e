"""The navigation built from the signed-in user's roles."""

from __future__ import annotations

import streamlit as st

from qms.models import Role
from qms.ui.i18n import t

ALL = set(Role)
# (section, page file, title key, icon, roles that see it)
PAGES = [
    ("nav.section.work", "pages/home.py", "nav.home", ":material/home:", ALL),
    ("nav.section.audit", "pages/programme.py", "nav.programme", ":material/calendar_month:", ALL),
    ("nav.section.audit", "pages/audit_day.py", "nav.audit_day", ":material/fact_check:", {Role.auditor, Role.iso_rep}),
    ("nav.section.audit", "pages/checklists.py", "nav.checklists", ":material/checklist:", ALL),
    ("nav.section.follow", "pages/findings.py", "nav.findings", ":material/report:", ALL),
    ("nav.section.follow", "pages/dashboard.py", "nav.dashboard", ":material/monitoring:", ALL),
    ("nav.section.follow", "pages/procedures.py", "nav.procedures", ":material/account_balance:", ALL),
    ("nav.section.follow", "pages/overview.py", "nav.overview", ":material/domain:", {Role.iso_rep, Role.viewer, Role.admin}),
    ("nav.section.follow", "pages/review.py", "nav.review", ":material/groups:", {Role.iso_rep, Role.viewer, Role.admin}),
    ("nav.section.admin", "pages/admin_units.py", "nav.units", ":material/account_tree:", {Role.admin}),
    ("nav.section.admin", "pages/admin_users.py", "nav.users", ":material/manage_accounts:", {Role.admin}),
    ("nav.section.admin", "pages/admin_settings.py", "nav.settings", ":material/settings:", {Role.admin}),
]


ACCOUNT = "pages/account.py"


def account_page(**options) -> st.Page:
    """Every user's own account (password change): reached from the sidebar, not listed in the menu."""
    return st.Page(ACCOUNT, title=t("nav.account"), icon=":material/account_circle:", **options)


def pages_for(roles: list[str]) -> dict[str, list[st.Page]]:
    sections: dict[str, list[st.Page]] = {}
    for section, path, title, icon, allowed in PAGES:
        if allowed & set(roles):
            sections.setdefault(t(section), []).append(
                st.Page(path, title=t(title), icon=icon, default=path == "pages/home.py"))
    sections.setdefault(t("nav.section.work"), []).append(account_page(visibility="hidden"))
    return sections


def visible_paths(roles: list[str]) -> list[str]:
    return [path for _s, path, _t, _i, allowed in PAGES if allowed & set(roles)]
