"""Every page for every demo role, run in-process as the server runs it: server time of one full run (median, p95),
statements, SQL time; then the key interactions (an answer saved, a finding raised, a finding opened).

    python -m benchmarks.pages --url sqlite:///data/bench/small.sqlite3 [--repeat 5] [--json out.json]

Run once per database, in its own process (caches and peak memory are the process's own).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.apptest import Counter, full_run, signed_in, trigger  # noqa: E402

FLOOR_SCRIPT = "import streamlit as st\nst.title('QMS')\n"
ROLES = ("admin", "isorep", "auditor", "auditee", "viewer")  # demo.PEOPLE: one user per role


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def summary(times: list[float], counts: list[int], sql: list[float]) -> dict:
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 0.95), 1),
            "statements": max(counts), "sql_ms": round(statistics.median(sql), 1), "runs": len(times)}


def floor(repeat: int) -> dict:
    """A page that draws one title: what AppTest and Streamlit cost before any of ours."""
    from streamlit.testing.v1 import AppTest
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(FLOOR_SCRIPT)
    try:
        at = AppTest.from_file(f.name).run()
        times = []
        for _ in range(repeat + 1):
            started = time.perf_counter()
            at.run()
            times.append((time.perf_counter() - started) * 1000)
    finally:
        os.unlink(f.name)
    return summary(times[1:], [0], [0.0])


def _measure(at, counter: Counter, repeat: int, before=None) -> dict:
    times, counts, sql = [], [], []
    full_run(at, counter)  # warm: imports, the page's first widgets
    for _ in range(repeat):
        if before is not None:
            before()
        ms, n = full_run(at, counter)
        times.append(ms)
        counts.append(n)
        sql.append(counter.seconds * 1000)
    if at.exception:
        raise RuntimeError(f"page raised: {at.exception[0].message}")
    return summary(times, counts, sql)


def _visible_finding(engine, username: str) -> int | None:
    """A finding the user may open: an issued one in their scope, with a corrective action if any."""
    from qms import clock, findings
    from qms.models import User
    with Session(engine) as s:
        user_id = s.exec(select(User.id).where(User.username == username)).one()
        rows, _total = findings.register(s, user_id, findings.RegisterFilter(status="plan_accepted"), clock.today(), 0, 1)
        if not rows:
            rows, _total = findings.register(s, user_id, findings.RegisterFilter(), clock.today(), 0, 1)
    return rows[0]["id"] if rows else None


def pages(engine, counter: Counter, repeat: int, roles=ROLES, lang: str = "vi") -> list[dict]:
    """Each page each role sees, plus a finding's page and the dashboard with its figures not cached."""
    from qms.ui.nav import ACCOUNT, visible_paths
    out = []
    for username in roles:
        at = signed_in(username, lang)
        paths = visible_paths(_roles_of(engine, username)) + [ACCOUNT]
        for path in paths:
            at.switch_page(path).run()
            out.append({"page": Path(path).stem, "role": username, **_measure(at, counter, repeat)})
            if path.endswith("dashboard.py"):  # the first view ever: no snapshot yet, every figure counted
                out.append({"page": "dashboard_first_count", "role": username,
                            **_measure(at, counter, repeat, before=lambda: _forget_counts(engine))})
            if path.endswith("review.py"):  # the meeting screen: live figures, one input per screen
                review_id = _first_review(engine)
                if review_id is not None:
                    for name, value in {"review_present": True, "review_id": review_id, "review_section": 0}.items():
                        at.session_state[name] = value
                    out.append({"page": "review_meeting", "role": username, **_measure(at, counter, repeat)})
                    out.append({"page": "review_meeting_first_count", "role": username,
                                **_measure(at, counter, repeat, before=lambda: _forget_counts(engine))})
                    at.session_state["review_present"] = False
        finding = _visible_finding(engine, username)
        if finding is not None:
            at.switch_page("pages/findings.py")
            at.query_params["finding"] = str(finding)
            at.run()
            out.append({"page": "finding", "role": username, **_measure(at, counter, repeat)})
        print(f"  {username}: {len(paths) + 2} pages", file=sys.stderr, flush=True)
    return out


