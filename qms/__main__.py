"""Command line: python -m qms init | demo | serve | user add/reset-password/unlock | checklist | answers | report |
remind | backup | restore."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from pathlib import Path

from sqlmodel import select

from qms import (audits, bootstrap, checklist_excel, checklist_files, checklists, clock, config, db,
                 backup, limits, logs, reminders, units, users)
from qms.errors import QMSError, ValidationError
from qms.i18n import message, t
from qms.models import Audit, Finding, ManagementReview

# The documents (fpdf2, Altair, pandas) and the demo builder are imported by the commands that use them: every
# app server starts through `serve`, and importing them all cost it a second and a half.

LANG = config.default_language()


def _print_problems(source: str, problems) -> None:
    """One "FILE:LINE: message" line per problem, on standard error (editors and CI read this form)."""
    for p in problems:
        print(f"{source}:{p.line}: {t(p.key, LANG, **p.params)}", file=sys.stderr)


def _print_load(results: list[checklists.LoadResult]) -> None:
    for r in results:
        if r.status == "invalid":
            _print_problems(r.source, r.problems)
        else:
            print(t(f"cli.checklist_{r.status}", LANG, source=r.source, version=r.version))


def cmd_init(_args) -> int:
    results = bootstrap.init()
    _print_load(results)
    print(t("cli.init_done", LANG, url=db.get_engine().url.render_as_string(hide_password=True)))
    return 0


def cmd_demo(args) -> int:
    from qms import demo
    bootstrap.init()
    started = time.perf_counter()
    with db.session_scope() as session:
        if demo.is_demo(session):
            print(t("cli.demo_present", LANG))
            return 0
        counts = demo.build(session, units=args.units, years=args.years, seed=args.seed)
    demo.settle(db.get_engine())
    print(t("cli.demo_done", LANG, seconds=f"{time.perf_counter() - started:.1f}", **counts))
    return 0


def cmd_serve(args) -> int:
    """Start an app server on a database `init` has brought up to date (it never migrates on its own)."""
    bootstrap.require_current()
    server = Path(__file__).parent / "ui" / "server.py"
    argv = [sys.executable, "-m", "streamlit", "run", str(server), "--server.port", str(args.port),
            "--server.baseUrlPath", config.settings().base_path.strip("/"),
            *(["--server.address", args.address] if args.address else []),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--client.toolbarMode", "minimal", "--server.maxUploadSize", "200", "--server.fileWatcherType", "none",
            "--client.disableDataExport", "true",  # tables' CSV download would pass =formulas on to Excel
            "--client.showErrorDetails", "none",  # tracebacks go to the log (with a reference), never to a browser
            # A full garbage collection after every run, a fragment's included, took over half the server's time
            # under 20 auditors (about 100 ms of each answer save); Python's own collector still runs as usual.
            "--runner.postScriptGC", "false",
            *args.streamlit_args]
    os.execv(sys.executable, argv)


def cmd_user_add(args) -> int:
    password = args.password or os.environ.get("QMS_NEW_PASSWORD") or getpass.getpass()
    bootstrap.init()
    with db.session_scope() as session:
        unit_ids = [units.id_for_code(session, code) for code in args.unit or []]
        user_id = users.create_user(session, None, args.username, args.full_name or args.username, password,
                                    args.role, unit_ids, args.language)
    print(t("cli.user_added", LANG, username=args.username, id=user_id))
    return 0


def _new_password() -> str:
    """Asked twice on a terminal; otherwise one line of standard input (scripts, pipes)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass(t("cli.new_password", LANG))
    if getpass.getpass(t("cli.repeat_password", LANG)) != password:
        raise ValidationError("error.password_mismatch")
    return password


def cmd_user_reset_password(args) -> int:
    """Set a password for NAME; they choose their own at next sign-in and every open session of theirs ends."""
    bootstrap.init()
    with db.session_scope() as session:
        user_id = users.id_for_username(session, args.username)
        users.reset_password(session, None, user_id, _new_password())
    print(t("cli.password_reset", LANG, username=args.username))
    return 0


