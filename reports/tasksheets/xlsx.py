"""An .xlsx workbook's sheets as rows of values, read straight from its XML (lxml).

openpyxl (even read-only) parses a whole sheet once to find its size when the file does not
state it, and builds an object per inline-string cell: a 50,000-row sheet took seconds
before its first row came out. Here a sheet is walked row by row with ``iterparse``, so
the parser can stop at its row limit, and each cell gives what a person sees:

- shared and inline strings; numbers; booleans; a date where the cell's number format is a
  date (the built-in ones, the Chinese built-ins Excel and WPS do not write out, and custom
  formats), counted from 1900 or 1904 as the workbook says;
- a formula's value as Excel last saved it (formulas are never evaluated); a formula with
  no saved value is read as empty, and its column is reported;
- merged ranges (which follow the rows in the file, so they are read first).

The archive has been checked (utilities.archives) before this module opens it.
"""

from __future__ import annotations

import datetime
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from .model import RawRow

# Built-in number formats that are dates: the international ones, and those of the Chinese
# locale (27-31, 36, 50-58: 2021年6月, 6月30日, 2021年6月30日 …), which files do not spell out.
_BUILTIN_DATES = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47, 27, 28, 29, 30, 31, 36, *range(50, 59)}
_REL_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")


class XlsxDamaged(ValueError):
    pass


@dataclass
class Sheet:
    name: str
    path: str


def _parser() -> etree.XMLParser:
    # Untrusted XML: no entities expanded, no DTD, nothing fetched.
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _text_of(element) -> str:
    """The text of a shared or inline string: its runs' <t>, without phonetic guides (<rPh>)."""
    parts = []
    for node in element.iter():
        if _local(node.tag) == "t" and _local(node.getparent().tag) != "rPh" and node.text:
            parts.append(node.text)
    return "".join(parts)


