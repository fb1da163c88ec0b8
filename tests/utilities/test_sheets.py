"""utilities.sheets: typed values written as numbers and dates in XLSX, as text in CSV, and
formula-looking text kept text in both."""

import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from utilities.sheets import Percent, csv_safe, xlsx_row


def test_csv_writes_typed_values_as_the_pages_print_them():
    assert csv_safe(Percent.of(Decimal("50.0"))) == "50.0%"
    assert csv_safe(Percent.of(Decimal("33.3"))) == "33.3%"
    assert csv_safe(datetime(2021, 5, 10, 14, 23)) == "2021-05-10 14:23"
    assert csv_safe(date(2021, 5, 10)) == date(2021, 5, 10)  # csv writes str(): 2021-05-10
    assert csv_safe(7) == 7 and csv_safe("=1+1") == "'=1+1" and csv_safe("甲") == "甲"
    assert Percent.of(None) is None


def test_xlsx_writes_numbers_dates_and_percentages_with_their_formats():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    sheet.append(
        xlsx_row(
            sheet, [7, Percent.of(Decimal("50.0")), date(2021, 5, 10), datetime(2021, 5, 10, 14, 23), "=1+1"]
        )
    )
    output = io.BytesIO()
    book.save(output)
    count, share, day, moment, formula = next(load_workbook(output)["s"].iter_rows())
    assert (count.value, count.data_type) == (7, "n")
    assert (share.value, share.data_type, share.number_format) == (0.5, "n", "0.0%")
    assert day.is_date and day.value == datetime(2021, 5, 10) and day.number_format == "yyyy-mm-dd"
    assert moment.is_date and moment.value == datetime(2021, 5, 10, 14, 23)
    assert moment.number_format == "yyyy-mm-dd hh:mm"
    assert (formula.value, formula.data_type) == ("=1+1", "s")
