"""Bytes to tables: an .xlsx workbook, the tables of a .docx, or a .csv (UTF-8 or GB18030).

The format is told by the content, never by the file name. Each table comes out as rows of
values with merged cells filled in (a section title merged across the table stands in every
cell of its row; a unit merged over three rows stands in each), and each merged cell says
where its merge starts, so that the parser can tell the two apart.

Rows are read lazily: a sheet of 50,000 rows is refused once the parser has counted past
its limit, without reading the rest.
"""

from __future__ import annotations

import contextlib
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from utilities import archives

from .errors import MAX_ROWS, TaskSheetError, too_many_rows
from .model import RawRow

MAX_BYTES = 20 * 1024 * 1024
# An .xlsx or .docx unpacks to what it really holds, checked by inflating it before
# openpyxl or python-docx parse any XML (utilities.archives): a 5,000-row sheet unpacks to a
# few MB; a small file that inflates to gigabytes is a bomb.
MAX_UNPACKED = 100 * 1024 * 1024
MAX_ENTRIES = 1000
# A 任务分解表 has a dozen columns at most; anything further right is not read.
MAX_COLUMNS = 30

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An Office file protected by a password is an OLE container with these streams.
ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
BINARY_SIGNATURES = {
    b"%PDF": "PDF",
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"Rar!": "RAR",
    b"7z\xbc\xaf": "7z",
    b"\x1f\x8b": "gzip",
}


@dataclass
class Table:
    """One sheet of a workbook, one table of a document, or the CSV file."""

    name: str
    rows: Iterator[RawRow]


