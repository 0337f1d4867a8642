"""Checks on the uploaded file BEFORE any spreadsheet library reads it: size, zip container,
Excel workbook parts, macros, and zip bombs (judged from the zip directory, nothing unpacked)."""

from __future__ import annotations

import zipfile
from io import BytesIO

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from pmm.core.errors import ApplicationError, FieldProblem

MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # all parts together, once unpacked
MAX_RATIO = 100  # unpacked size / packed size of any part bigger than RATIO_FLOOR_BYTES
RATIO_FLOOR_BYTES = 256 * 1024
MAX_ENTRIES = 2000
MAX_CONTENT_TYPES_BYTES = 1024 * 1024
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam", ".xlsb")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls) and other OLE files


def _refuse(message: str) -> ApplicationError:
    return ApplicationError(
        _("The file was refused; nothing was saved."),
        code="invalid_values",
        problems=[FieldProblem("file", message)],
    )


def package_check(data: bytes, filename: str) -> None:
    """Refuse a file that is not a plain .xlsx workbook of a reasonable size."""
    limit = settings.PMM_WORKBOOK_MAX_BYTES
    if len(data) > limit:
        raise _refuse(
            _("%(name)s is larger than the limit of %(limit)s.")
            % {"name": filename, "limit": filesizeformat(limit)}
        )
    if filename.lower().endswith(MACRO_SUFFIXES):
        raise _refuse(
            _("%(name)s is a macro-enabled or binary workbook; save it as .xlsx.") % {"name": filename}
        )
    if data.startswith(OLE_MAGIC):
        raise _refuse(
            _("%(name)s is an old Excel 97-2003 (.xls) file; save it as .xlsx.") % {"name": filename}
        )
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse(_("%(name)s is not an Excel workbook (.xlsx).") % {"name": filename}) from None
    with archive:
        entries = archive.infolist()
        names = {entry.filename for entry in entries}
        if len(entries) > MAX_ENTRIES or any(part not in names for part in REQUIRED_PARTS):
            raise _refuse(_("%(name)s is a zip file but not an Excel workbook (.xlsx).") % {"name": filename})
        _check_sizes(entries, filename)
        manifest = archive.getinfo("[Content_Types].xml")
        if manifest.file_size > MAX_CONTENT_TYPES_BYTES:
            raise _refuse(_("%(name)s is a zip file but not an Excel workbook (.xlsx).") % {"name": filename})
        if "xl/vbaProject.bin" in names or b"macroenabled" in archive.read(manifest).lower():
            raise _refuse(
                _("%(name)s contains macros; macro-enabled workbooks are refused. Save it as .xlsx.")
                % {"name": filename}
            )


def _check_sizes(entries: list[zipfile.ZipInfo], filename: str) -> None:
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        raise _refuse(
            _(
                "%(name)s would unpack to %(size)s, more than the limit of %(limit)s; "
                "it looks like a zip bomb."
            )
            % {
                "name": filename,
                "size": filesizeformat(unpacked),
                "limit": filesizeformat(MAX_UNCOMPRESSED_BYTES),
            }
        )
    for entry in entries:
        if entry.file_size > RATIO_FLOOR_BYTES and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise _refuse(
                _(
                    "%(name)s has a part (%(part)s) compressed more than %(ratio)s times; "
                    "it looks like a zip bomb."
                )
                % {"name": filename, "part": entry.filename, "ratio": MAX_RATIO}
            )