def cmd_user_unlock(args) -> int:
    """Clear NAME's sign-in delay."""
    bootstrap.init()
    with db.session_scope() as session:
        users.unlock(session, None, users.id_for_username(session, args.username))
    print(t("cli.user_unlocked", LANG, username=args.username))
    return 0


def cmd_checklist_validate(args) -> int:
    failed = False
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            print(f"{name}:1: {t('checklist.err.no_file', LANG)}", file=sys.stderr)
            failed = True
            continue
        checklist, problems = checklist_files.parse_file(path)
        _print_problems(name, problems)
        failed |= bool(problems)
        if checklist is not None:
            print(t("cli.checklist_valid", LANG, source=name, questions=checklist_files.question_count(checklist)))
    return 1 if failed else 0


def _row_number(value: str) -> int:
    """A sheet row as people count them: 1 is the first (0 would silently mean the last)."""
    if not value.strip().isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: rows are numbered from 1")
    return int(value)


def cmd_checklist_import(args) -> int:
    """A YAML file, or a workbook (our export, or any layout whose headers we recognise)."""
    path = Path(args.file)
    bootstrap.init()
    questions = None
    if path.suffix.lower() == ".xlsx":
        meta = {k: v for k, v in {"id": args.id, "version": args.version, "standard": args.standard,
                                  "title_vi": args.title_vi, "title_en": args.title_en}.items() if v}
        raw = checklist_files.read_capped(path)
        try:
            mapping = dict(checklist_excel.parse_map(spec) for spec in args.map or [])
            meta["standard_titles"] = args.standard_titles
            built = checklist_excel.ImportResult(None, checklist_files.too_large()) if raw is None else \
                checklist_excel.import_workbook(raw, args.sheet, mapping, meta, args.header_row, args.lang)
        except ValidationError as exc:  # not a workbook, or one that unpacks too large: FILE:1: message
            built = checklist_excel.ImportResult(None, [checklist_files.Problem(1, exc.key, exc.params)])
        if built.checklist is None:
            result = checklists.LoadResult(path.name, "invalid", problems=built.problems)
        else:
            questions = built.rows
            with db.session_scope() as session:
                result = checklists.store(session, built.checklist, path.name)
            for clause, _lang, given, official in built.other_titles:
                print(t("cli.other_title", LANG, source=path.name, clause=clause, given=given, official=official,
                        kept=official if args.standard_titles else given), file=sys.stderr)
    else:
        with db.session_scope() as session:
            result = checklists.load_file(session, path)
    logs.event("import", source=path.name, kind="checklist", rows=questions, status=result.status,
               reason=result.problems[0].key if result.problems else None)
    _print_load([result])
    return 1 if result.status == "invalid" else 0


def cmd_checklist_export(args) -> int:
    """Write a stored version (the newest by default) as .xlsx or .yaml, by the output's extension."""
    bootstrap.init()
    with db.session_scope() as session:
        rows = [c for c in checklists.list_checklists(session) if c["code"] == args.code
                and (args.version is None or c["version"] == args.version)]
        if not rows:
            print(t("error.checklist_missing", LANG), file=sys.stderr)
            return 1
        out = Path(args.output)
        data = checklists.export(session, rows[-1]["id"], "xlsx" if out.suffix.lower() == ".xlsx" else "yaml")
    out.write_bytes(data)
    print(t("cli.checklist_exported", LANG, source=args.code, version=rows[-1]["version"], output=str(out)))
    return 0


def _write_report(args, find, build, missing_key: str) -> int:
    """Look the record up (`find` gives its id or None), build its PDF in the same session, write it out."""
    output = Path(args.output)
    if not output.parent.is_dir():  # said before the build; creating folders from a mistyped path would hide the typo
        print(t("cli.folder_missing", LANG, folder=output.parent), file=sys.stderr)
        return 2
    bootstrap.init()
    started = time.perf_counter()
    with db.session_scope() as session:
        record_id = find(session)
        if record_id is None:
            print(t(missing_key, LANG), file=sys.stderr)
            return 1
        pdf = build(session, record_id)
    output.write_bytes(pdf)
    logs.event("report", kind=args.action, output=output, bytes=len(pdf), replaced=pdf.replaced,
               seconds=f"{time.perf_counter() - started:.1f}")
    print(t("cli.report_written", LANG, output=args.output))
    if pdf.replaced:
        from qms.reports.pdf import MARK
        print(t("report.replaced_chars", LANG, n=pdf.replaced, mark=MARK, chars=pdf.missing), file=sys.stderr)
    return 0


