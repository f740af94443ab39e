"""The kinds of file an auditor may upload, each recognised by its content and its extension together."""

from __future__ import annotations

import codecs
import io
import re
import zipfile

from qms.errors import ValidationError

JPEG, PNG, GIF, WEBP = "image/jpeg", "image/png", "image/gif", "image/webp"
HEIC, HEIF = "image/heic", "image/heif"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
TEXT = "text/plain"

# The extensions each type may carry, in the order the message lists them. A name must end in one of its own
# type's: the extension is what the reader's computer opens the file with, so it has to agree with the content.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    JPEG: ("jpg", "jpeg"), PNG: ("png",),
    # Phones name both brands .heic or .heif, whichever their maker chose.
    HEIC: ("heic", "heif"), HEIF: ("heic", "heif"),
    WEBP: ("webp",), GIF: ("gif",), PDF: ("pdf",), DOCX: ("docx",), XLSX: ("xlsx",), PPTX: ("pptx",),
    TEXT: ("txt", "csv"),
}
ALLOWED = frozenset(EXTENSIONS)
# Shown inside the page: every browser and Pillow (behind st.image) draw these; HEIC/HEIF are offered for download.
IMAGE_TYPES = frozenset({JPEG, PNG, GIF, WEBP})
UPLOAD_EXTENSIONS = tuple(dict.fromkeys(ext for exts in EXTENSIONS.values() for ext in exts))
KINDS = ", ".join("." + ext for ext in UPLOAD_EXTENSIONS)

_HEIF_BRANDS = {b"heic": HEIC, b"heix": HEIC, b"hevc": HEIC, b"hevx": HEIC, b"mif1": HEIF, b"msf1": HEIF, b"heif": HEIF}
_OOXML_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
# Nothing an Office document needs, but what a user could run straight from an unpacked archive.
_RUNNABLE = (".exe", ".dll", ".bat", ".cmd", ".com", ".scr", ".pif", ".cpl", ".js", ".jse", ".vbs", ".vbe", ".wsf",
             ".wsh", ".hta", ".ps1", ".psm1", ".msi", ".msp", ".jar", ".sh", ".lnk", ".reg")
# Windows, Linux and macOS programs, and scripts that name their own interpreter ("#!"): refused even where the
# rest would pass as text.
_EXECUTABLE = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
               b"\xca\xfe\xba\xbe", b"#!")
# Text that opens with a tag, after an optional BOM and any white space: HTML, SVG, XML or a bare <script>. Any tag,
# not a list of known ones: a browser renders <body>, <iframe> or <img onerror=…> as readily as <html>.
_MARKUP = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n\f]*<[A-Za-z!?/]")
_MIB = 1024 * 1024


def _carries_code(name: str) -> bool:
    """True for an archive member that is a program, a script or a macro."""
    # Windows drops trailing dots and spaces when it writes a file, so "setup.exe." unpacks as setup.exe.
    lowered = name.lower().rstrip(". ")
    base = lowered.replace("\\", "/").rsplit("/", 1)[-1]
    # vbaProject.bin holds VBA macros; macrosheets/ holds Excel 4.0 macros, which need no VBA part at all.
    return lowered.endswith(_RUNNABLE) or base == "vbaproject.bin" or "/macrosheets/" in "/" + lowered


def _ooxml(data: bytes) -> str | None:
    """The Office Open XML type of a zip archive without programs or macros, or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()  # reads the central directory only, nothing is decompressed
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, KeyError):
        return None
    if "[Content_Types].xml" not in names or any(_carries_code(n) for n in names):
        return None
    for prefix, mime in _OOXML_PARTS:
        if any(n.startswith(prefix) for n in names):
            return mime
    return None


def _heif(data: bytes) -> str | None:
    """HEIC or HEIF from the major brand of the ISO-BMFF `ftyp` box, or None."""
    if data[4:8] != b"ftyp":
        return None
    return _HEIF_BRANDS.get(data[8:12])


def _is_text(data: bytes) -> bool:
    """True for valid UTF-8 without NUL bytes."""
    if b"\x00" in data:
        return False
    # Decoded in slices so a large upload is not copied into one huge str just to be validated.
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), _MIB):
            decoder.decode(view[start:start + _MIB])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff(data: bytes) -> str | None:
    """The MIME type decided from the bytes alone, or None if they are not of an allowed kind."""
    if data.startswith(_EXECUTABLE):
        return None
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return WEBP
    if heif := _heif(data):
        return heif
    if data.startswith(b"%PDF-"):
        return PDF
    # Only a zip from its first byte counts: zipfile would also find an archive appended to an executable.
    if data.startswith(b"PK\x03\x04"):
        return _ooxml(data)
    if data and _is_text(data) and not _MARKUP.match(data):
        return TEXT
    return None


def extension(name: str) -> str:
    """The last extension of a file name, lower case, without the dot ("" when there is none)."""
    _stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def identify(name: str, data: bytes) -> str:
    """The MIME type of an upload whose content and extension agree on an allowed kind; refuses anything else."""
    mime = sniff(data)
    if mime is None or extension(name) not in EXTENSIONS[mime]:
        raise ValidationError("error.upload_type", name=name, kinds=KINDS)
    return mime
