"""A demo organisation after the 2025 reform, with a previous year's audit history.

Built with bulk inserts so that `--units 10000` (about 1.7 million answers a year) stays within minutes.
The organisation and people are fictional.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, text
from sqlmodel import Session, select

from qms import checklists, clock, demo_procedures, findings, passwords, reviews
from qms.units import search_text as unit_search_text
from qms import settings as org_settings
from qms.errors import ValidationError
from qms.models import (ActionItem, Audit, AuditProgramme, AuditStatus, AuditTeamMember, AuditUnit,
                        AuditUnitAuditor, ChecklistClause, ChecklistItem, CorrectiveAction, Finding, ManagementReview,
                        FindingStatus, Response, Result, Role, Unit, UnitType, User, UserRole, UserUnit)

DEMO_PASSWORD = "demo-qms-2026"
ISO_CHECKLIST = "tcvn-iso-9001-2015"
CHUNK = 20_000

# (code, name, type, parent code)
ORGANISATION = [
    ("UBND-T", "Ủy ban nhân dân tỉnh Phú Lâm", UnitType.province, None),
    ("VP-UBND", "Văn phòng UBND tỉnh", UnitType.office, "UBND-T"),
    ("SKHCN", "Sở Khoa học và Công nghệ", UnitType.department, "UBND-T"),
    ("SKHCN-VP", "Văn phòng Sở Khoa học và Công nghệ", UnitType.division, "SKHCN"),
    ("SKHCN-TĐC", "Phòng Tiêu chuẩn Đo lường Chất lượng", UnitType.division, "SKHCN"),
    ("SNV", "Sở Nội vụ", UnitType.department, "UBND-T"),
    ("SNV-CCHC", "Phòng Cải cách hành chính", UnitType.division, "SNV"),
    ("STC", "Sở Tài chính", UnitType.department, "UBND-T"),
    ("STC-ĐKKD", "Phòng Đăng ký kinh doanh", UnitType.division, "STC"),
    ("SXD", "Sở Xây dựng", UnitType.department, "UBND-T"),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", UnitType.department, "UBND-T"),
    ("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh", UnitType.service_centre, "UBND-T"),
    ("P-HOABINH", "UBND phường Hòa Bình", UnitType.ward, "UBND-T"),
    ("P-TANAN", "UBND phường Tân An", UnitType.ward, "UBND-T"),
    ("X-PHUTHANH", "UBND xã Phú Thạnh", UnitType.commune, "UBND-T"),
    ("X-DONGSON", "UBND xã Đông Sơn", UnitType.commune, "UBND-T"),
    ("X-BINHMINH", "UBND xã Bình Minh", UnitType.commune, "UBND-T"),
    ("P-HOABINH-TT", "Trung tâm Phục vụ hành chính công phường Hòa Bình", UnitType.service_centre, "P-HOABINH"),
    ("X-PHUTHANH-TT", "Trung tâm Phục vụ hành chính công xã Phú Thạnh", UnitType.service_centre, "X-PHUTHANH"),
]
# (username, full name, roles, unit codes)
PEOPLE = [
    ("admin", "Đặng Hoàng Nam", [Role.admin], []),
    ("isorep", "Nguyễn Thị Thu Hà", [Role.iso_rep], ["VP-UBND"]),
    ("auditor", "Trần Văn Minh", [Role.auditor], ["SNV"]),
    ("auditee", "Phạm Quốc Bảo", [Role.auditee], ["SKHCN"]),
    ("viewer", "Võ Thanh Tùng", [Role.viewer], ["UBND-T"]),
    ("auditor2", "Lê Thị Hồng Nhung", [Role.auditor], ["STC"]),
    ("auditee2", "Huỳnh Văn Lợi", [Role.auditee], ["P-HOABINH"]),
]
_PLACES = ["An", "Bình", "Cát", "Đông", "Gia", "Hòa", "Hưng", "Long", "Minh", "Mỹ", "Nam", "Ninh", "Phú",
           "Phước", "Quang", "Tân", "Thạnh", "Thuận", "Trung", "Vĩnh", "Xuân", "Yên"]
_EVIDENCE = ["Đã xem hồ sơ lưu tại Bộ phận Một cửa, đầy đủ theo quy trình.",
             "Phỏng vấn công chức tiếp nhận; đối chiếu phần mềm một cửa điện tử.",
             "Kiểm tra 5 hồ sơ ngẫu nhiên trong quý III: đúng hạn, phiếu kiểm soát đầy đủ.",
             "Quyết định ban hành mục tiêu chất lượng năm và bảng theo dõi kết quả thực hiện.",
             "Biên bản họp Ban chỉ đạo ISO; danh mục tài liệu nội bộ được cập nhật."]
_NC_EVIDENCE = ["02/10 hồ sơ trả trễ hạn nhưng không có phiếu xin lỗi và hẹn lại ngày trả kết quả.",
                "Quy trình nội bộ chưa cập nhật theo quyết định công bố TTHC mới.",
                "Phiếu kiểm soát quá trình thiếu chữ ký ở bước thẩm định.",
                "Chưa có bằng chứng khảo sát sự hài lòng của người dân trong năm.",
                "Danh mục tài liệu bên ngoài còn văn bản pháp luật đã hết hiệu lực."]
_RESULT_WEIGHTS = [(Result.conform, 84), (Result.nc_minor, 5), (Result.observation, 4), (Result.ofi, 3),
                   (Result.nc_major, 1), (Result.na, 3)]
_GRADE = {Result.nc_major: "major", Result.nc_minor: "minor", Result.observation: "observation", Result.ofi: "ofi"}
_PREFIX = {"major": "NC", "minor": "NC", "observation": "OBS", "ofi": "OFI"}
# Status mix of last year's nonconformities: every status, some overdue.
_NC_STATUS_WEIGHTS = [(FindingStatus.issued, 15), (FindingStatus.plan_submitted, 10),
                      (FindingStatus.plan_accepted, 20), (FindingStatus.implemented, 15),
                      (FindingStatus.verified_effective, 5), (FindingStatus.closed, 35)]


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.ZONE)


def _bulk(session: Session, model, rows: list[dict], returning: bool = False) -> list[int]:
    """Insert in chunks; with `returning`, the new ids in the order of `rows`.

    Ids are assigned here rather than read back with RETURNING, which is many times slower for
    hundreds of thousands of rows; PostgreSQL's sequence is moved past them afterwards.
    """
    ids: list[int] = []
    if returning:
        start = (session.execute(select(func.max(model.id))).scalar() or 0) + 1
        ids = list(range(start, start + len(rows)))
        rows = [row | {"id": new_id} for row, new_id in zip(rows, ids)]
    table = model.__table__
    for offset in range(0, len(rows), CHUNK):
        session.execute(table.insert(), rows[offset:offset + CHUNK])
    if returning and rows and session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), :last)"),
                        {"last": ids[-1]})
    return ids


def is_demo(session: Session) -> bool:
    return bool(org_settings.get(session, "_demo"))


def demo_accounts(session: Session) -> list[dict]:
    """The demo accounts shown on the sign-in screen (only on a demo database)."""
    return org_settings.get(session, "_demo") or []


def build(session: Session, units: int = 0, years: int = 1, seed: int = 2026) -> dict:
    """Fill an empty database with the demo organisation; returns counts of what was made."""
    if session.exec(select(func.count()).select_from(Unit)).one():
        raise ValidationError("error.demo_not_empty")
    rng = random.Random(seed)
    checklists.load_bundled(session)
    checklist = checklists.latest(session, ISO_CHECKLIST) or checklists.latest_any(session)
    if checklist is None:
        raise ValidationError("error.no_checklist")
    unit_ids = _units(session, units, rng)
    user_ids = _users(session, unit_ids)
    items = session.exec(select(ChecklistItem.id, ChecklistItem.clause)
                         .where(ChecklistItem.checklist_id == checklist.id).order_by(ChecklistItem.position)).all()
    na_clauses = set(session.exec(select(ChecklistClause.clause).where(
        ChecklistClause.checklist_id == checklist.id, ChecklistClause.na_default)).all())
    counts = {"units": len(unit_ids), "users": len(user_ids), "answers": 0, "findings": 0}
    this_year = clock.today().year
    ctx = _Ctx(session, rng, checklist.id, items, na_clauses, unit_ids, user_ids, counts)
    for year in range(this_year - years, this_year):
        ctx.past_year(year, latest=year == this_year - 1)
    ctx.current_year(this_year)
    review_id = _review(session, user_ids, this_year - 1)
    counts |= demo_procedures.build(session, unit_ids, clock.today())
    counts["agencies"] = demo_procedures.agencies(session, unit_ids, clock.today())
    findings.refresh_due(session)  # the rows above were inserted in bulk, past the domain's writes
    review = session.get(ManagementReview, review_id)
    reviews.keep_figures(session, None, review, review.held_on)  # the figures it was held with
    review.figures_at = _at(review.held_on)
    session.add(review)
    org_settings.put(session, "_demo", [{"username": p[0], "roles": [str(r) for r in p[2]]} for p in PEOPLE])
    session.execute(text("ANALYZE"))  # fresh statistics, or the planner guesses badly on bulk-loaded tables
    org_settings.put(session, "org_name_vi", "Ủy ban nhân dân tỉnh Phú Lâm")
    org_settings.put(session, "org_name_en", "Phu Lam Provincial People's Committee")
    org_settings.put(session, "org_place", "Phú Lâm")
    session.commit()
    return counts


def settle(engine) -> None:
    """After a bulk load on PostgreSQL, what autovacuum would do some minutes later: mark the pages all-visible,
    so counting 15,000 findings reads the index alone (47 ms → 3 ms), and gather fresh statistics."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def _review(session: Session, user_ids: dict[str, int], year: int) -> int:
    """Last year's management review, with decisions in every state, for "previous review actions"."""
    held = date(year, 12, 15)
    review_id = _bulk(session, ManagementReview, [{
        "held_on": held, "chair": "Phó Chủ tịch UBND tỉnh", "status": "held", "created_by_id": user_ids["isorep"],
        "attendees": "Ban chỉ đạo ISO; Giám đốc các sở; Chủ tịch UBND các xã, phường; Thư ký ISO",
        "inputs": {"satisfaction": "Chỉ số hài lòng của người dân (khảo sát quý IV): 91,5%.",
                   "objectives": "8/10 mục tiêu chất lượng đạt; 2 mục tiêu về tỷ lệ hồ sơ trực tuyến chưa đạt.",
                   "resources": "Trung tâm PVHCC các xã mới sáp nhập thiếu máy quét hồ sơ."},
        "outputs": "HTQLCL được duy trì. Ưu tiên cập nhật quy trình TTHC sau sắp xếp bộ máy.",
        "created_at": _at(held)}], returning=True)[0]
    _bulk(session, ActionItem, [
        {"review_id": review_id, "action": "Cập nhật quy trình nội bộ theo danh mục TTHC mới công bố",
         "owner_name": "Thư ký ISO", "due_date": date(year + 1, 3, 31), "done_date": date(year + 1, 3, 20),
         "evidence": "Quyết định ban hành quy trình", "status": "done"},
        {"review_id": review_id, "action": "Trang bị máy quét hồ sơ cho Trung tâm PVHCC các xã",
         "owner_name": "Sở Tài chính", "due_date": date(year + 1, 6, 30), "done_date": None, "evidence": "",
         "status": "open"},
        {"review_id": review_id, "action": "Tập huấn ISO cho công chức mới sau sắp xếp",
         "owner_name": "Sở Nội vụ", "due_date": date(year + 1, 12, 31), "done_date": None, "evidence": "",
         "status": "open"}])
    return review_id