def cmd_report_worksheet(args) -> int:
    """The worksheet of one audited unit, as PDF: blank (to fill in on paper) or with the answers recorded."""
    from qms import offline, report_data
    from qms.reports import worksheet
    return _write_report(args, lambda s: _audit_unit_id(s, args), lambda s, audit_unit_id: worksheet.build(
        offline.worksheet(s, None, audit_unit_id, args.lang, filled=not args.blank), args.lang,
        report_data.letterhead(s, args.lang)), "cli.worksheet_missing")


def _audit_unit_id(session, args) -> int | None:
    """The audited unit --unit of audit CODE."""
    from qms.models import AuditUnit, Unit
    return session.exec(select(AuditUnit.id).join(Unit, Unit.id == AuditUnit.unit_id).join(
        Audit, Audit.id == AuditUnit.audit_id).where(Audit.code == args.code, Unit.code == args.unit)).first()


def cmd_procedures_import(args) -> int:
    """A procedure list into a unit's register: lists new, amended and abolished procedures, then saves them (one
    transaction) unless --dry-run; prints the processes left lagging."""
    from qms import procedures, processes
    path = Path(args.file)
    bootstrap.init()
    cap = limits.procedure_lists()
    raw = checklist_files.read_capped(path, cap)
    try:
        decided = procedures.parse_date(args.date or "")
    except ValueError:
        print(t("procedures.err.date", LANG, value=args.date), file=sys.stderr)
        return 2
    try:
        mapping = dict(checklist_excel.parse_map(spec, procedures.ROLES, procedures.ALIASES) for spec in args.map or [])
        entries, problems = ([], checklist_files.too_large(cap)) if raw is None else procedures.read_workbook(
            raw, args.sheet, mapping, args.header_row, decision_number=args.decision or "", decision_date=decided)
    except ValidationError as exc:
        entries, problems = [], [checklist_files.Problem(1, exc.key, exc.params)]
    _print_problems(path.name, problems)
    if problems:
        logs.event("import", source=path.name, kind="procedures", status="invalid", reason=problems[0].key)
        return 1
    with db.session_scope() as session:
        unit_id = units.id_for_code(session, args.unit)
        found = procedures.preview(session, None, unit_id, entries)
        for row in found.outdated:
            print(f"{path.name}:{row['row']}: " + t("procedures.outdated_row", LANG, code=row["code"]), file=sys.stderr)
        for kind in ("new", "amended", "abolished"):
            for row in getattr(found, kind):
                print(f"{path.name}:{row['row']}: {t(f'procedures.kind.{kind}', LANG)} {row['code']} {row['name']}")
        print(t("procedures.summary", LANG, new=len(found.new), amended=len(found.amended),
                abolished=len(found.abolished), unchanged=found.unchanged))
        _print_problems(path.name, found.problems)
        if found.problems:
            return 1
        if args.dry_run:
            return 0
        procedures.apply(session, None, unit_id, entries, source=path.name)
        flags = processes.flags(session, None, clock.today(), unit_ids=units.descendant_ids(session, unit_id))
    logs.event("import", source=path.name, kind="procedures", rows=len(entries), status="saved")
    for flag in flags:
        print(t(f"processes.flag.{flag.kind}", LANG, procedure=flag.procedure, process=flag.process,
                days=flag.days_late, unit=flag.unit))
    return 0


