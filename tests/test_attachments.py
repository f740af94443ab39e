import hashlib
import io
import struct
import unicodedata
import zipfile
import zlib
from datetime import date

import pytest
from sqlmodel import select

from qms import attachments, checklists, filetypes, settings
from qms.errors import NotFound, ValidationError
from qms.i18n import t
from qms.models import (Attachment, Audit, AuditProgramme, AuditUnit, AuditUnitAuditor, ChangeLog, ChecklistItem,
                        Response, Role, Unit)

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


def _office(part: str, *extra: str) -> bytes:
    """An Office file whose archive also carries the `extra` members."""
    files = {"[Content_Types].xml": "<Types/>", "_rels/.rels": "<Relationships/>", part: "<root/>"}
    return _zip(**files, **{name: "MZ" for name in extra})


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + struct.pack(">I", 8) + b"free"


HEIC = _ftyp(b"heic", b"mif1", b"heic")  # what an iPhone writes
HEIF = _ftyp(b"mif1", b"mif1", b"heic")
MP4 = _ftyp(b"isom", b"isom", b"mp41")  # the same box structure, but a video
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
BAT = b"@echo off\r\ndel /q %USERPROFILE%\\Documents\\*\r\n"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 9
MACHO = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01"
TEXT = "Biên bản họp ngày 05/11\nĐã kiểm tra hồ sơ.\n".encode()


@pytest.fixture
def auditor(make_user):
    """Adds the files: the audited unit's auditor (see `responses`)."""
    return make_user("auditor", Role.auditor)


@pytest.fixture
def responses(session, auditor):
    """Two answers in one audited unit, audited by `auditor`; returns their ids."""
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
    session.add_all([*rows, AuditUnitAuditor(audit_unit_id=au.id, user_id=auditor)])
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


def test_svg_is_not_recognised_as_anything():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert attachments.sniff(svg) is None


