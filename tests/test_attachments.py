import hashlib
import io
import struct
import unicodedata
import zipfile
import zlib
from datetime import date

import pytest
from sqlmodel import select

from qms import attachments, checklists, settings
from qms.errors import NotFound, ValidationError
from qms.models import (Attachment, Audit, AuditProgramme, AuditUnit, ChangeLog, ChecklistItem, Response,
                        Unit)

MIB = 1024 * 1024


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) \
        + chunk(b"IEND", b"")


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
       b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
_VP8L = b"VP8L" + struct.pack("<I", 5) + b"\x2f\x00\x00\x00\x00\x00"
WEBP = b"RIFF" + struct.pack("<I", 4 + len(_VP8L)) + b"WEBP" + _VP8L
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


def _ooxml(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(part, '<?xml version="1.0"?><root/>')
    return buffer.getvalue()


def _zip(**files: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


DOCX = _ooxml("word/document.xml")
XLSX = _ooxml("xl/workbook.xml")
PPTX = _ooxml("ppt/presentation.xml")


@pytest.fixture
def responses(session, admin_id):
    """Two answers in one audited unit; returns their ids."""
    checklists.load_bundled(session)
    checklist = checklists.latest(session, "tcvn-iso-9001-2015")
    programme = AuditProgramme(year=2026)
    unit = Unit(code="SKHCN", name="Sở KH&CN")
    session.add_all([programme, unit])
    session.flush()
    audit = Audit(programme_id=programme.id, code="ĐGNB-2026-01", title="Đợt 1", checklist_id=checklist.id,
                  planned_start=date(2026, 11, 1))
    session.add(audit)
    session.flush()
    au = AuditUnit(audit_id=audit.id, unit_id=unit.id)
    session.add(au)
    session.flush()
    items = session.exec(select(ChecklistItem).where(ChecklistItem.checklist_id == checklist.id)
                         .order_by(ChecklistItem.position, ChecklistItem.id).limit(2)).all()
    rows = [Response(audit_unit_id=au.id, item_id=item.id) for item in items]
    session.add_all(rows)
    session.commit()
    return [r.id for r in rows]


def _stored(session) -> tuple[list, list]:
    files = session.exec(select(Attachment.id)).all()
    logs = session.exec(select(ChangeLog.id).where(ChangeLog.entity == "attachment")).all()
    return files, logs


@pytest.mark.parametrize("data,mime", [
    (JPEG, "image/jpeg"), (_png(), "image/png"), (GIF, "image/gif"), (WEBP, "image/webp"), (PDF, "application/pdf"),
    (DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("Biên bản họp ngày 05/11\nĐã kiểm tra hồ sơ.\n".encode(), "text/plain"),
])
def test_type_is_recognised_from_content(data, mime):
    assert attachments.sniff(data) == mime
    assert mime in attachments.ALLOWED
    assert (mime in attachments.IMAGE_TYPES) == mime.startswith("image/")


@pytest.mark.parametrize("data", [
    EXE,
    b"RIFF" + struct.pack("<I", 4) + b"WAVE",  # RIFF, but audio rather than WebP
    EXE + DOCX,  # an archive appended to an executable is not an Office file
    _zip(**{"word/document.xml": "<x/>"}),  # no [Content_Types].xml
    _zip(**{"[Content_Types].xml": "<Types/>", "other/thing.xml": "<x/>"}),
    b"PK\x03\x04" + b"\x00" * 40,  # a broken zip must not raise
    "café".encode("latin-1"),  # not UTF-8
    b"text with a \x00 NUL byte",
    b"",
])
def test_unknown_or_disguised_content_is_not_recognised(data):
    assert attachments.sniff(data) is None


def test_text_split_across_decode_slices_is_still_text():
    data = b"a" * (MIB - 1) + "ữ".encode() * 3  # a multi-byte character straddles the 1 MiB slice boundary
    assert attachments.sniff(data) == "text/plain"
    assert attachments.sniff(data[:MIB]) is None  # a truncated multi-byte character is not valid UTF-8


def test_svg_is_text_not_an_image():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert attachments.sniff(svg) == "text/plain" and "text/plain" not in attachments.IMAGE_TYPES


def test_add_stores_file_with_checksum_and_changelog(session, admin_id, responses):
    data = _png()
    info = attachments.add(session, admin_id, "report.pdf", data, response_id=responses[0])
    assert info["mime"] == "image/png" and info["is_image"]  # the name's extension is ignored
    assert info["size"] == len(data) and info["sha256"] == hashlib.sha256(data).hexdigest()
    assert info["name"] == "report.pdf" and info["uploaded_at"].tzinfo is not None
    assert "data" not in info
    assert attachments.content(session, info["id"]) == ("report.pdf", "image/png", data)
    row = session.get(Attachment, info["id"])
    assert row.response_id == responses[0] and row.finding_id is None and row.uploaded_by_id == admin_id
    log = session.exec(select(ChangeLog).where(ChangeLog.entity == "attachment")).one()
    assert (log.entity_id, log.field, log.old, log.new, log.user_id) == (info["id"], "name", None, "report.pdf",
                                                                         admin_id)


def test_renamed_executable_is_refused(session, admin_id, responses):
    with pytest.raises(ValidationError) as err:
        attachments.add(session, admin_id, "photo.jpg", EXE, response_id=responses[0])
    assert err.value.key == "error.upload_type" and err.value.params == {"name": "photo.jpg"}
    assert _stored(session) == ([], [])


def test_size_limit_is_inclusive(session, admin_id, responses):
    settings.put(session, "upload_limit_mb", 1)
    session.commit()
    with pytest.raises(ValidationError) as err:
        attachments.add(session, admin_id, "big.txt", b"a" * (MIB + 1), response_id=responses[0])
    assert err.value.key == "error.upload_too_large" and err.value.params == {"name": "big.txt", "mb": 1}
    assert _stored(session) == ([], [])
    info = attachments.add(session, admin_id, "exact.txt", b"a" * MIB, response_id=responses[0])
    assert info["size"] == MIB and info["mime"] == "text/plain"


def test_default_limit_is_the_setting_default(session, admin_id, responses):
    with pytest.raises(ValidationError) as err:
        attachments.add(session, admin_id, "huge.txt", b"a" * (20 * MIB + 1), response_id=responses[0])
    assert err.value.params["mb"] == 20


@pytest.mark.parametrize("name,data,owners,key", [
    ("empty.txt", b"", "one", "error.upload_empty"),
    ("a.txt", b"hello", "none", "error.attachment_owner"),
    ("a.txt", b"hello", "two", "error.attachment_owner"),
    ("a.txt", b"hello", "missing", "error.attachment_owner"),
    ("../", b"hello", "one", "error.name_required"),
    ("   ", b"hello", "one", "error.name_required"),
])
def test_refusals_store_nothing(session, admin_id, responses, name, data, owners, key):
    kwargs = {"one": {"response_id": responses[0]}, "none": {},
              "two": {"response_id": responses[0], "finding_id": responses[1]},
              "missing": {"response_id": 999_999}}[owners]
    with pytest.raises(ValidationError) as err:
        attachments.add(session, admin_id, name, data, **kwargs)
    assert err.value.key == key
    assert _stored(session) == ([], [])


@pytest.mark.parametrize("given,stored", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\lan\\Desktop\\biên bản.txt", "biên bản.txt"),
    ("/tmp/./ghi chú.txt", "ghi chú.txt"),
    ("bad\nname\x00.txt", "badname.txt"),
])
def test_path_components_and_control_characters_are_stripped(session, admin_id, responses, given, stored):
    info = attachments.add(session, admin_id, given, b"hello", response_id=responses[0])
    assert info["name"] == stored
    session.expire_all()
    assert session.get(Attachment, info["id"]).name == stored


def test_nfd_name_is_stored_nfc(session, admin_id, responses):
    nfd = unicodedata.normalize("NFD", "Biên bản đánh giá.pdf")
    assert nfd != "Biên bản đánh giá.pdf"
    info = attachments.add(session, admin_id, nfd, PDF, response_id=responses[0])
    session.expire_all()
    name = session.get(Attachment, info["id"]).name
    assert name == "Biên bản đánh giá.pdf" == unicodedata.normalize("NFC", name)


def test_long_name_is_cut_to_255_keeping_the_extension(session, admin_id, responses):
    info = attachments.add(session, admin_id, "ả" * 300 + ".xlsx", XLSX, response_id=responses[0])
    assert len(info["name"]) == 255 and info["name"].endswith("ả.xlsx")
    session.expire_all()
    assert session.get(Attachment, info["id"]).name == info["name"]


def test_list_for_one_owner_in_order_without_bytes(session, admin_id, responses):
    first = attachments.add(session, admin_id, "b.png", _png(), response_id=responses[0])
    attachments.add(session, admin_id, "other.txt", b"x", response_id=responses[1])
    second = attachments.add(session, admin_id, "a.pdf", PDF, response_id=responses[0])
    listed = attachments.list_for(session, response_id=responses[0])
    assert [a["id"] for a in listed] == [first["id"], second["id"]]
    assert [(a["name"], a["mime"], a["is_image"]) for a in listed] == [("b.png", "image/png", True),
                                                                       ("a.pdf", "application/pdf", False)]
    assert all("data" not in a for a in listed)
    assert listed[1]["sha256"] == hashlib.sha256(PDF).hexdigest() and listed[1]["size"] == len(PDF)
    assert attachments.list_for(session, finding_id=1) == []
    with pytest.raises(ValidationError):
        attachments.list_for(session)


def test_content_of_missing_attachment(session):
    with pytest.raises(NotFound) as err:
        attachments.content(session, 12345)
    assert err.value.key == "error.attachment_missing"