def cmd_answers_export(args) -> int:
    """The offline workbook of one audited unit (--unit) or of every unit of the audit USER audits."""
    from qms import offline
    output = Path(args.output)
    if not output.parent.is_dir():
        print(t("cli.folder_missing", LANG, folder=output.parent), file=sys.stderr)
        return 2
    bootstrap.init()
    with db.session_scope() as session:
        actor = users.id_for_username(session, args.user)
        audit_id = _audit_id(args)(session)
        if audit_id is None:
            print(t("error.audit_missing", LANG), file=sys.stderr)
            return 1
        if args.unit:
            unit_id = _audit_unit_id(session, args)
            if unit_id is None:
                print(t("cli.answers_no_unit", LANG, unit=args.unit, code=args.code), file=sys.stderr)
                return 1
            raw = offline.export(session, actor, lang=args.lang, audit_unit_id=unit_id)
        else:
            raw = offline.export(session, actor, lang=args.lang, audit_id=audit_id)
    output.write_bytes(raw)
    print(t("cli.answers_exported", LANG, output=output))
    return 0


def _answer_line(values: dict) -> str:
    result = t(f"result.{values['result']}", LANG) if values["result"] else "—"
    return f"{result}: {values['evidence']}" if values["evidence"] else result


def cmd_answers_import(args) -> int:
    """Show what a filled offline workbook would change; save it (one transaction) only with --yes."""
    from qms import offline
    path = Path(args.file)
    raw = path.read_bytes()
    choices = {}
    for spec in args.row or []:
        number, _, choice = spec.partition("=")
        if not number.isdigit() or choice not in ("mine", "theirs"):
            print(t("cli.answers_bad_row", LANG, spec=spec), file=sys.stderr)
            return 2
        choices[int(number)] = choice
    bootstrap.init()
    with db.session_scope() as session:
        actor = users.id_for_username(session, args.user)
        found = offline.preview(session, actor, raw)
        print(t("offline.summary", LANG, new=len(found.new), changed=len(found.changed),
                unchanged=found.unchanged, conflicts=len(found.conflicts), refused=len(found.refused)))
        for entry in found.new + found.changed:
            print(f"{path.name}:{entry['row']}: {entry['clause']} {_answer_line(entry['mine'])}")
        for entry in found.conflicts:
            print(f"{path.name}:{entry['row']}: {entry['clause']} " + t(
                "cli.answers_conflict", LANG, mine=_answer_line(entry["mine"]), theirs=_answer_line(entry["theirs"]),
                who=entry["theirs"]["answered_by"] or "—"))
        for refusal in found.refused:
            print(f"{path.name}:{refusal['row']}: {offline.refusal_text(refusal, LANG)}", file=sys.stderr)
        if found.refused:
            print(t("offline.err.refused_rows", LANG, n=len(found.refused)), file=sys.stderr)
            return 1
        choices = {c["row"]: (choices.get(c["row"], args.keep), c["version"]) for c in found.conflicts}
        unchosen = [str(row) for row, (choice, _) in choices.items() if choice is None]
        if unchosen:
            print(t("cli.answers_choose", LANG, rows=", ".join(unchosen)), file=sys.stderr)
            return 1
        if not args.yes:
            print(t("cli.answers_dry", LANG))
            return 0
        done = offline.apply(session, actor, raw, choices)
    logs.event("import", source=path.name, kind="answers", rows=done["saved"], status="saved")
    print(t("offline.saved", LANG, **done))
    return 0


def _audit_id(args):
    return lambda session: session.exec(select(Audit.id).where(Audit.code == args.code)).first()


def cmd_report_plan(args) -> int:
    """The audit plan of one audit, as PDF."""
    from qms.reports import audit_plan
    from qms import report_data
    return _write_report(args, _audit_id(args), lambda s, audit_id: audit_plan.build(
        audits.plan_document(s, None, audit_id, args.lang), args.lang, report_data.letterhead(s, args.lang)),
        "error.audit_missing")


def cmd_report_audit(args) -> int:
    """The internal audit report of one audit, as PDF."""
    from qms import report_data
    from qms.reports import audit_report
    return _write_report(args, _audit_id(args), lambda s, audit_id: audit_report.build(
        report_data.audit_report(s, None, audit_id, args.lang), args.lang), "error.audit_missing")