@pytest.mark.parametrize("name,data,mime", [
    ("ảnh hiện trường.jpg", JPEG, "image/jpeg"),
    ("IMG_0001.JPEG", JPEG, "image/jpeg"),
    ("image.jpg", JPEG, "image/jpeg"),  # the name st.camera_input gives
    ("So-do.PNG", _png(), "image/png"),
    ("a.gif", GIF, "image/gif"),
    ("a.webp", WEBP, "image/webp"),
    ("IMG_0002.HEIC", HEIC, "image/heic"),
    ("anh.heif", HEIF, "image/heif"),
    ("anh.heic", HEIF, "image/heif"),
    ("Biên bản.pdf", PDF, "application/pdf"),
    ("Kế hoạch.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("Số liệu.XLSX", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("Báo cáo.pptx", PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("ghi chú.txt", TEXT, "text/plain"),
    ("so-lieu.csv", "mã,tên\n1,Sở KH&CN\n".encode(), "text/plain"),
    ("ghi chú.txt", "\ufeff  <5 năm> là thời hạn lưu\n".encode(), "text/plain"),  # "<" opening no tag is text
])
def test_allowed_kind_with_matching_extension_is_identified(name, data, mime):
    assert filetypes.identify(name, data) == mime
    assert mime in attachments.ALLOWED


@pytest.mark.parametrize("name,data", [
    ("trang.html", HTML),
    ("trang.htm", HTML),
    ("ghi-chu.txt", HTML),
    ("ghi-chu.txt", b"\xef\xbb\xbf \r\n\t<HTML><body>x</body></html>"),
    ("ghi-chu.txt", b"<script>alert(1)</script>"),
    ("ghi-chu.txt", b" \n" * 100 + b"<body onload=alert(1)>"),
    ("ghi-chu.txt", b"<iframe src=//example.invalid>"),
    ("ghi-chu.txt", b'<?xml version="1.0"?><svg/>'),
    ("so-do.svg", SVG),
    ("so-do.txt", SVG),
    ("xoa.bat", BAT),
    ("bien-ban.pdf.bat", BAT),
    ("bien-ban.pdf.bat", PDF),
    ("x.cmd", BAT),
    ("x.js", b"alert(1)\n"),
    ("x.vbs", b"MsgBox 1\n"),
    ("x.ps1", b"Remove-Item C:\\ -Recurse\n"),
    ("x.exe", b"hello\n"),
    ("x.sh", b"echo hello\n"),
    ("chay.txt", b"#!/bin/sh\nrm -rf ~\n"),
    ("photo.jpg", EXE),
    ("x.txt", ELF),
    ("x.txt", MACHO),
    ("report.pdf", _png()),  # a photo renamed .pdf
    ("photo.png", JPEG),
    ("photo.jpg", HEIC),
    ("video.heic", MP4),
    ("report.docx", XLSX),
    ("report.pdf", DOCX),
    ("README", b"hello"),  # no extension: nothing to match the content against
    ("x.", b"hello"),
    ("x.docx", _office("word/document.xml", "payload/setup.exe")),
    ("x.docx", _office("word/document.xml", "word/vbaProject.bin")),
    ("x.docm", _office("word/document.xml", "word/vbaProject.bin")),
    ("x.xlsx", _office("xl/workbook.xml", "xl/VBAPROJECT.BIN")),
    ("x.xlsx", _office("xl/workbook.xml", "xl/macrosheets/sheet1.xml")),  # Excel 4.0 macros need no VBA part
    ("x.pptx", _office("ppt/presentation.xml", "ppt/media/RUN.JS")),
    ("x.docx", _office("word/document.xml", "setup.exe.")),  # Windows drops trailing dots when extracting
])
def test_disallowed_or_mismatched_upload_is_refused_naming_the_allowed_kinds(name, data):
    with pytest.raises(ValidationError) as err:
        filetypes.identify(name, data)
    assert err.value.key == "error.upload_type"
    assert err.value.params == {"name": name, "kinds": filetypes.KINDS}


@pytest.mark.parametrize("ext", ["exe", "dll", "bat", "cmd", "com", "scr", "js", "vbs", "ps1", "msi", "jar", "sh"])
def test_office_file_carrying_an_executable_or_script_is_refused(ext):
    assert filetypes.sniff(_office("word/document.xml", f"word/embeddings/payload.{ext}")) is None
    assert filetypes.sniff(_office("word/document.xml", f"PAYLOAD.{ext.upper()}")) is None
    assert filetypes.sniff(_office("word/document.xml", f"word/media/image.{ext}.png")) is not None


def test_the_allowed_kinds_are_named_once_for_the_message_and_the_picker():
    assert filetypes.UPLOAD_EXTENSIONS == ("jpg", "jpeg", "png", "heic", "heif", "webp", "gif", "pdf", "docx", "xlsx",
                                           "pptx", "txt", "csv")
    assert filetypes.KINDS == ", ".join("." + ext for ext in filetypes.UPLOAD_EXTENSIONS)
    assert attachments.IMAGE_TYPES == {"image/jpeg", "image/png", "image/gif", "image/webp"}
    for lang, words in (("vi", ("ảnh", "Word", "Excel", "PowerPoint", "văn bản")),
                        ("en", ("image", "Word", "Excel", "PowerPoint", "text"))):
        text = t("error.upload_type", lang, name="xoa.bat", kinds=filetypes.KINDS)
        assert "xoa.bat" in text and ".heic" in text and ".pptx" in text
        assert all(word in text for word in words)


def test_add_stores_file_with_checksum_and_changelog(session, auditor, responses):
    data = _png()
    info = attachments.add(session, auditor, "report.png", data, response_id=responses[0])
    assert info["mime"] == "image/png" and info["is_image"]
    assert info["size"] == len(data) and info["sha256"] == hashlib.sha256(data).hexdigest()
    assert info["name"] == "report.png" and info["uploaded_at"].tzinfo is not None
    assert "data" not in info
    assert attachments.content(session, auditor, info["id"]) == ("report.png", "image/png", data)
    row = session.get(Attachment, info["id"])
    assert row.response_id == responses[0] and row.finding_id is None and row.uploaded_by_id == auditor
    log = session.exec(select(ChangeLog).where(ChangeLog.entity == "attachment")).one()
    assert (log.entity_id, log.field, log.old, log.new, log.user_id) == (info["id"], "name", None, "report.png",
                                                                         auditor)


def test_renamed_executable_is_refused(session, auditor, responses):
    with pytest.raises(ValidationError) as err:
        attachments.add(session, auditor, "photo.jpg", EXE, response_id=responses[0])
    assert err.value.key == "error.upload_type"
    assert err.value.params == {"name": "photo.jpg", "kinds": filetypes.KINDS}
    assert _stored(session) == ([], [])


@pytest.mark.parametrize("name,data", [
    ("trang.html", HTML),
    ("so-do.svg", SVG),
    ("xoa.bat", BAT),
    ("bien-ban.pdf.bat", BAT),
    ("report.pdf", _png()),
    ("ke-hoach.docx", _office("word/document.xml", "setup.exe")),
    ("ke-hoach.docx", _office("word/document.xml", "word/vbaProject.bin")),
])
def test_observed_disguises_are_refused_and_nothing_stored(session, auditor, responses, name, data):
    with pytest.raises(ValidationError) as err:
        attachments.add(session, auditor, name, data, response_id=responses[0])
    assert err.value.key == "error.upload_type" and err.value.params["name"] == name
    assert _stored(session) == ([], [])


def test_heic_photo_is_stored_and_offered_as_a_download(session, auditor, responses):
    info = attachments.add(session, auditor, "IMG_0002.HEIC", HEIC, response_id=responses[0])
    assert (info["name"], info["mime"], info["is_image"]) == ("IMG_0002.HEIC", "image/heic", False)
    row = session.get(Attachment, info["id"])
    assert (row.mime, bytes(row.data)) == ("image/heic", HEIC)


def test_size_limit_is_inclusive(session, auditor, responses):
    settings.put(session, "upload_limit_mb", 1)
    session.commit()
    with pytest.raises(ValidationError) as err:
        attachments.add(session, auditor, "big.txt", b"a" * (MIB + 1), response_id=responses[0])
    assert err.value.key == "error.upload_too_large" and err.value.params == {"name": "big.txt", "mb": 1}
    assert _stored(session) == ([], [])
    info = attachments.add(session, auditor, "exact.txt", b"a" * MIB, response_id=responses[0])
    assert info["size"] == MIB and info["mime"] == "text/plain"


def test_default_limit_is_the_setting_default(session, auditor, responses):
    with pytest.raises(ValidationError) as err:
        attachments.add(session, auditor, "huge.txt", b"a" * (20 * MIB + 1), response_id=responses[0])
    assert err.value.params["mb"] == 20


@pytest.mark.parametrize("name,data,owners,key", [
    ("empty.txt", b"", "one", "error.upload_empty"),
    ("a.txt", b"hello", "none", "error.attachment_owner"),
    ("a.txt", b"hello", "two", "error.attachment_owner"),
    ("a.txt", b"hello", "missing", "error.attachment_owner"),
    ("../", b"hello", "one", "error.name_required"),
    ("   ", b"hello", "one", "error.name_required"),
])
def test_refusals_store_nothing(session, auditor, responses, name, data, owners, key):
    kwargs = {"one": {"response_id": responses[0]}, "none": {},
              "two": {"response_id": responses[0], "finding_id": responses[1]},
              "missing": {"response_id": 999_999}}[owners]
    with pytest.raises(ValidationError) as err:
        attachments.add(session, auditor, name, data, **kwargs)
    assert err.value.key == key
    assert _stored(session) == ([], [])


@pytest.mark.parametrize("given,stored", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\lan\\Desktop\\biên bản.txt", "biên bản.txt"),
    ("/tmp/./ghi chú.txt", "ghi chú.txt"),
    ("bad\nname\x00.txt", "badname.txt"),
])
def test_path_components_and_control_characters_are_stripped(session, auditor, responses, given, stored):
    info = attachments.add(session, auditor, given, b"hello", response_id=responses[0])
    assert info["name"] == stored
    session.expire_all()
    assert session.get(Attachment, info["id"]).name == stored


