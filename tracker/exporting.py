"""Item exports: CSV (UTF-8 with BOM, streamed) and XLSX (openpyxl write-only).

Cells that a spreadsheet would run as a formula (= + - @, tab, carriage return) get a
leading apostrophe, so an item titled ``=1+1`` stays text (formula injection).
"""

from __future__ import annotations

import csv
import itertools
import tempfile
from collections.abc import Iterator

from django.db.models import BooleanField, ExpressionWrapper
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import ItemKind, ItemStatus
from .models import official_label
from .selectors import cooperating_unit_names, overdue_q
from .workflow import status_label

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def safe_cell(value) -> object:
    """Neutralise text a spreadsheet would evaluate; numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


# What each exported row reads: plain values from one query, no model instances (a model per
# row and per related row was most of an export's time).
_FIELDS = (
    "pk", "year", "area__name", "kind", "title", "lead_unit__name", "assignee__first_name",
    "assignee__last_name", "assignee__username", "responsible_name", "responsible_post", "due_on", "status",
    "export_overdue", "updated_at", "text", "ongoing",
)  # fmt: skip


def item_headers() -> list[str]:
    """The exported columns: the item list's, in plain text, and the source text."""
    return [
        _("ID"), _("Year"), _("Area"), _("Kind"), _("Title"), _("Lead unit"), _("Cooperating units"),
        _("Responsible person"), _("Deadline"), _("Status"), _("Overdue"), _("Last update"), _("Source text"),
    ]  # fmt: skip


def export_rows(items, cell=safe_cell) -> Iterator[list]:
    """``items`` (a queryset, in its order) as export rows, streamed in chunks: one query for
    the rows (a server-side cursor on PostgreSQL) and one per CHUNK rows for their
    cooperating units. ``cell`` makes each value safe for the file format."""
    kinds = {value: str(label) for value, label in ItemKind.choices}
    labels = {(kind, status): status_label(kind, status) for kind in kinds for status in ItemStatus.values}
    yes = _("Yes")
    ongoing_label = _("Ongoing")  # no fixed deadline: reviewed at the end of the year
    tz = timezone.get_current_timezone()
    rows = (
        items.prefetch_related(None)
        .annotate(export_overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField()))
        .values_list(*_FIELDS)
        .iterator(chunk_size=CHUNK)
    )
    for chunk in iter(lambda: list(itertools.islice(rows, CHUNK)), []):
        cooperating = cooperating_unit_names([row[0] for row in chunk], short=False)
        for (
            pk,
            year,
            area,
            kind,
            title,
            lead,
            first,
            last,
            username,
            official,
            post,
            due_on,
            status,
            overdue,
            updated,
            text,
            ongoing,
        ) in chunk:
            # A user of the lead unit, else an official named without an account, with the post.
            person = (f"{first} {last}".strip() or username) if username else official_label(official, post)
            yield [
                cell(value)
                for value in (
                    pk,
                    year,
                    area or "",
                    kinds.get(kind, kind),
                    title,
                    lead or "",
                    "、".join(cooperating.get(pk, ())),
                    person,
                    due_on.isoformat() if due_on else ongoing_label if ongoing else "",
                    labels.get((kind, status), status),
                    yes if overdue else "",
                    updated.astimezone(tz).strftime("%Y-%m-%d %H:%M") if updated else "",
                    text,
                )
            ]


class _Echo:
    def write(self, value):
        return value


def write_csv(items, handle) -> None:
    """``items`` as CSV (with BOM) into an open text file."""
    writer = csv.writer(handle)
    handle.write("\ufeff")
    writer.writerow(item_headers())
    writer.writerows(export_rows(items))


def csv_response(items, filename: str) -> StreamingHttpResponse:
    """Stream ``items`` as CSV; Excel on Chinese Windows opens it thanks to the BOM."""
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff" + writer.writerow(item_headers())
        for row in export_rows(items):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(items, filename: str, *, title: str) -> FileResponse:
    """``items`` as one XLSX sheet, written in constant memory (openpyxl write-only)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    headers = item_headers()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    widths = [8, 8, 22, 10, 40, 22, 24, 12, 12, 10, 8, 17, 60]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1"
    sheet.append(headers)

    def text_cell(value):
        # In XLSX a formula-looking string is stored as a plain string cell, shown as typed.
        if isinstance(value, str) and value.startswith(FORMULA_START):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    for row in export_rows(items, cell=text_cell):
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