@contextlib.contextmanager
def open_tables(data: bytes) -> Iterator[list[Table]]:
    """The tables ``data`` holds, readable until the block ends. Raises TaskSheetError."""
    if not data or not data.strip():
        raise TaskSheetError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise TaskSheetError(
            _("The file is too large (%(size)s MB); a task list should be under %(limit)s MB.")
            % {"size": f"{len(data) / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024}
        )
    if data.startswith(OLE):
        if any(stream in data for stream in ENCRYPTED_STREAMS):
            raise TaskSheetError(
                _(
                    "This file is protected by a password, so it cannot be read. Open it, remove "
                    "the password (save it without one) and upload it again."
                )
            )
        raise TaskSheetError(
            _(
                "This is an old-format Excel, Word or WPS file (.xls, .doc, .et). Open it and save "
                "it as .xlsx (or .docx), then upload that."
            )
        )
    for signature, kind in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise TaskSheetError(
                _("This is a %(kind)s file, not a task list. Upload the task list as .xlsx, .docx or .csv.")
                % {"kind": kind}
            )
    if data.startswith(ZIP):
        names = _checked_archive(data)
        if "xl/workbook.xml" in names:
            with _xlsx_tables(data) as tables:
                yield tables
            return
        if "word/document.xml" in names:
            _check_docx_rows(data)
            yield _docx_tables(data)
            return
        raise TaskSheetError(_("This zip file is neither an Excel (.xlsx) nor a Word (.docx) file."))
    yield [Table(name="CSV", rows=_csv_rows(data))]


def _checked_archive(data: bytes) -> list[str]:
    try:
        contents = archives.check_archive(
            io.BytesIO(data), max_unpacked=MAX_UNPACKED, max_entries=MAX_ENTRIES
        )
    except archives.ArchiveTooLarge as error:
        raise TaskSheetError(
            _(
                "This file unpacks to more than %(limit)s MB, far more than a task list; it was not "
                "read. Save the table alone in a new file and upload that."
            )
            % {"limit": error.limit // 1024 // 1024}
        ) from None
    except archives.ArchiveTooManyEntries as error:
        raise TaskSheetError(
            _("This file holds %(count)s parts, far more than a task list; it was not read.")
            % {"count": error.count}
        ) from None
    except archives.ArchiveEncrypted:
        raise TaskSheetError(
            _(
                "This file is protected by a password, so it cannot be read. Open it, remove "
                "the password (save it without one) and upload it again."
            )
        ) from None
    except archives.ArchiveRefused:
        raise TaskSheetError(
            _("This file is damaged and cannot be opened. Save it again and upload it.")
        ) from None
    return contents.names


# -- xlsx ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _xlsx_tables(data: bytes) -> Iterator[list[Table]]:
    from .xlsx import Workbook, XlsxDamaged

    try:
        book = Workbook(data)
    except XlsxDamaged as error:
        raise TaskSheetError(_damaged_xlsx()) from error
    try:
        yield [Table(name=sheet.name, rows=_xlsx_rows(book, sheet)) for sheet in book.sheets]
    finally:
        book.close()


def _xlsx_rows(book, sheet) -> Iterator[RawRow]:
    from .xlsx import XlsxDamaged

    try:
        yield from book.rows(sheet, max_columns=MAX_COLUMNS)
    except (XlsxDamaged, KeyError, ValueError, zipfile.BadZipFile, OSError) as error:
        raise TaskSheetError(_damaged_xlsx()) from error


def _damaged_xlsx() -> str:
    return _(
        "This Excel file cannot be read; it may be damaged. Open it in Excel or WPS, save it again and upload it."
    )


# -- docx ------------------------------------------------------------------------------------


def _check_docx_rows(data: bytes) -> None:
    """python-docx reads a whole document before its first row: a table of tens of thousands
    of rows is refused by counting its rows first (blank ones too, so with room to spare)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("word/document.xml") as stream:
        rows, tail = 0, b""
        while chunk := stream.read(1024 * 1024):
            text = tail + chunk
            rows += text.count(b"<w:tr>") + text.count(b"<w:tr ")
            tail = text[-6:]
            rows -= tail.count(b"<w:tr>") + tail.count(b"<w:tr ")
            if rows > 2 * MAX_ROWS:
                raise TaskSheetError(too_many_rows(rows))


def _docx_tables(data: bytes) -> list[Table]:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many kinds on damaged files
        raise TaskSheetError(
            _(
                "This Word document cannot be read; it may be damaged. Open it in Word or WPS, save it again and upload it."
            )
        ) from error
    tables = [
        Table(name=_("Table %(number)s") % {"number": n}, rows=_docx_rows(table))
        for n, table in enumerate(document.tables, start=1)
    ]
    if not tables:
        raise TaskSheetError(
            _("This Word document holds no table. A task list in Word must be a table with a header row.")
        )
    return tables


def _docx_rows(table) -> Iterator[RawRow]:
    from docx.oxml.ns import qn

    text_tag, paragraph_tag = qn("w:t"), qn("w:p")
    above: list[tuple[object, tuple[int, int]]] = []  # per column: (value, origin) of the row above
    for number, tr in enumerate(table._tbl.tr_lst, start=1):
        values: list[object] = []
        origins: list[tuple[int, int] | None] = []
        for tc in tr.tc_lst:
            span = max(1, tc.grid_span)
            column = len(values)
            if tc.vMerge == "continue" and column < len(above):
                value, origin = above[column]
                cells = [(value, origin)] * span
            else:
                paragraphs = ["".join(t.text or "" for t in p.iter(text_tag)) for p in tc.iter(paragraph_tag)]
                value = "\n".join(paragraphs).strip()
                merged = span > 1 or tc.vMerge == "restart"
                origin = (number, column) if merged else None
                cells = [(value, origin)] * span
            for value, origin in cells:
                values.append(value)
                origins.append(origin)
        above = list(zip(values, origins, strict=True))
        yield RawRow(number=number, values=values[:MAX_COLUMNS], origins=origins[:MAX_COLUMNS])


# -- csv -------------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> Iterator[RawRow]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            values = values[:MAX_COLUMNS]
            yield RawRow(number=number, values=list(values), origins=[None] * len(values))
    except csv.Error as error:
        raise TaskSheetError(_("This CSV file cannot be read: %(error)s") % {"error": error}) from error


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise TaskSheetError(_("This is a binary file, not a task list. Upload it as .xlsx, .docx or .csv."))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as error:
        raise TaskSheetError(
            _("The text encoding is not recognised; save the CSV file as UTF-8 or GBK (GB18030).")
        ) from error