@pytest.mark.parametrize("given,stored", [
    ("bien\u202eban.txt", "bienban.txt"),  # right-to-left override
    ("\u202aa\u202b\u202cb\u202d.txt", "ab.txt"),
    ("\u2066ghi\u2069 chú\u2067\u2068.txt", "ghi chú.txt"),
    ("a\u200bb\u200c\u200dc\ufeff\u00ad\u2060.txt", "abc.txt"),  # zero-width, BOM, soft hyphen, word joiner
    ("dòng\u2028mới\u2029.txt", "dòngmới.txt"),
    ("a\ud800b.txt", "ab.txt"),  # a lone surrogate cannot be encoded for the database
])
def test_format_characters_are_stripped_from_names(session, auditor, responses, given, stored):
    info = attachments.add(session, auditor, given, b"hello", response_id=responses[0])
    assert info["name"] == stored
    session.expire_all()
    assert session.get(Attachment, info["id"]).name == stored


@pytest.mark.parametrize("data", [b"hello", EXE])
def test_right_to_left_override_cannot_disguise_the_extension(session, auditor, responses, data):
    with pytest.raises(ValidationError) as err:  # shown as "hoso-exe.txt", really "hoso-txt.exe"
        attachments.add(session, auditor, "hoso-\u202etxt.exe", data, response_id=responses[0])
    assert err.value.key == "error.upload_type" and err.value.params["name"] == "hoso-txt.exe"
    assert _stored(session) == ([], [])