def cmd_report_review(args) -> int:
    """The management review pack of review ID, as PDF."""
    from qms import report_data
    from qms.reports import review_pack
    return _write_report(
        args, lambda s: args.id if s.get(ManagementReview, args.id) else None,
        lambda s, review_id: review_pack.build(report_data.review_pack(s, None, review_id, clock.today()),
                                               report_data.letterhead(s, args.lang), args.lang),
        "error.review_missing")


def cmd_report_car(args) -> int:
    """The corrective action request form of one finding, as PDF."""
    from qms.reports import car
    return _write_report(
        args, lambda s: s.exec(select(Finding.id).where(Finding.code == args.code)).first(),
        lambda s, finding_id: car.for_finding(s, None, finding_id, args.lang),
        "error.finding_missing")


def cmd_remind(args) -> int:
    """E-mail due and overdue work to the people it waits for (needs QMS_SMTP_HOST)."""
    bootstrap.init()
    smtp = reminders.SmtpConfig.from_env()
    with db.session_scope() as session:
        if args.dry_run or smtp is None:
            batches = reminders.collect(session, clock.today())
            for address, batch in batches.items():
                print(f"{address}: {len(batch['lines'])}")
            if smtp is None and not args.dry_run:
                print(t("cli.smtp_off", LANG))
            return 0
        sent = reminders.send(session, clock.today(), smtp)
    print(t("cli.reminders_sent", LANG, n=sent))
    return 0


def cmd_backup(args) -> int:
    """A consistent copy of the live database: the portable archive, or with --format sqlite the raw SQLite file."""
    engine = db.get_engine(args.database_url)
    out = Path(args.output)
    if args.format == "sqlite":
        backup.sqlite_copy(engine, out)
        print(t("cli.backup_sqlite_done", LANG, output=out))
        return 0
    started = time.perf_counter()
    manifest = backup.backup_file(engine, out)
    print(t("cli.backup_done", LANG, output=out, tables=len(manifest["tables"]), size=out.stat().st_size,
            rows=sum(table["rows"] for table in manifest["tables"]), seconds=f"{time.perf_counter() - started:.1f}"))
    return 0