class Workbook:
    """The parts of a workbook the reader needs; ``sheets`` in the workbook's order."""

    def __init__(self, data: bytes):
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            self.names = set(self.archive.namelist())
            workbook = self._xml("xl/workbook.xml")
            self.epoch = CALENDAR_WINDOWS_1900
            for node in workbook.iter():
                if _local(node.tag) == "workbookPr" and node.get("date1904") in ("1", "true"):
                    self.epoch = CALENDAR_MAC_1904
            targets = self._relationships("xl/_rels/workbook.xml.rels", base="xl")
            self.sheets: list[Sheet] = []
            hidden: list[Sheet] = []
            for node in workbook.iter():
                if _local(node.tag) != "sheet":
                    continue
                rel = node.get(f"{{{_REL_OFFICE}}}id") or node.get(f"{{{_REL_STRICT}}}id")
                path = targets.get(rel)
                if path and path in self.names:
                    sheet = Sheet(name=node.get("name") or path, path=path)
                    (hidden if node.get("state") in ("hidden", "veryHidden") else self.sheets).append(sheet)
            self.sheets.extend(hidden)  # a hidden sheet is read only if no visible one has a header
            self.strings = self._shared_strings()
            self.date_styles = self._date_styles()
        except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, ValueError, OSError) as error:
            raise XlsxDamaged(str(error)) from error

    def _xml(self, name: str):
        return etree.fromstring(self.archive.read(name), _parser())

    def _relationships(self, name: str, *, base: str) -> dict[str, str]:
        if name not in self.names:
            return {}
        found = {}
        for node in self._xml(name).iter():
            if _local(node.tag) == "Relationship":
                target = node.get("Target", "")
                path = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"{base}/{target}")
                )
                found[node.get("Id")] = path
        return found

    def _shared_strings(self) -> list[str]:
        name = next((n for n in ("xl/sharedStrings.xml", "xl/SharedStrings.xml") if n in self.names), None)
        if name is None:
            return []
        strings = []
        with self.archive.open(name) as stream:
            for _event, element in etree.iterparse(
                stream, events=("end",), tag="{*}si", resolve_entities=False, no_network=True
            ):
                strings.append(_text_of(element))
                element.clear()
        return strings

    def _date_styles(self) -> set[int]:
        """Indices of the cell styles (cellXfs) whose number format is a date."""
        if "xl/styles.xml" not in self.names:
            return set()
        styles = self._xml("xl/styles.xml")
        custom = {}
        for node in styles.iter():
            if _local(node.tag) == "numFmt":
                custom[int(node.get("numFmtId", "-1"))] = node.get("formatCode", "")
        dates = set()
        for node in styles.iter():
            if _local(node.tag) != "cellXfs":
                continue
            for index, xf in enumerate(child for child in node if _local(child.tag) == "xf"):
                number = int(xf.get("numFmtId", "0"))
                code = custom.get(number, BUILTIN_FORMATS.get(number, ""))
                if number in _BUILTIN_DATES or (code and is_date_format(code)):
                    dates.add(index)
        return dates

    def rows(self, sheet: Sheet, *, max_columns: int) -> Iterator[RawRow]:
        xml = self.archive.read(sheet.path)
        merges = _merges(xml)
        return self._rows(xml, merges, max_columns)

    def _rows(self, xml: bytes, merges, max_columns: int) -> Iterator[RawRow]:
        starting: dict[int, list[tuple[int, int, int, int]]] = {}
        for merge in merges:
            if merge[1] <= max_columns:
                starting.setdefault(merge[0], []).append(merge)
        active: list[tuple[tuple[int, int, int, int], object]] = []
        expected = 1  # the next row number, to fill in rows the file leaves out
        try:
            for _event, element in etree.iterparse(
                io.BytesIO(xml), events=("end",), tag="{*}row", resolve_entities=False, no_network=True
            ):
                number = int(element.get("r") or expected)
                values, uncalculated = self._cells(element, max_columns)
                element.clear()
                while expected < number:  # rows the file leaves out are empty rows
                    yield from self._filled(expected, [None] * max_columns, set(), starting, active)
                    active = [(m, v) for m, v in active if m[2] > expected]
                    expected += 1
                yield from self._filled(number, values, uncalculated, starting, active)
                active = [(m, v) for m, v in active if m[2] > number]
                expected = number + 1
        except etree.XMLSyntaxError as error:
            raise XlsxDamaged(str(error)) from error

    @staticmethod
    def _filled(number, values, uncalculated, starting, active) -> Iterator[RawRow]:
        origins: list[tuple[int, int] | None] = [None] * len(values)
        for merge in starting.get(number, ()):
            active.append((merge, values[merge[1] - 1]))
        for (r1, c1, r2, c2), value in active:
            if r1 <= number <= r2:
                for column in range(c1 - 1, min(c2, len(values))):
                    values[column] = value
                    origins[column] = (r1, c1 - 1)
        yield RawRow(number=number, values=values, origins=origins, uncalculated=uncalculated)

    def _cells(self, row, max_columns: int) -> tuple[list[object], set[int]]:
        values: list[object] = [None] * max_columns
        uncalculated: set[int] = set()
        column = 0
        for cell in row:
            if _local(cell.tag) != "c":
                continue
            ref = cell.get("r")
            match = _CELL_REF.match(ref) if ref else None
            column = _column_number(match.group(1)) - 1 if match else column
            if column < max_columns:
                values[column], formula_unsaved = self._value(cell)
                if formula_unsaved:
                    uncalculated.add(column)
            column += 1
        return values, uncalculated

    def _value(self, cell) -> tuple[object, bool]:
        kind = cell.get("t", "n")
        text = None
        formula = False
        inline = None
        for child in cell:
            name = _local(child.tag)
            if name == "v":
                text = child.text
            elif name == "f":
                formula = True
            elif name == "is":
                inline = child
        if kind == "inlineStr":
            return (_text_of(inline) if inline is not None else None), False
        if text is None or text == "":
            return None, formula
        if kind == "s":
            index = int(text)
            return (self.strings[index] if 0 <= index < len(self.strings) else None), False
        if kind in ("str", "e"):
            return text, False
        if kind == "b":
            return text in ("1", "true"), False
        if kind == "d":
            try:
                return datetime.datetime.fromisoformat(text), False
            except ValueError:
                return text, False
        number = float(text)
        style = cell.get("s")
        if style is not None and int(style) in self.date_styles:
            try:
                return from_excel(number, self.epoch), False
            except (ValueError, OverflowError):
                return number, False
        return (
            int(number) if number.is_integer() and "." not in text and "E" not in text.upper() else number
        ), False

    def close(self) -> None:
        self.archive.close()


def _merges(xml: bytes) -> list[tuple[int, int, int, int]]:
    """(first row, first column, last row, last column) of each merged range, 1-based."""
    end = xml.rfind(b"sheetData>")
    ranges = []
    for match in _MERGE.finditer(xml, max(end, 0)):
        c1, r1 = _column_number(match.group(1).decode()), int(match.group(2))
        c2 = _column_number(match.group(3).decode()) if match.group(3) else c1
        r2 = int(match.group(4)) if match.group(4) else r1
        ranges.append((r1, c1, r2, c2))
    return ranges
