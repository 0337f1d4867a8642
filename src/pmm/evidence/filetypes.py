"""Which evidence files are accepted, judged from their bytes (pure: bytes and a name in, a verdict out).

The client's content type is never trusted. The first bytes decide the kind; the file name's
extension must agree with it. Accepted: PDF, PNG, JPEG, XLSX, DOCX, CSV and plain text. Refused:
executables and scripts, HTML, SVG and other markup (a browser could run their scripts),
macro-enabled office files, and anything else.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmm.core.downloads import XLSX_TYPE


@dataclass(frozen=True)
class FileKind:
    code: str
    label: str | Promise
    content_type: str  # what downloads are served as; never a type a browser renders as a page
    extensions: tuple[str, ...]


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

KINDS: dict[str, FileKind] = {
    k.code: k
    for k in [
        FileKind("pdf", "PDF", "application/pdf", (".pdf",)),
        FileKind("png", "PNG", "image/png", (".png",)),
        FileKind("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg")),
        FileKind("xlsx", "Excel (XLSX)", XLSX_TYPE, (".xlsx",)),
        FileKind("docx", "Word (DOCX)", DOCX_TYPE, (".docx",)),
        FileKind("csv", "CSV", "text/csv", (".csv",)),
        FileKind("txt", gettext_lazy("Text"), "text/plain", (".txt",)),
    ]
}
ALLOWED_EXTENSIONS = tuple(e for k in KINDS.values() for e in k.extensions)
SAFE_FALLBACK_TYPE = "application/octet-stream"

HEAD_BYTES = 8192  # how much of the file the magic-number checks read
MAX_ZIP_ENTRIES = 5000
MAX_CONTENT_TYPES_XML = 1024 * 1024

_EXECUTABLE_MAGIC = (
    (b"MZ", gettext_lazy("Windows executable")),
    (b"\x7fELF", gettext_lazy("Linux executable")),
    (b"\xfe\xed\xfa\xce", gettext_lazy("macOS executable")),
    (b"\xfe\xed\xfa\xcf", gettext_lazy("macOS executable")),
    (b"\xce\xfa\xed\xfe", gettext_lazy("macOS executable")),
    (b"\xcf\xfa\xed\xfe", gettext_lazy("macOS executable")),
    (b"\xca\xfe\xba\xbe", gettext_lazy("macOS or Java executable")),
    (b"#!", gettext_lazy("script")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", gettext_lazy("legacy Office (OLE) file, which may carry macros")),
)
# Markup a browser could render and run: refused whatever the extension says.
_MARKUP = re.compile(
    rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|meta|link|style|xml|\?xml|a\s)",
    re.IGNORECASE,
)
_MACRO_PARTS = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml|activeX[^/]*)$|(^|/)activeX/", re.IGNORECASE)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class FileRefused(Exception):
    """The file is not an accepted kind; the message says why, for the person who uploaded it."""


def extension_of(name: str) -> str:
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base else ""


def sniff(stream: BinaryIO, name: str) -> FileKind:
    """The kind of the file in `stream` (read from the start; left at the start); raise FileRefused."""
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    extension = extension_of(name)
    if extension not in ALLOWED_EXTENSIONS:
        raise FileRefused(
            _("Files ending in %(ext)s are not accepted. Accepted: %(allowed)s.")
            % {"ext": extension or _("(no extension)"), "allowed": ", ".join(ALLOWED_EXTENSIONS)}
        )
    if not head:
        raise FileRefused(_("The file is empty."))
    for magic, what in _EXECUTABLE_MAGIC:
        if head.startswith(magic):
            raise FileRefused(_("The file is a %(what)s; it is not accepted.") % {"what": what})
    kind = _kind_from_bytes(stream, head)
    if kind.code == "txt":
        _check_text(stream)
        kind = KINDS["csv"] if extension == ".csv" else KINDS["txt"]
    if extension not in kind.extensions:
        raise FileRefused(
            _("The file's content is %(kind)s, which does not match its name ending in %(ext)s.")
            % {"kind": kind.label, "ext": extension}
        )
    stream.seek(0)
    return kind


def _kind_from_bytes(stream: BinaryIO, head: bytes) -> FileKind:
    if head.startswith(b"%PDF-"):
        return KINDS["pdf"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return KINDS["png"]
    if head.startswith(b"\xff\xd8\xff"):
        return KINDS["jpeg"]
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(stream)
    return _text_kind(head)


def _office_kind(stream: BinaryIO) -> FileKind:
    """An XLSX or DOCX package: read only the directory and [Content_Types].xml (nothing is extracted)."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as package:
            infos = package.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise FileRefused(_("The archive holds too many parts to be an office document."))
            names = {i.filename for i in infos}
            types_info = package.getinfo("[Content_Types].xml") if "[Content_Types].xml" in names else None
            if types_info is None or types_info.file_size > MAX_CONTENT_TYPES_XML:
                raise FileRefused(_("The file is a ZIP archive, not an XLSX or DOCX document."))
            with package.open(types_info) as handle:
                content_types = handle.read(MAX_CONTENT_TYPES_XML + 1).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as error:
        raise FileRefused(_("The file looks like an office document but cannot be read.")) from error
    if (
        "macroenabled" in content_types.lower()
        or "vbaproject" in content_types.lower()
        or any(_MACRO_PARTS.search(n) for n in names)
    ):
        raise FileRefused(_("Macro-enabled office files are not accepted; save the file without macros."))
    if "xl/workbook.xml" in names and "spreadsheetml.sheet.main" in content_types:
        return KINDS["xlsx"]
    if "word/document.xml" in names and "wordprocessingml.document.main" in content_types:
        return KINDS["docx"]
    raise FileRefused(_("The file is a ZIP archive, not an XLSX or DOCX document."))


def _text_kind(head: bytes) -> FileKind:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(_("UTF-16 text is not accepted; save the file as UTF-8."))
    return KINDS["txt"]


def _check_text(stream: BinaryIO) -> None:
    """Plain text (CSV or TXT) throughout: no binary bytes and no markup anywhere in the file."""
    stream.seek(0)
    carry, first = b"", True
    while chunk := stream.read(64 * 1024):
        if first:
            chunk, first = chunk.removeprefix(b"\xef\xbb\xbf"), False
        if _CONTROL_BYTES.search(chunk):
            raise FileRefused(
                _("The file is not a recognised document, image or text file; it is not accepted.")
            )
        window = carry + chunk
        if _MARKUP.search(window):
            raise FileRefused(_("The file contains HTML, SVG or XML markup; it is not accepted."))
        carry = window[-32:]
    stream.seek(0)


def sniff_bytes(data: bytes, name: str) -> FileKind:
    """`sniff` for bytes in memory."""
    return sniff(io.BytesIO(data), name)