def test_nfd_name_is_stored_nfc(session, auditor, responses):
    nfd = unicodedata.normalize("NFD", "Biên bản đánh giá.pdf")
    assert nfd != "Biên bản đánh giá.pdf"
    info = attachments.add(session, auditor, nfd, PDF, response_id=responses[0])
    session.expire_all()
    name = session.get(Attachment, info["id"]).name
    assert name == "Biên bản đánh giá.pdf" == unicodedata.normalize("NFC", name)


def test_long_name_is_cut_to_255_keeping_the_extension(session, auditor, responses):
    info = attachments.add(session, auditor, "ả" * 300 + ".xlsx", XLSX, response_id=responses[0])
    assert len(info["name"]) == 255 and info["name"].endswith("ả.xlsx")
    session.expire_all()
    assert session.get(Attachment, info["id"]).name == info["name"]


def test_list_for_one_owner_in_order_without_bytes(session, auditor, responses):
    first = attachments.add(session, auditor, "b.png", _png(), response_id=responses[0])
    attachments.add(session, auditor, "other.txt", b"x", response_id=responses[1])
    second = attachments.add(session, auditor, "a.pdf", PDF, response_id=responses[0])
    listed = attachments.list_for(session, auditor, response_id=responses[0])
    assert [a["id"] for a in listed] == [first["id"], second["id"]]
    assert [(a["name"], a["mime"], a["is_image"]) for a in listed] == [("b.png", "image/png", True),
                                                                       ("a.pdf", "application/pdf", False)]
    assert all("data" not in a for a in listed)
    assert listed[1]["sha256"] == hashlib.sha256(PDF).hexdigest() and listed[1]["size"] == len(PDF)
    with pytest.raises(ValidationError):
        attachments.list_for(session, auditor, finding_id=1)
    with pytest.raises(ValidationError):
        attachments.list_for(session, auditor)


def test_content_of_missing_attachment(session):
    with pytest.raises(NotFound) as err:
        attachments.content(session, None, 12345)
    assert err.value.key == "error.attachment_missing"