def cmd_restore(args) -> int:
    """Replace every record of the database with an archive's, once the database's name is typed (or --yes)."""
    engine = db.get_engine(args.database_url)
    path = Path(args.file)
    manifest = backup.peek(path)
    rows = sum(table["rows"] for table in manifest["tables"])
    name = backup.target_name(engine)
    if not args.yes:
        if not sys.stdin.isatty():
            raise ValidationError("error.restore_needs_yes")
        print(t("cli.restore_confirm", LANG, name=name, created_at=manifest["created_at"], rows=rows),
              end="", file=sys.stderr, flush=True)
        if sys.stdin.readline().strip() != name:
            print(t("cli.restore_cancelled", LANG), file=sys.stderr)
            return 1
    started = time.perf_counter()
    safety = path.resolve().with_name(f"qms-before-restore-{clock.now():%Y%m%d-%H%M%S}.zip")
    backup.restore(engine, path, safety=safety)
    if safety.exists():
        print(t("cli.restore_safety", LANG, path=safety), file=sys.stderr)
    print(t("cli.restore_done", LANG, rows=rows, name=name, revision=manifest["revision"],
            seconds=f"{time.perf_counter() - started:.1f}"))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m qms", description="QMS Audit Assistant")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create or upgrade the database, load bundled checklists").set_defaults(fn=cmd_init)
    d = sub.add_parser("demo", help="fill an empty database with a demo organisation")
    d.add_argument("--units", type=int, default=0, help="extra communes/wards to generate (benchmarks)")
    d.add_argument("--years", type=int, default=1, help="past years of audit history")
    d.add_argument("--seed", type=int, default=2026)
    d.set_defaults(fn=cmd_demo)
    s = sub.add_parser("serve", help="start the web app")
    s.add_argument("--port", type=int, default=8501)
    s.add_argument("--address", help="the address to listen on (127.0.0.1 behind a web server on the same machine)")
    s.add_argument("streamlit_args", nargs=argparse.REMAINDER, help="further options passed to streamlit run")
    s.set_defaults(fn=cmd_serve)
    u = sub.add_parser("user", help="user accounts").add_subparsers(dest="action", required=True)
    ua = u.add_parser("add", help="add a user")
    ua.add_argument("username")
    ua.add_argument("--full-name")
    ua.add_argument("--role", action="append", required=True, choices=["admin", "iso_rep", "auditor", "auditee", "viewer"])
    ua.add_argument("--unit", action="append", help="unit code (repeat for several)")
    ua.add_argument("--language", default="vi", choices=list(config.LANGUAGES))
    ua.add_argument("--password", help="or QMS_NEW_PASSWORD, or asked for")
    ua.set_defaults(fn=cmd_user_add)
    ur = u.add_parser("reset-password", help="set a new password (asked twice, or one line from standard input); "
                                            "the user must change it at next sign-in")
    ur.add_argument("username")
    ur.set_defaults(fn=cmd_user_reset_password)
    ul = u.add_parser("unlock", help="clear a user's sign-in delay after failed attempts")
    ul.add_argument("username")
    ul.set_defaults(fn=cmd_user_unlock)
    c = sub.add_parser("checklist", help="checklist files").add_subparsers(dest="action", required=True)
    cv = c.add_parser("validate", help="check files; prints FILE:LINE: message per problem, exit 1 if any")
    cv.add_argument("files", nargs="+")
    cv.set_defaults(fn=cmd_checklist_validate)
    ci = c.add_parser("import", help="load a checklist file (.yaml or .xlsx) as a new version")
    ci.add_argument("file")
    ci.add_argument("--sheet", help="workbook sheet (default: 'Checklist' or the first)")
    ci.add_argument("--header-row", type=_row_number, default=1, help="1 for the first row (default)")
    for name in ("id", "version", "standard", "title-vi", "title-en"):
        ci.add_argument(f"--{name}", help="for a workbook without our Info sheet")
    ci.add_argument("--map", action="append", metavar="ROLE=COLUMN",
                    help="a workbook column for a role, by letter or number: --map clause=B --map question_en=D "
                         f"(roles: {', '.join(checklist_excel.ROLES)}; question_vi/question_en name the texts)")
    ci.add_argument("--lang", choices=["vi", "en"], help="the language of a one-language workbook's texts")
    ci.add_argument("--standard-titles", action="store_true",
                    help="store the standard's clause titles where the workbook words them otherwise")
    ci.set_defaults(fn=cmd_checklist_import)
    ce = c.add_parser("export", help="write a checklist version to FILE.xlsx or FILE.yaml")
    ce.add_argument("code")
    ce.add_argument("--version")
    ce.add_argument("-o", "--output", required=True)
    ce.set_defaults(fn=cmd_checklist_export)
    a = sub.add_parser("answers", help="offline workbooks of an audit's answers").add_subparsers(
        dest="action", required=True)
    ae = a.add_parser("export", help="write the questions of audit CODE to FILE.xlsx, to fill without the server")
    ae.add_argument("code")
    ae.add_argument("--user", required=True, help="the auditor who will fill it in (username)")
    ae.add_argument("--unit", help="one audited unit's code (default: every unit USER audits)")
    ae.add_argument("-o", "--output", required=True)
    ae.add_argument("--lang", default=LANG, choices=list(config.LANGUAGES))
    ae.set_defaults(fn=cmd_answers_export)
    ai = a.add_parser("import", help="read a filled workbook back: lists new, changed, conflicting and refused rows; "
                                     "saves only with --yes")
    ai.add_argument("file")
    ai.add_argument("--user", required=True, help="the importing auditor (username); the answers carry this name")
    ai.add_argument("--keep", choices=["mine", "theirs"],
                    help="for every conflict: the workbook's answer (mine) or the server's (theirs)")
    ai.add_argument("--row", action="append", metavar="N=mine|theirs", help="the choice for the conflict on row N")
    ai.add_argument("--yes", action="store_true", help="save (without it nothing is saved)")
    ai.set_defaults(fn=cmd_answers_import)
    pr = sub.add_parser("procedures", help="administrative procedure lists").add_subparsers(dest="action", required=True)
    pi = pr.add_parser("import", help="load a procedure list (.xlsx, any column layout) into a unit's register")
    pi.add_argument("file")
    pi.add_argument("--unit", required=True, help="the code of the unit that handles these procedures")
    pi.add_argument("--decision", help="the announcing decision's number, for rows that name none")
    pi.add_argument("--date", help="the decision's date (dd/mm/yyyy or yyyy-mm-dd); also the effective day of rows "
                                   "that give none")
    pi.add_argument("--sheet", help="workbook sheet (default: the first with rows)")
    pi.add_argument("--header-row", type=_row_number, help="1 for the first row (default: the first row that names "
                                                         "a code and a name column)")
    pi.add_argument("--map", action="append", metavar="ROLE=COLUMN",
                    help="a workbook column for a role, by letter or number: --map code=B --map name=C "
                         "(roles: code, name, field, level, status, decision_number, decision_date, effective_date)")
    pi.add_argument("--dry-run", action="store_true", help="list the changes and save nothing")
    pi.set_defaults(fn=cmd_procedures_import)
    bk = sub.add_parser("backup", help="write a consistent backup of the live database (portable .zip archive)")
    bk.add_argument("-o", "--output", required=True)
    bk.add_argument("--format", choices=["archive", "sqlite"], default="archive",
                    help="archive: restores into SQLite or PostgreSQL (default); sqlite: a raw copy of a SQLite file")
    bk.add_argument("--database-url", help="default: QMS_DATABASE_URL")
    bk.set_defaults(fn=cmd_backup)
    rs = sub.add_parser("restore", help="replace every record of the database with a backup archive's")
    rs.add_argument("file")
    rs.add_argument("--yes", action="store_true", help="do not ask for confirmation (scripts)")
    rs.add_argument("--database-url", help="default: QMS_DATABASE_URL")
    rs.set_defaults(fn=cmd_restore)
    rm = sub.add_parser("remind", help="e-mail due and overdue work (QMS_SMTP_HOST must be set)")
    rm.add_argument("--dry-run", action="store_true", help="list recipients, send nothing")
    rm.set_defaults(fn=cmd_remind)
    r = sub.add_parser("report", help="printable documents").add_subparsers(dest="action", required=True)
    reports = [("plan", "code", str, "the audit plan of audit CODE (e.g. ĐGNB-2026-01) as PDF", cmd_report_plan),
               ("audit", "code", str, "the internal audit report of audit CODE as PDF", cmd_report_audit),
               ("review", "id", int, "the management review pack of review ID as PDF", cmd_report_review),
               ("car", "code", str, "the corrective action request of finding CODE (e.g. NC-2026-001) as PDF",
                cmd_report_car)]
    reports.append(("worksheet", "code", str, "the worksheet of one unit (--unit) of audit CODE as PDF, with the "
                    "answers recorded (--blank: to fill in on paper)", cmd_report_worksheet))
    for name, key, kind, help_text, fn in reports:
        rp = r.add_parser(name, help=help_text)
        rp.add_argument(key, type=kind)
        rp.add_argument("-o", "--output", required=True)
        rp.add_argument("--lang", default=LANG, choices=list(config.LANGUAGES))
        if name == "worksheet":
            rp.add_argument("--unit", required=True, help="the audited unit's code")
            rp.add_argument("--blank", action="store_true", help="without the answers, to fill in on paper")
        rp.set_defaults(fn=fn)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    config.settings()  # a bad setting stops every command here, with its name and what it expects
    logs.configure()
    try:
        return args.fn(args)
    except QMSError as exc:
        print(message(exc, LANG), file=sys.stderr)
        return 1
    except OSError as exc:  # a missing folder, a full disk, no permission: the file and the reason, no traceback
        print(t("cli.file_error", LANG, path=exc.filename or "", reason=exc.strerror or exc), file=sys.stderr)
        return 1
    except Exception as exc:
        print(t("cli.unexpected", LANG, ref=logs.crash(exc, command=" ".join(sys.argv[1:3]))), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
