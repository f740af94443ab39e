"""Chart builders are pure: tested on their data and the Vega-Lite they produce."""

from qms import charts


def test_pareto_keeps_order_and_cumulative_line():
    rows = [{"clause": "8.5.1", "count": 5, "cumulative": 50.0}, {"clause": "7.5.3", "count": 3, "cumulative": 80.0},
            {"clause": "9.2", "count": 2, "cumulative": 100.0}]
    spec = charts.pareto(rows, "Điều khoản", "Số lượng", "Tích lũy (%)").to_dict()
    assert spec["layer"][0]["encoding"]["x"]["sort"] == ["8.5.1", "7.5.3", "9.2"]
    assert spec["layer"][1]["mark"]["type"] == "line"
    assert spec["resolve"]["scale"]["y"] == "independent"


def test_ranked_bars_carry_a_click_selection_on_the_pick_field():
    rows = [{"unit_id": 3, "unit": "Sở Nội vụ", "count": 4}, {"unit_id": 5, "unit": "Sở Tài chính", "count": 2}]
    spec = charts.ranked_bars(rows, "unit", "count", "Đơn vị", "Số lượng", pick="unit_id").to_dict()
    assert spec["params"][0]["name"] == "pick" and spec["params"][0]["select"]["fields"] == ["unit_id"]
    assert spec["encoding"]["y"]["sort"] == "-x"
    assert {r["unit"] for r in spec["datasets"][next(iter(spec["datasets"]))]} == {"Sở Nội vụ", "Sở Tài chính"}


def test_monthly_lines_show_both_series_with_translated_names():
    rows = [{"month": "2026-01", "opened": 4, "closed": 1}, {"month": "2026-02", "opened": 0, "closed": 3}]
    spec = charts.monthly_lines(rows, "Tháng", "Số lượng", {"opened": "Mở", "closed": "Đóng"}).to_dict()
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert {(v["month"], v["series"], v["count"]) for v in values} >= {("2026-01", "Mở", 4), ("2026-02", "Đóng", 3)}


def test_empty_data_still_builds():
    assert charts.columns([], "age", "count", "Tuổi", "Số lượng").to_dict()["mark"]["type"] == "bar"


def _values(spec: dict) -> list[dict]:
    return spec["datasets"][next(iter(spec["datasets"]))]


def test_monthly_lines_show_every_month_on_a_time_axis():
    """Seen: 2025-10 joined straight to 2026-01, as if November and December had the same figures."""
    rows = [{"month": "2025-10", "opened": 3, "closed": 1}, {"month": "2026-01", "opened": 2, "closed": 4}]
    spec = charts.monthly_lines(rows, "Tháng", "Số lượng", {"opened": "Mở", "closed": "Đóng"}).to_dict()
    values = _values(spec)
    assert sorted({v["month"][:7] for v in values}) == ["2025-10", "2025-11", "2025-12", "2026-01"]
    assert {v["count"] for v in values if v["month"][:7] in ("2025-11", "2025-12")} == {0}
    assert spec["encoding"]["x"]["type"] == "temporal"


def test_conformity_bars_are_side_by_side_within_the_scale_and_the_legend_below():
    """Seen: two audits' percentages stacked to 170 %, past the 0–100 scale, under the legend."""
    rows = [{"audit": "ĐGNB-2025-01", "unit": "Sở Nội vụ", "rate": 85.0, "answers": 160},
            {"audit": "ĐGNB-2026-01", "unit": "Sở Nội vụ", "rate": 85.0, "answers": 150}]
    spec = charts.conformity(rows, "Đơn vị", "Tỷ lệ phù hợp (%)").to_dict()
    encoding = spec["encoding"]
    assert encoding["x"]["stack"] is None and encoding["x"]["scale"]["domain"] == [0, 100]
    assert encoding["yOffset"]["field"] == "audit"
    assert encoding["color"]["legend"]["orient"] == "bottom"


def test_horizontal_bars_have_no_rotated_title_to_cut():
    """Seen: "Người phụ trác" — the rotated axis title beside a one-bar chart was cut, and crossed long unit names."""
    one = [{"owner": "Trưởng đơn vị", "count": 57}]
    ranked = charts.ranked_bars(one, "owner", "count", "Người phụ trách", "Số lượng").to_dict()
    rates = charts.conformity([{"audit": "ĐGNB-2026-01", "unit": "Sở Nội vụ", "rate": 87.3, "answers": 160}],
                              "Đơn vị", "Tỷ lệ phù hợp (%)").to_dict()
    for spec in (ranked, rates):
        assert spec["encoding"]["y"]["title"] is None and spec["encoding"]["x"]["title"]
