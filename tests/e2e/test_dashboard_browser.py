"""The dashboard in a real browser: a click on a unit's bar narrows every figure to that unit."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, new_page, open_app, shot, sign_in, wait_for_app

pytestmark = pytest.mark.e2e


def test_click_a_bar_to_narrow_the_dashboard(browser, server):
    page = new_page(browser, server)
    sign_in(page, "isorep")
    open_app(page, "/dashboard")
    assert_no_exception(page)
    shot(page, "isorep_dashboard_vi")
    open_findings = page.locator("[data-testid='stMetricValue']").first
    before = open_findings.inner_text()
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + 10)  # the longest bar is drawn first, on top
    wait_for_app(page)
    expect(open_findings).not_to_have_text(before)  # every figure now counts only that unit
    assert_no_exception(page)
    shot(page, "isorep_dashboard_narrowed_vi")
    page.context.close()