def _units(session: Session, extra: int, rng: random.Random) -> dict[str, int]:
    now = clock.now()
    ids: dict[str, int] = {}
    for code, name, unit_type, parent in ORGANISATION:
        ids[code] = _bulk(session, Unit, [{"code": code, "name": name, "type": unit_type, "active": True,
                                           "parent_id": ids.get(parent), "created_at": now,
                                           "search_text": unit_search_text(code, name)}], returning=True)[0]
    rows = []
    for n in range(extra):
        ward = n % 3 == 0
        place = f"{rng.choice(_PLACES)} {rng.choice(_PLACES)}"
        code, name = f"{'P' if ward else 'X'}-{n + 1:05d}", f"UBND {'phường' if ward else 'xã'} {place} {n + 1}"
        rows.append({"code": code, "active": True, "created_at": now, "name": name, "search_text": unit_search_text(code, name),
                     "type": UnitType.ward if ward else UnitType.commune, "parent_id": ids["UBND-T"]})
    for row, new_id in zip(rows, _bulk(session, Unit, rows, returning=True)):
        ids[row["code"]] = new_id
    return ids


def _users(session: Session, unit_ids: dict[str, int]) -> dict[str, int]:
    # One hash for all demo accounts: argon2 is deliberately slow, and they share the password anyway.
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    now = clock.now()
    ids = {}
    for username, full_name, roles, units in PEOPLE:
        user = User(username=username, full_name=full_name, password_hash=password_hash, created_at=now)
        session.add(user)
        session.flush()
        ids[username] = user.id
        session.add_all([UserRole(user_id=user.id, role=r) for r in roles])
        session.add_all([UserUnit(user_id=user.id, unit_id=unit_ids[c]) for c in units])
    return ids


