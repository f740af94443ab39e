"""The benchmark anyone can rerun: builds a small and a large demo database on SQLite (and PostgreSQL when a
server is given), then measures every page for every role, the key interactions, the printed documents, and
20 auditors saving answers at once through the real server. Prints a table, writes JSON (and Markdown).

    python -m benchmarks                        # small and large (10,000 units) on SQLite, and PostgreSQL if
                                                # QMS_BENCH_POSTGRES or QMS_TEST_DATABASE_URL names a server
    python -m benchmarks --smoke                # small database, one run each, 4 sessions: fails on errors only
    python -m benchmarks --units 1000 --engines sqlite --out /tmp/bench.json --markdown docs/performance.md

Each measurement runs in a process of its own; databases are kept under data/bench/ (PostgreSQL: databases
qms_bench_*) and reused while their schema is current (--fresh builds them again).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Targets of issue 12: what the table marks ✓ or ✗.
PAGE_MS, PAGE_RATIO = 300, 1.5
ACTION_MS, ACTION_STATEMENTS = 150, 40
CONCURRENT_P95_RATIO = 3


def _run(args: list[str], env: dict | None = None, timeout: float = 3600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env={**os.environ, **(env or {})}, timeout=timeout,
                          capture_output=True, text=True)


def _current(url: str, units: int) -> bool:
    """Whether the database exists, holds the demo at this size, and is at the newest schema."""
    from sqlalchemy import func
    from sqlmodel import Session, select

    from qms import db
    from qms.models import Unit
    try:
        engine = db.get_engine(url)
        if db.current_revision(engine) != db.head_revision(engine):
            return False
        with Session(engine) as s:
            return s.exec(select(func.count()).select_from(Unit)).one() == 19 + units
    except Exception:  # missing file or database, an older schema without the tables: build it
        return False


def sqlite_database(name: str, units: int, fresh: bool) -> str:
    path = ROOT / "data" / "bench" / f"{name}.sqlite3"
    url = f"sqlite:///{path}"
    if fresh or not _current(url, units):
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in path.parent.glob(f"{name}.sqlite3*"):
            leftover.unlink()
        _build(url, units)
    return url


def postgres_database(server: str, name: str, units: int, fresh: bool) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    url = make_url(server).set(database=f"qms_bench_{name}").render_as_string(hide_password=False)
    if fresh or not _current(url, units):
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "qms_bench_{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "qms_bench_{name}"'))
        admin.dispose()
        _build(url, units)
    return url


def _build(url: str, units: int) -> None:
    print(f"  building {url.split('@')[-1]} ({19 + units:,} units)…", file=sys.stderr, flush=True)
    started = time.perf_counter()
    done = _run(["-m", "qms", "demo", "--units", str(units)], {"QMS_DATABASE_URL": url, "QMS_LOG_LEVEL": "WARNING"})
    if done.returncode:
        raise SystemExit(f"demo build failed on {url}:\n{done.stderr[-3000:]}")
    print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


def _measure(module: str, url: str, *options: str) -> dict | list:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        target = out.name
    try:
        done = _run(["-m", f"benchmarks.{module}", "--url", url, "--json", target, *options],
                    {"QMS_LOG_LEVEL": "WARNING"})
        if done.returncode:
            raise RuntimeError(f"benchmarks.{module} failed on {url}:\n{done.stderr[-4000:]}")
        return json.loads(Path(target).read_text(encoding="utf-8"))
    finally:
        os.unlink(target)


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    memory = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0) if Path("/proc/meminfo").exists() else 0
    import sqlite3

    import streamlit
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": memory, "system": platform.platform(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "streamlit": streamlit.__version__}


def _postgres_version(url: str) -> str:
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
    engine.dispose()
    return version


def measure(args) -> dict:
    engines = args.engines.split(",")
    server = args.postgres or os.environ.get("QMS_BENCH_POSTGRES") or os.environ.get("QMS_TEST_DATABASE_URL")
    if "postgresql" in engines and not server:
        print("no PostgreSQL server given (--postgres): SQLite only", file=sys.stderr)
        engines = [e for e in engines if e != "postgresql"]
    sizes = {"small": 0} if args.smoke else {"small": 0, "large": args.units}
    result = {"machine": machine(), "started": datetime.now().isoformat(timespec="seconds"),
              "options": {"units": args.units, "repeat": args.repeat, "sessions": args.sessions,
                          "seconds": args.seconds, "smoke": args.smoke}, "runs": {}}
    started = time.perf_counter()
    for engine in engines:
        if engine == "postgresql":
            result["machine"]["postgresql"] = _postgres_version(server)
        for size, units in sizes.items():
            name = size if size == "small" else f"large_{units}"
            print(f"{engine} {size}:", file=sys.stderr, flush=True)
            url = sqlite_database(name, units, args.fresh) if engine == "sqlite" else \
                postgres_database(server, name, units, args.fresh)
            run = {"pages": _measure("pages", url, "--repeat", str(args.repeat))}
            print("  pages measured", file=sys.stderr, flush=True)
            if size == "large" or args.smoke:
                run["pdfs"] = _measure("pdfs", url)
                print("  documents measured", file=sys.stderr, flush=True)
                waves = ["--sessions", str(args.sessions), "--seconds", str(args.seconds),
                         "--saturation-seconds", str(args.saturation_seconds)]
                run["concurrency"] = _measure("concurrency", url, *waves)
                print("  concurrent sessions measured", file=sys.stderr, flush=True)
            result["runs"][f"{engine}-{size}"] = run
    result["seconds"] = round(time.perf_counter() - started)
    return result


def _mark(ok: bool | None) -> str:
    return "" if ok is None else ("✓" if ok else "✗")


def tables(result: dict) -> str:
    """The result as Markdown tables, with each target met (✓) or not (✗)."""
    lines = []
    runs = result["runs"]
    engines = sorted({key.split("-")[0] for key in runs})
    for engine in engines:
        small, large = runs.get(f"{engine}-small"), runs.get(f"{engine}-large")
        floor = small["pages"]["floor"]["median_ms"]
        lines += [f"\n### {engine}: every page, every role (server time of one full run, ms; floor: a page with one "
                  f"title, {floor} ms)\n",
                  "| page | role | small median / p95 | statements | " +
                  ("large median / p95 | of which SQL | × floor | large / small | statements | target |" if large else ""),
                  "|---|---|---|---|" + ("---|---|---|---|---|---|" if large else "")]
        big = {(r["page"], r["role"]): r for r in large["pages"]["pages"]} if large else {}
        for row in small["pages"]["pages"]:
            line = f"| {row['page']} | {row['role']} | {row['median_ms']:.0f} / {row['p95_ms']:.0f} | {row['statements']} |"
            other = big.get((row["page"], row["role"]))
            if other:
                ratio = other["median_ms"] / row["median_ms"] if row["median_ms"] else 0
                ok = other["median_ms"] <= PAGE_MS and (ratio <= PAGE_RATIO or other["median_ms"] <= 2 * floor + 20)
                line += (f" {other['median_ms']:.0f} / {other['p95_ms']:.0f} | {other['sql_ms']:.0f} |"
                         f" {other['median_ms'] / floor:.0f} |"
                         f" {ratio:.2f} | {other['statements']} | {_mark(ok)} |")
            lines.append(line)
        for name, run in (("small", small), ("large", large)):
            if run and run["pages"].get("interactions"):
                lines += [f"\n**{engine} {name}: interactions** (whole page run after the action, AppTest)\n",
                          "| interaction | median / p95 ms | statements | target |", "|---|---|---|---|"]
                for row in run["pages"]["interactions"]:
                    ok = row["median_ms"] <= ACTION_MS and row["statements"] < ACTION_STATEMENTS
                    lines.append(f"| {row['interaction']} | {row['median_ms']:.0f} / {row['p95_ms']:.0f} | "
                                 f"{row['statements']} | {_mark(ok)} |")
        for name, run in (("small", small), ("large", large)):
            if run and run.get("pdfs"):
                lines += [f"\n**{engine} {name}: documents**\n",
                          "| document | what | data s | PDF s | KB | process peak MB |", "|---|---|---|---|---|---|"]
                lines += [f"| {d['document']} | {d['subject']} | {d['gather_s'] if d['gather_s'] is not None else '—'} |"
                          f" {d['build_s']} | {d['kb']} | {d['peak_mb']} |" for d in run["pdfs"]]
            if run and run.get("concurrency"):
                c = run["concurrency"]
                ok = (c["together"]["p95_ms"] or 0) <= CONCURRENT_P95_RATIO * (c["single"]["p95_ms"] or 0) \
                    and not c["together"]["errors"] and not c["together"]["lost"]
                lines += [f"\n**{engine} {name}: auditors saving answers through the real server** "
                          f"(server peak {c['server_peak_mb']} MB, {c['server_errors']} errors in its log)\n",
                          "| sessions | pace | saves | p50 ms | p95 ms | saves/s | errors | lost | target |",
                          "|---|---|---|---|---|---|---|---|---|"]
                for label, key, pace in (("one", "single", "3–8 s"), ("all", "together", "3–8 s"),
                                         ("one", "saturation_single", "none"), ("all", "saturation", "none")):
                    w = c[key]
                    lines.append(f"| {w['sessions']} | {pace} | {w['saves']} | {w['p50_ms']} | {w['p95_ms']} | "
                                 f"{w['saves_per_second']} | {w['errors']} | {w['lost']} | "
                                 f"{_mark(ok) if key == 'together' else ''} |")
    return "\n".join(lines) + "\n"


def failures(result: dict) -> list[str]:
    """What the smoke run fails on: errors and lost answers, never times."""
    found = []
    for name, run in result["runs"].items():
        c = run.get("concurrency")
        if c:
            for key in ("single", "together", "saturation", "saturation_single"):
                if c[key]["errors"] or c[key]["lost"] or not c[key]["saves"]:
                    found.append(f"{name} {key}: {c[key]['saves']} saves, {c[key]['errors']} errors "
                                 f"{c[key]['error_samples']}, {c[key]['lost']} lost")
            if c["server_errors"]:
                found.append(f"{name}: server log errors {c['server_error_samples']}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (postgresql+psycopg://…); databases are made on it")
    parser.add_argument("--units", type=int, default=10_000, help="extra units of the large database")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each page (median, p95)")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60, help="length of each wave of paced sessions")
    parser.add_argument("--saturation-seconds", type=float, default=20)
    parser.add_argument("--fresh", action="store_true", help="build the databases again")
    parser.add_argument("--smoke", action="store_true", help="small database, one run, 4 sessions; fails on errors")
    parser.add_argument("--out", default=str(ROOT / "data" / "bench" / "results.json"))
    parser.add_argument("--markdown", help="also write the tables and the machine to this Markdown file")
    args = parser.parse_args()
    if args.smoke:
        args.repeat, args.sessions, args.seconds, args.saturation_seconds = 1, 4, 6, 3
    result = measure(args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    text = tables(result)
    print(text)
    m = result["machine"]
    about = (f"Measured {result['started']} in {result['seconds']} s on {m['cpu']} ({m['cores']} cores, "
             f"{m['memory_mb']:,} MB), {m['system']}, Python {m['python']}, SQLite {m['sqlite']}"
             + (f", PostgreSQL {m['postgresql']}" if m.get("postgresql") else "") + f", Streamlit {m['streamlit']}.")
    print(about)
    if args.markdown:
        Path(args.markdown).write_text(f"# Latest benchmark run\n\n`python -m benchmarks` — {about}\n{text}",
                                       encoding="utf-8")
    problems = failures(result)
    for problem in problems:
        print(f"FAILED {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
