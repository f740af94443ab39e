"""Taps and seconds per question on audit day, scripted in Debian Chromium against a running server.

    python -m qms serve --port 8501 &        # on a database with an open audit unit
    python benchmarks/audit_walk.py --url http://127.0.0.1:8501 --user auditor2 --unit 23 [--evidence]

Each question: tap a result, optionally type the evidence, then tap "next unanswered question"; a question is
done when the next one is on screen and the app is idle. Prints taps per question and the median / p95 seconds.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from playwright.sync_api import sync_playwright

KEY = re.compile(r"^ISO-[\d.]+-\d+$")


def idle(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--user", default="auditor2")
    parser.add_argument("--password", default="demo-qms-2026")
    parser.add_argument("--unit", type=int, required=True, help="the audit unit's id")
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--evidence", action="store_true", help="also type a line of evidence on each question")
    parser.add_argument("--next-label", default="Câu chưa trả lời tiếp theo")
    parser.add_argument("--width", type=int, default=768)
    args = parser.parse_args()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(base_url=args.url, viewport={"width": args.width, "height": 1000})
        page.goto("/")
        idle(page)
        page.get_by_label("Tên đăng nhập").fill(args.user)
        page.get_by_label("Mật khẩu").fill(args.password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_selector("[data-testid='stSidebar']", state="attached")
        idle(page)
        page.goto(f"/audit_day?unit={args.unit}")
        idle(page)
        # The answer component; before it, Streamlit's own segmented control (to measure the old screen too).
        page.wait_for_selector(".qms-answer, [data-testid='stButtonGroup']")
        results = page.locator(".qms-answer") if page.locator(".qms-answer").count() else \
            page.locator("[data-testid='stButtonGroup']").filter(has=page.get_by_text("Phù hợp", exact=True))
        seconds, taps = [], 0
        for _ in range(args.questions):
            here = page.locator("strong").filter(has_text=KEY).first.inner_text()
            start = time.perf_counter()
            results.get_by_role("radio", name="Phù hợp", exact=True).click()
            taps += 1
            idle(page)
            if args.evidence:
                field = page.get_by_label("Bằng chứng / ghi chép", exact=True)
                field.click()
                taps += 1
                field.fill(f"Đã đối chiếu hồ sơ ({here})")
            page.get_by_role("button", name=args.next_label).click()
            taps += 1
            page.locator("strong").filter(has_text=KEY).filter(has_not_text=here).first.wait_for()
            idle(page)
            seconds.append(time.perf_counter() - start)
        browser.close()
    n = len(seconds)
    print(f"{n} questions: {taps / n:.1f} taps per question, median {statistics.median(seconds):.2f} s, "
          f"p95 {sorted(seconds)[max(0, int(0.95 * n) - 1)]:.2f} s per question")


if __name__ == "__main__":
    main()