def _forget_counts(engine) -> None:
    """Figures counted before are gone: stored snapshots, and Streamlit's cache (the code before issue 12)."""
    import streamlit as st
    from sqlalchemy import delete

    from qms import models
    st.cache_data.clear()
    if hasattr(models, "Snapshot"):
        with Session(engine) as s:
            s.exec(delete(models.Snapshot))
            s.commit()


def _first_review(engine) -> int | None:
    from qms.models import ManagementReview
    with Session(engine) as s:
        return s.exec(select(ManagementReview.id).order_by(ManagementReview.held_on.desc())).first()


def _roles_of(engine, username: str) -> list[str]:
    from qms.models import User, UserRole
    with Session(engine) as s:
        return [str(r) for r in s.exec(select(UserRole.role).join(User, User.id == UserRole.user_id)
                                       .where(User.username == username)).all()]


def _answer_box(at) -> dict:
    from benchmarks.apptest import component
    return json.loads(component(at, "answer_box").proto.json)


def _next_open(at):
    from qms.i18n import t
    return next(b for b in at.button if b.label == t("audit_day.next_open", "vi"))


def interactions(engine, counter: Counter, repeat: int) -> list[dict]:
    """An auditor's answer saves (a result, then evidence), raising a finding from one, and opening a finding."""
    from qms.i18n import t
    at = signed_in("auditor")
    at.switch_page("pages/audit_day.py").run()
    saves, raises = {"times": [], "counts": [], "sql": []}, {"times": [], "counts": [], "sql": []}
    for n in range(repeat * 2):
        box = _answer_box(at)
        result = "nc_minor" if n % 2 else "conform"
        draft = {"au": box["au"], "item": box["item"], "field": "result", "text": result,
                 "base": box["values"]["result"] or "", "nonce": uuid.uuid4().hex, "sent": []}
        at.session_state["_session_checked_at"] = -1e9
        with counter.counting():
            started = time.perf_counter()
            trigger(at, "answer_box", "save", {"drafts": [draft]})
            saves["times"].append((time.perf_counter() - started) * 1000)
        saves["counts"].append(counter.count)
        saves["sql"].append(counter.seconds * 1000)
        if result == "nc_minor":
            button = next((b for b in at.button if b.label == t("audit_day.raise_finding", "vi")), None)
            if button is not None:
                at.session_state["_session_checked_at"] = -1e9
                with counter.counting():
                    started = time.perf_counter()
                    button.click().run()
                    raises["times"].append((time.perf_counter() - started) * 1000)
                raises["counts"].append(counter.count)
                raises["sql"].append(counter.seconds * 1000)
        _next_open(at).click().run()
    out = [{"interaction": "answer_save", "role": "auditor", **summary(saves["times"], saves["counts"], saves["sql"])}]
    if raises["times"]:
        out.append({"interaction": "raise_finding", "role": "auditor",
                    **summary(raises["times"], raises["counts"], raises["sql"])})
    finding = _visible_finding(engine, "isorep")
    at = signed_in("isorep")
    at.switch_page("pages/findings.py").run()
    times, counts, sql = [], [], []
    for _ in range(repeat):
        at.query_params.pop("finding", None)
        at.run()
        at.query_params["finding"] = str(finding)
        ms, n = full_run(at, counter)
        times.append(ms)
        counts.append(n)
        sql.append(counter.seconds * 1000)
    out.append({"interaction": "open_finding", "role": "isorep", **summary(times, counts, sql)})
    return out


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json")
    parser.add_argument("--no-interactions", action="store_true", help="leave the database as it is")
    args = parser.parse_args()
    os.environ["QMS_DATABASE_URL"] = args.url
    os.environ.setdefault("QMS_LOG_LEVEL", "WARNING")
    from qms import db
    engine = db.get_engine(args.url)
    counter = Counter(engine)
    result = {"url": engine.url.render_as_string(hide_password=True), "floor": floor(args.repeat),
              "pages": pages(engine, counter, args.repeat)}
    if not args.no_interactions:
        result["interactions"] = interactions(engine, counter, args.repeat)
    result["peak_mb"] = peak_mb()
    text = json.dumps(result, indent=1, default=str)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
