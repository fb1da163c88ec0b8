"""Bytes to text: plain text in UTF-8 / UTF-8 with BOM / GB18030 (GBK) / UTF-16 with BOM, .docx,
saved HTML.

The format is detected from the content, never from the file name.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from django.utils.translation import gettext as _

from utilities import archives

from .errors import ReportReadError

MAX_BYTES = 2 * 1024 * 1024  # a report is 10-100 KB; anything near this size is not one
# A report's .docx unpacks to a few hundred KB (its text) plus its pictures, which do not
# shrink when zipped. Checked by inflating it before python-docx parses any XML: a 2 MB file
# can inflate to 2 GB, and python-docx would hold all of it, and its tree, in memory.
DOCX_MAX_UNPACKED = 20 * 1024 * 1024
DOCX_MAX_ENTRIES = 1000

# Magic numbers of files people upload by mistake.
BINARY_SIGNATURES = {
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"%PDF": "PDF",
    b"BM": None,  # too short to be sure; checked with NUL bytes below
    b"\xd0\xcf\x11\xe0": "DOC/XLS",
    b"Rar!": "RAR",
    b"7z\xbc\xaf": "7z",
    b"\x1f\x8b": "gzip",
}


def read_report_bytes(data: bytes, filename: str = "") -> str:
    """Decode an uploaded report. Raises ReportReadError with a translated message."""
    if not data or not data.strip():
        raise ReportReadError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise ReportReadError(
            _("The file is too large (%(size)s MB); a report should be under %(limit)s MB.")
            % {"size": f"{len(data) / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024}
        )
    if data.startswith(b"PK\x03\x04"):
        return _read_docx(data)
    for signature, kind in BINARY_SIGNATURES.items():
        if kind and data.startswith(signature):
            raise ReportReadError(
                _(
                    "This is a %(kind)s file, not a report. Upload the report as text, .docx or a saved web page."
                )
                % {"kind": kind}
            )
    text = _decode_text(data)
    if _looks_like_html(text):
        text = html_to_text(text)
    if not text.strip():
        raise ReportReadError(_("The file holds no text."))
    return text


def _decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with its byte-order mark: Notepad's "Unicode".
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise ReportReadError(
                _("The text encoding is not recognised; save the report as UTF-8 or GBK text.")
            ) from exc
    if b"\x00" in data[:4096]:
        raise ReportReadError(_("This is a binary file, not a report in text form."))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ReportReadError(
                _("The text encoding is not recognised; save the report as UTF-8 or GBK text.")
            ) from exc
    control = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\r\n\t\f\v")
    if control > max(8, len(text[:20000]) // 100):
        raise ReportReadError(_("This is a binary file, not a report in text form."))
    return text


def _read_docx(data: bytes) -> str:
    try:
        contents = archives.check_archive(
            io.BytesIO(data), max_unpacked=DOCX_MAX_UNPACKED, max_entries=DOCX_MAX_ENTRIES
        )
    except archives.ArchiveTooLarge as error:
        raise ReportReadError(
            _(
                "This Word document unpacks to more than %(limit)s MB, far more than a report; "
                "it was not read. Save the report's text alone as .docx or .txt."
            )
            % {"limit": error.limit // 1024 // 1024}
        ) from None
    except archives.ArchiveTooManyEntries as error:
        raise ReportReadError(
            _("This file holds %(count)s parts, far more than a Word report; it was not read.")
            % {"count": error.count}
        ) from None
    except archives.ArchiveRefused as error:
        raise ReportReadError(_("This file is damaged or not a Word (.docx) document.")) from error
    if "word/document.xml" not in contents.names:
        raise ReportReadError(_("This zip file is not a Word (.docx) document."))
    import docx  # python-docx; imported here so that plain-text imports do not load it
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on damaged files
        raise ReportReadError(_("This Word document cannot be read; it may be damaged.")) from exc
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = [cell.text.strip() for cell in row.cells]
                # Merged cells repeat their text in each grid cell; keep one.
                unique = [c for i, c in enumerate(cells) if c and (i == 0 or c != cells[i - 1])]
                if unique:
                    lines.append("\t".join(unique))
        else:
            lines.append(block.text)
    text = "\n".join(lines)
    if not text.strip():
        raise ReportReadError(_("The Word document holds no text."))
    return text


_HTML_START = re.compile(r"^\s*(?:<!doctype html|<html|<head|<meta|<body|<div|<p[ >])", re.I)


def _looks_like_html(text: str) -> bool:
    return bool(_HTML_START.match(text[:2000]))


class _TextExtractor(HTMLParser):
    """Collects text by block, skipping scripts, styles and page chrome elements."""

    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table"}
    SKIP = {"script", "style", "noscript", "head", "nav", "header", "footer", "iframe", "select", "button"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip_depth += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip_depth:
            self.parts.append(data.replace("\n", " "))


def html_to_text(html: str) -> str:
    """The visible text of a saved portal page, one block per line."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)
