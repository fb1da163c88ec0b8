"""Item exports: CSV (UTF-8 with BOM, streamed) and XLSX (openpyxl write-only).

Cells that a spreadsheet would run as a formula (= + - @, tab, carriage return) get a
leading apostrophe, so an item titled ``=1+1`` stays text (formula injection).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator

from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from .models import Item

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def safe_cell(value) -> object:
    """Neutralise text a spreadsheet would evaluate; numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def item_columns() -> list[tuple[str, Callable[[Item], object]]]:
    """(header, value) of each exported column; the item list's columns in plain text."""

    def person(item):
        user = item.assignee
        return (user.get_full_name() or user.get_username()) if user else ""

    return [
        (_("ID"), lambda i: i.pk),
        (_("Year"), lambda i: i.year),
        (_("Area"), lambda i: i.area.name if i.area else ""),
        (_("Kind"), lambda i: i.get_kind_display()),
        (_("Title"), lambda i: i.title),
        (_("Lead unit"), lambda i: i.lead_unit.name if i.lead_unit else ""),
        (_("Cooperating units"), lambda i: "、".join(u.name for u in i.cooperating_units.all())),
        (_("Responsible person"), person),
        (_("Deadline"), lambda i: i.due_on.isoformat() if i.due_on else ""),
        (_("Status"), lambda i: i.status_label),
        (_("Overdue"), lambda i: _("Yes") if getattr(i, "is_overdue", False) else ""),
        (_("Last update"), lambda i: i.updated_at.strftime("%Y-%m-%d %H:%M") if i.updated_at else ""),
        (_("Source text"), lambda i: i.text),
    ]


def _rows(items: Iterable[Item], columns, cell=safe_cell) -> Iterator[list]:
    for item in items:
        yield [cell(getter(item)) for _header, getter in columns]


class _Echo:
    def write(self, value):
        return value


def write_csv(items, handle) -> None:
    """``items`` as CSV (with BOM) into an open text file."""
    columns = item_columns()
    writer = csv.writer(handle)
    handle.write("\ufeff")
    writer.writerow([header for header, _getter in columns])
    writer.writerows(_rows(items.iterator(chunk_size=CHUNK), columns))


def csv_response(items, filename: str) -> StreamingHttpResponse:
    """Stream ``items`` as CSV; Excel on Chinese Windows opens it thanks to the BOM."""
    columns = item_columns()
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff" + writer.writerow([header for header, _getter in columns])
        for row in _rows(items.iterator(chunk_size=CHUNK), columns):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(items, filename: str, *, title: str) -> FileResponse:
    """``items`` as one XLSX sheet, written in constant memory (openpyxl write-only)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    columns = item_columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    widths = [8, 8, 22, 10, 40, 22, 24, 12, 12, 10, 8, 17, 60]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"
    sheet.append([header for header, _getter in columns])

    def text_cell(value):
        # In XLSX a formula-looking string is stored as a plain string cell, shown as typed.
        if isinstance(value, str) and value.startswith(FORMULA_START):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    for row in _rows(items.iterator(chunk_size=CHUNK), columns, cell=text_cell):
        sheet.append(row)
    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
