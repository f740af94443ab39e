import io
import zipfile

import openpyxl

from qms import clock, exports, findings
from qms.models import Finding


def test_register_export_is_formula_safe_and_complete(session, org, issued):
    nc = session.get(Finding, issued["nc"])
    nc.statement = '=HYPERLINK("http://example.invalid","Bấm vào đây")'
    session.add(nc)
    session.commit()
    rows = findings.export_rows(session, org["rep"], findings.RegisterFilter(), clock.today())
    raw = exports.findings_workbook(rows, "vi")
    sheet = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # nothing is a formula
    ws = openpyxl.load_workbook(io.BytesIO(raw)).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0][0] == "Mã" and len(values) == 1 + len(rows) == 3
    assert any(v[6] == nc.statement for v in values[1:])
    assert {v[4] for v in values[1:]} == {"Không phù hợp nhẹ", "Điểm lưu ý"}


def test_auditee_export_is_scoped(session, org, issued, make_user):
    other = make_user("khac", "auditee", unit_ids=[org["b"]])
    assert findings.export_rows(session, other, findings.RegisterFilter(), clock.today()) == []
    assert len(findings.export_rows(session, org["auditee"], findings.RegisterFilter(), clock.today())) == 2
