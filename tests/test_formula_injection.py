"""Formula injection: text that people typed or imported and that starts with a character a
spreadsheet reads as the start of a formula (= + - @, tab, carriage return) never becomes
a formula in an export, whatever column it lands in.

- CSV (the item list's export and the year's ``/reports/<year>/export/csv/``): such a cell
  starts with an apostrophe, so Excel and WPS show it as text.
- XLSX (the item list's export, the year's ledger ``/reports/<year>/export/xlsx/`` and its
  task list ``/reports/<year>/export/tasks/``): such
  a cell is a text cell holding exactly what was typed; no cell of the workbook is a formula.
  (openpyxl makes a formula only of text starting with =; the other characters are stored
  as text whatever the code does, so only the = cases can catch a regression there.)

Each formula-start character is tried on its own, in every text column people fill: title,
source text, area, lead and cooperating units, responsible person, the latest progress note,
shortfalls and their measures, metrics, and the issuer in the ledger's title row.
"""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import AnnualReportFactory, ItemFactory, MetricFactory, UnitFactory, UserFactory
from tracker.models import Area, ProgressUpdate

pytestmark = pytest.mark.django_db

FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


@pytest.fixture(params=FORMULA_STARTS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def planted(request, reviewer_client):
    """A 2020 ledger whose every typed text starts with one formula character; returns the
    texts (each as typed) that must come out of the exports as text."""
    c = request.param
    texts = {
        "title": f"{c}1+1",
        "text": f"{c}SUM(A1:A9)",
        "area": f"{c}依法行政领域",
        "lead": f"{c}县司法局",
        "coop": f"{c}县财政局",
        "person": f'{c}HYPERLINK("http://x")',
        "note": f"{c}cmd|' /C calc'!A0",
        "shortfall": f"{c}执法人员不足",
        "measure": f"{c}充实执法力量",
        "metric": f"{c}政务服务事项",
        "issuer": f"{c}测试县人民政府",
    }
    report = AnnualReportFactory(year=2020, state="active", issuer=texts["issuer"])
    area = Area.objects.get(code="2015-functions")
    area.name = texts["area"]
    area.save(update_fields=["name"])
    lead = UnitFactory(name=texts["lead"])
    person = UserFactory(first_name=texts["person"], last_name="")
    task = ItemFactory(
        report=report, area=area, title=texts["title"], text=texts["text"], lead_unit=lead, assignee=person
    )
    task.cooperating_units.add(UnitFactory(name=texts["coop"]))
    ProgressUpdate.objects.create(item=task, author=reviewer_client.user, note=texts["note"])
    shortfall = ItemFactory(
        report=report, area=area, kind="shortfall", title=texts["shortfall"], lead_unit=lead
    )
    measure = ItemFactory(report=report, area=area, kind="measure", title=texts["measure"], lead_unit=lead)
    measure.addresses.add(shortfall)
    ProgressUpdate.objects.create(item=measure, author=reviewer_client.user, note=texts["note"])
    MetricFactory(item=task, label=texts["metric"])
    # A person's name is shown trimmed (Django's get_full_name): a leading tab or CR goes.
    texts["person"] = texts["person"].strip()
    return c, texts


def _csv_cells(response) -> list[str]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(body, newline="")) for cell in row]


def _assert_csv_neutralised(cells, texts, columns):
    assert [cell for cell in cells if cell.startswith(tuple(FORMULA_STARTS))] == []
    for column in columns:
        typed = texts[column]
        assert ("'" + typed if typed.startswith(tuple(FORMULA_STARTS)) else typed) in cells, column


CSV_COLUMNS = ["title", "text", "area", "lead", "person", "shortfall", "measure"]


def test_item_list_csv_neutralises_every_formula_start(reviewer_client, planted):
    _c, texts = planted
    response = reviewer_client.get(reverse("tracker:items"), {"year": "2020", "_export": "csv"})
    cells = _csv_cells(response)
    _assert_csv_neutralised(cells, texts, CSV_COLUMNS)
    assert any(cell.startswith("'" + texts["coop"]) for cell in cells)


def test_year_csv_neutralises_every_formula_start(reviewer_client, planted):
    _c, texts = planted
    cells = _csv_cells(reviewer_client.get(reverse("reports:export", args=[2020, "csv"])))
    _assert_csv_neutralised(cells, texts, CSV_COLUMNS)


def _workbook_cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_xlsx_text_only(data: bytes, texts, columns):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            xml = archive.read(name).decode()
            assert "<f>" not in xml and "<f " not in xml, f"a formula in {name}"
    cells = _workbook_cells(data)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    values = {cell.value for cell in cells if isinstance(cell.value, str)}
    for column in columns:
        assert texts[column] in values, column  # exactly as typed, no apostrophe


def test_item_list_xlsx_keeps_every_formula_start_as_text(reviewer_client, planted):
    _c, texts = planted
    response = reviewer_client.get(reverse("tracker:items"), {"year": "2020", "_export": "xlsx"})
    _assert_xlsx_text_only(b"".join(response.streaming_content), texts, CSV_COLUMNS)


def test_year_ledger_xlsx_keeps_every_formula_start_as_text(reviewer_client, planted):
    _c, texts = planted
    response = reviewer_client.get(reverse("reports:export", args=[2020, "xlsx"]))
    data = b"".join(response.streaming_content)
    _assert_xlsx_text_only(
        data, texts, ["title", "area", "lead", "person", "note", "shortfall", "measure", "metric"]
    )
    title_row = [c.value for c in _workbook_cells(data) if isinstance(c.value, str) and "·" in c.value]
    assert title_row and all(value.startswith(texts["issuer"]) for value in title_row)


def test_year_task_list_xlsx_keeps_every_formula_start_as_text(reviewer_client, planted):
    _c, texts = planted
    response = reviewer_client.get(reverse("reports:export", args=[2020, "tasks"]))
    _assert_xlsx_text_only(b"".join(response.streaming_content), texts, ["text", "lead", "coop", "person"])
