"""Time and peak memory of the worst checklist imports we can build (issue 11: at most 200 MB above idle).

    python benchmarks/imports.py [--keep DIR]

Each case runs in its own child process: the child imports everything, reads the input file, resets the
kernel's peak-RSS mark (/proc/self/clear_refs), imports the file as the upload screen does (read the
workbook or YAML, build, and store what is valid into a fresh SQLite database) and reports VmHWM minus
the RSS it had before. Linux only.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

META = {"id": "bench", "version": "1", "standard": "TCVN ISO 9001:2015"}


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def child(path: Path) -> None:
    from qms import bootstrap, checklist_excel, checklist_files, checklists, db
    from qms.errors import QMSError

    engine = db.get_engine(f"sqlite:///{path.parent / (path.name + '.sqlite3')}")
    bootstrap.init(engine)
    raw = path.read_bytes()
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
    idle = _status_kb("VmRSS")
    started = time.perf_counter()
    outcome = ""
    try:
        if path.suffix == ".xlsx":
            result = checklist_excel.import_workbook(raw, meta=META)
            checklist, problems, rows = result.checklist, result.problems, result.rows
        else:
            text, problems = checklist_files.read_text(raw)
            checklist, rows = None, 0
            if text is not None:
                checklist, problems = checklist_files.parse_text(text)
                rows = checklist_files.question_count(checklist) if checklist else 0
        if checklist is not None:
            with db.session_scope(engine) as s:
                outcome = f"{checklists.store(s, checklist, path.name).status}, {rows} questions"
        else:
            outcome = f"refused: {problems[0].key} (line {problems[0].line})"
    except QMSError as exc:
        outcome = f"refused: {exc.key}"
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_mb": (_status_kb("VmHWM") - idle) / 1024, "outcome": outcome}))


# ---- the inputs -------------------------------------------------------------------------------------------

def _workbook(rows) -> bytes:
    import openpyxl
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Checklist")
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _with_huge_part(marker_text: str, body: bytes, repeat: int) -> bytes:
    """Our small workbook with `marker_text` replaced by `body` * `repeat`, written by streaming."""
    source = zipfile.ZipFile(io.BytesIO(_workbook([["clause", "text_vi"], ["7.5.3", marker_text]])))
    out = io.BytesIO()
    marker = marker_text.encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if marker not in data:
                target.writestr(info, data)
                continue
            before, after = data.split(marker)
            with target.open(info.filename, "w", force_zip64=True) as part:
                part.write(before)
                for _ in range(repeat):
                    part.write(body)
                part.write(after)
    return out.getvalue()


def huge_cell(mb: int) -> bytes:
    return _with_huge_part("HUGE", b"x" * (1 << 20), mb)


def huge_cell_vietnamese(mb: int) -> bytes:
    return _with_huge_part("HUGE", "ệ".encode() * ((1 << 20) // 3), mb)


def _empty_rows(mb: int) -> bytes:
    """A sheet of nothing but empty formatted rows, unpacking to `mb`: the longest scan the caps allow."""
    source = zipfile.ZipFile(io.BytesIO(_workbook([["clause", "text_vi"], ["7.5.3", "Có kiểm soát?"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if not info.filename.startswith("xl/worksheets/"):
                target.writestr(info, data)
                continue
            before, after = data.split(b"</sheetData>")
            with target.open(info.filename, "w", force_zip64=True) as part:
                part.write(before)
                written = 0
                # Rows without numbers follow one another and compress to almost nothing.
                chunk = b'<row><c s="0"/></row>' * 10_000
                while written < mb << 20:
                    part.write(chunk)
                    written += len(chunk)
                part.write(b"</sheetData>" + after)
    return out.getvalue()


def rows_100k() -> bytes:
    return _workbook([["clause", "text_vi", "id"], *(["8.5.1", "Có kiểm soát đầu ra?", n] for n in range(100_000))])


def legit_workbook(rows: int, cap_bytes: int) -> bytes:
    """Our own layout, `rows` distinct questions with long guidance, grown until just under the file cap."""
    import random
    random.seed(11)
    words = "tài liệu hồ sơ kiểm soát quy trình bằng chứng phê duyệt ban hành lưu trữ cập nhật đánh giá rủi ro".split()

    def sentence(n: int) -> str:
        return " ".join(random.choice(words) for _ in range(n))

    clauses = ["4.1", "5.1.1", "6.1.1", "7.1.5.1", "7.5.3.1", "8.2.2", "8.4.1", "8.5.1", "9.1.3", "10.2.1"]
    length = 40
    while True:
        header = ["clause", "clause_title_vi", "clause_title_en", "id", "text_vi", "text_en", "guidance_vi",
                  "guidance_en", "na_vi", "na_en"]
        body = [[clauses[n % len(clauses)], "", "", f"Q{n:05d}", sentence(length), sentence(length),
                 sentence(length * 2), sentence(length * 2), "", ""] for n in range(rows - 1)]
        raw = _workbook([header, *body])
        if len(raw) > cap_bytes * 0.9 or length > 200:
            return raw
        length = int(length * min(2.0, cap_bytes * 0.95 / len(raw)))


def laughs(levels: int = 9) -> bytes:
    lines = ['a0: &a0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, levels + 1)]
    lines.append(f"? *a{levels}\n: boom")
    return ("\n".join(lines) + "\n").encode()


def deep(cap_bytes: int) -> bytes:
    half = (cap_bytes - 100) // 2
    return b'id: "x"\nversion: "1"\nclauses: ' + b"[" * half + b"]" * half + b"\n"


def many_nodes(cap_bytes: int) -> bytes:
    """Just under the cap of tiny flow items in one unknown key: the most nodes a file can hold."""
    return b'id: "x"\nversion: "1"\nnoise: [' + b"[]," * ((cap_bytes - 100) // 3) + b"]\n"


def legit_yaml(cap_bytes: int) -> bytes:
    """A valid checklist, as many questions as fit under the cap."""
    from qms import checklist_files, config
    iso, _ = checklist_files.parse_file(config.CHECKLIST_DIR / "tcvn-iso-9001-2015.yaml")
    one = len(checklist_files.dump(iso).encode())
    copies = max(1, int(cap_bytes * 0.97 // one))
    clauses = []
    for clause in iso["clauses"]:
        questions = [dict(q, id=f"{q['id']}-{n}") for n in range(copies) for q in clause["questions"]]
        clauses.append(dict(clause, questions=questions))
    return checklist_files.dump(dict(iso, clauses=clauses)).encode()


def cases() -> list[tuple[str, str, object]]:
    from qms import limits
    cap = limits.imports()
    return [
        ("xlsx: one 100 MB cell (107 KB file, as observed)", "xlsx", lambda: huge_cell(100)),
        (f"xlsx: one cell just under the {cap.unpacked_mb} MB unpack cap", "xlsx",
         lambda: huge_cell(cap.unpacked_mb - 1)),
        ("xlsx: one Vietnamese cell under the unpack cap", "xlsx",
         lambda: huge_cell_vietnamese(cap.unpacked_mb - 1)),
        (f"xlsx: empty rows to the {cap.unpacked_mb} MB unpack cap", "xlsx", lambda: _empty_rows(cap.unpacked_mb - 1)),
        ("xlsx: 100,000 rows", "xlsx", rows_100k),
        (f"xlsx: legitimate, {cap.rows - 1} questions near the {cap.file_mb} MB cap", "xlsx",
         lambda: legit_workbook(cap.rows, cap.file_bytes)),
        ("yaml: billion laughs (aliases)", "yaml", laughs),
        (f"yaml: nesting bomb at the {cap.file_mb} MB cap", "yaml", lambda: deep(cap.file_bytes)),
        (f"yaml: tiny nodes at the {cap.file_mb} MB cap", "yaml", lambda: many_nodes(cap.file_bytes)),
        (f"yaml: legitimate checklist at the {cap.file_mb} MB cap", "yaml", lambda: legit_yaml(cap.file_bytes)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--keep", help="write the inputs to this folder and keep them")
    args = parser.parse_args()
    if args.child:
        child(Path(args.child))
        return
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="qms-bench-imports-"))
    folder.mkdir(parents=True, exist_ok=True)
    print("| case | input bytes | seconds | peak MB above idle | outcome |\n|---|---:|---:|---:|---|")
    for n, (name, suffix, build) in enumerate(cases()):
        path = folder / f"case{n}.{suffix}"
        path.write_bytes(build())
        done = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"| {name} | {path.stat().st_size:,} | – | – | child failed: {done.stderr.strip()[-300:]} |")
            continue
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"| {name} | {path.stat().st_size:,} | {figures['seconds']:.2f} | {figures['peak_mb']:.0f} | "
              f"{figures['outcome']} |", flush=True)


if __name__ == "__main__":
    main()