class _Ctx:
    """The shared state of one demo build."""

    def __init__(self, session, rng, checklist_id, items, na_clauses, unit_ids, user_ids, counts):
        self.session, self.rng, self.checklist_id = session, rng, checklist_id
        self.items, self.na_clauses = items, na_clauses
        self.unit_ids, self.user_ids, self.counts = unit_ids, user_ids, counts
        self.auditors = [user_ids["auditor"], user_ids["auditor2"]]
        self.member_of = {user_ids["auditor"]: unit_ids["SNV"], user_ids["auditor2"]: unit_ids["STC"]}

    def _programme(self, year: int, objectives: str) -> int:
        return _bulk(self.session, AuditProgramme, [{"year": year, "objectives": objectives,
                                                    "created_at": clock.now()}], returning=True)[0]

    def _audit(self, programme_id: int, year: int, number: int, title: str, status: str, start: date,
               issued: datetime | None) -> int:
        audit_id = _bulk(self.session, Audit, [{
            "programme_id": programme_id, "code": f"ĐGNB-{year}-{number:02d}", "title": title,
            "scope": "Các quá trình giải quyết thủ tục hành chính và quá trình hỗ trợ thuộc phạm vi HTQLCL.",
            "criteria": "TCVN ISO 9001:2015; quy trình nội bộ; văn bản pháp luật về TTHC.",
            "checklist_id": self.checklist_id, "planned_start": start, "planned_end": start + timedelta(days=20),
            "lead_auditor_id": self.user_ids["auditor"], "status": status, "report_issued_at": issued,
            "version": 1, "created_at": _at(start - timedelta(days=30))}], returning=True)[0]
        _bulk(self.session, AuditTeamMember, [{"audit_id": audit_id, "user_id": u} for u in self.auditors])
        return audit_id

    def _audit_units(self, audit_id: int, unit_codes: list[str], start: date, spread: int) -> list[tuple[int, int, date]]:
        rows, plan = [], []
        for n, code in enumerate(unit_codes):
            unit_id = self.unit_ids[code]
            day = start + timedelta(days=(n * spread) // max(len(unit_codes), 1))
            rows.append({"audit_id": audit_id, "unit_id": unit_id, "audit_date": day,
                         "auditee_reps": "Trưởng đơn vị; công chức đầu mối ISO"})
            plan.append((unit_id, day))
        ids = _bulk(self.session, AuditUnit, rows, returning=True)
        assignments = []
        for au_id, (unit_id, _day) in zip(ids, plan):
            # Impartiality: never the auditor's own unit.
            assignments.append({"audit_unit_id": au_id,
                                "user_id": next(a for a in self.auditors if self.member_of[a] != unit_id)})
        _bulk(self.session, AuditUnitAuditor, assignments)
        return [(au_id, a["user_id"], day) for au_id, a, (_u, day) in zip(ids, assignments, plan)]

    def _answers(self, audit_units, share: float) -> list[tuple[dict, int]]:
        """Answer `share` of each unit's questions; returns (response row, response id) for findings."""
        rows = []
        choices, weights = zip(*_RESULT_WEIGHTS)
        for au_id, auditor_id, day in audit_units:
            for item_id, clause in self.items:
                if self.rng.random() > share:
                    continue
                result = Result.na if clause in self.na_clauses else self.rng.choices(choices, weights)[0]
                finding = result in _GRADE
                rows.append({"audit_unit_id": au_id, "item_id": item_id, "result": result, "version": 1,
                             "evidence": self.rng.choice(_NC_EVIDENCE if finding else _EVIDENCE),
                             "records_sampled": "5 hồ sơ" if result != Result.na else "",
                             "interviewed": "Công chức Bộ phận Một cửa" if result != Result.na else "",
                             "answered_by_id": auditor_id, "answered_at": _at(day, 9 + self.rng.randint(0, 7)),
                             "_clause": clause})
        ids = _bulk(self.session, Response, [{k: v for k, v in r.items() if k != "_clause"} for r in rows],
                    returning=True)
        self.counts["answers"] += len(rows)
        return [(r, i) for r, i in zip(rows, ids) if r["result"] in _GRADE]

    def past_year(self, year: int, latest: bool) -> None:
        programme = self._programme(year, "Đánh giá toàn bộ các đơn vị trong phạm vi HTQLCL ít nhất một lần trong năm.")
        start = date(year, 9, 15)
        issued = _at(date(year, 10, 20), 15)
        audit_id = self._audit(programme, year, 1, f"Đánh giá nội bộ HTQLCL năm {year}",
                               AuditStatus.report_issued if latest else AuditStatus.closed, start, issued)
        codes = [c for c in self.unit_ids if c != "UBND-T"]
        audit_units = self._audit_units(audit_id, codes, start, 25)
        self._findings(year, self._answers(audit_units, 1.0), issued, latest)

    def current_year(self, year: int) -> None:
        programme = self._programme(year, "Đánh giá 100% đơn vị; ưu tiên các TTHC có tỷ lệ trễ hạn cao.")
        today = clock.today()
        audit_id = self._audit(programme, year, 1, f"Đánh giá nội bộ HTQLCL năm {year} – đợt 1",
                               AuditStatus.in_progress, today - timedelta(days=3), None)
        codes = ["SKHCN", "TTPVHCC", "P-HOABINH", "X-PHUTHANH"]
        audit_units = self._audit_units(audit_id, codes, today - timedelta(days=3), 4)
        # Today's units are partly answered; the audit day picks up from here.
        drafts = self._answers(audit_units[:2], 0.5) + self._answers(audit_units[2:3], 0.3)
        self._draft_findings(drafts)
        self._audit(programme, year, 2, f"Đánh giá nội bộ HTQLCL năm {year} – đợt 2", AuditStatus.planned,
                    today + timedelta(days=30), None)

    def _finding_row(self, response: dict, response_id: int, status: str, code: str | None,
                     issued: datetime | None, plan_due: date | None) -> dict:
        grade = _GRADE[response["result"]]
        return {"code": code, "audit_unit_id": response["audit_unit_id"], "clause": response["_clause"],
                "item_id": response["item_id"], "response_id": response_id, "grade": grade,
                "statement": response["evidence"], "evidence": response["evidence"],
                "requirement_ref": f"TCVN ISO 9001:2015, điều {response['_clause']}", "status": status,
                "plan_due": plan_due, "created_by_id": response["answered_by_id"],
                "created_at": response["answered_at"], "issued_at": issued, "version": 1,
                "closed_at": issued + timedelta(days=90) if status == FindingStatus.closed else None,
                "search_text": findings.search_text(code, response["_clause"], response["evidence"], response["evidence"])}

    def _draft_findings(self, answered: list[tuple[dict, int]]) -> None:
        rows = [self._finding_row(r, i, FindingStatus.draft, None, None, None) for r, i in answered]
        _bulk(self.session, Finding, rows)
        self.counts["findings"] += len(rows)

    def _findings(self, year: int, answered: list[tuple[dict, int]], issued: datetime, latest: bool) -> None:
        numbers = {"NC": 0, "OBS": 0, "OFI": 0}
        rows = []
        statuses, weights = zip(*_NC_STATUS_WEIGHTS)
        plan_due = issued.date() + timedelta(days=15)
        for response, response_id in answered:
            grade = _GRADE[response["result"]]
            prefix = _PREFIX[grade]
            numbers[prefix] += 1
            if grade in ("observation", "ofi"):
                status = self.rng.choice([FindingStatus.issued, FindingStatus.closed]) if latest else FindingStatus.closed
            else:
                status = self.rng.choices(statuses, weights)[0] if latest else FindingStatus.closed
            rows.append(self._finding_row(response, response_id, status, f"{prefix}-{year}-{numbers[prefix]:03d}",
                                          issued, plan_due))
        ids = _bulk(self.session, Finding, rows, returning=True)
        self.counts["findings"] += len(rows)
        self._actions(list(zip(rows, ids)), issued)

    def _actions(self, findings: list[tuple[dict, int]], issued: datetime) -> None:
        order = [s.value for s in FindingStatus]
        ca_rows, plans = [], []
        for row, finding_id in findings:
            reached = order.index(row["status"])
            if reached < order.index(FindingStatus.plan_submitted) or row["grade"] in ("observation", "ofi"):
                continue
            submitted = issued + timedelta(days=self.rng.randint(5, 14))
            accepted = reached >= order.index(FindingStatus.plan_accepted)
            implemented = reached >= order.index(FindingStatus.implemented)
            verified = reached >= order.index(FindingStatus.verified_effective)
            ca_rows.append({
                "finding_id": finding_id, "correction": "Đã bổ sung hồ sơ, chữ ký và thông báo cho người dân.",
                "correction_by": "Trưởng đơn vị", "correction_date": submitted.date() - timedelta(days=2),
                "root_cause": "Công chức mới chưa được hướng dẫn quy trình cập nhật.",
                "why_steps": ["Hồ sơ thiếu phiếu", "Công chức không biết mẫu mới", "Chưa tập huấn sau khi sắp xếp bộ máy"],
                "cause_category": "people", "submitted_at": submitted,
                "accepted_by_id": self.user_ids["isorep"] if accepted else None,
                "accepted_at": submitted + timedelta(days=3) if accepted else None,
                "implemented_at": submitted + timedelta(days=40) if implemented else None,
                "verified_by_id": self.user_ids["isorep"] if verified else None,
                "verified_at": submitted + timedelta(days=60) if verified else None,
                "effective": True if verified else None,
                "verification_note": "Kiểm tra 10 hồ sơ tháng sau: không lặp lại." if verified else "",
                "reopen_count": 0, "version": 1})
            plans.append((submitted, implemented))
        ca_ids = _bulk(self.session, CorrectiveAction, ca_rows, returning=True)
        items = []
        for ca_id, (submitted, implemented) in zip(ca_ids, plans):
            for n in range(self.rng.randint(1, 2)):
                due = submitted.date() + timedelta(days=self.rng.randint(20, 150))
                items.append({"corrective_action_id": ca_id, "owner_name": "Trưởng đơn vị",
                              "action": ["Tập huấn lại quy trình cho công chức Một cửa",
                                         "Cập nhật quy trình nội bộ và danh mục tài liệu"][n],
                              "due_date": due, "done_date": due - timedelta(days=3) if implemented else None,
                              "evidence": "Biên bản tập huấn" if implemented else "",
                              "status": "done" if implemented else "open"})
        _bulk(self.session, ActionItem, items)
