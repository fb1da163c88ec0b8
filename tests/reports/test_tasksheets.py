"""The 任务分解表 reader (no database): formats, header, merged cells, units, people,
deadlines, and bad input."""

import datetime
import io
import re
import zipfile

import pytest

from reports.tasksheets import (
    MAX_ROWS,
    TaskSheetError,
    read_deadline,
    read_person,
    read_task_sheet,
    read_units,
    title_of,
)
from reports.tasksheets.header import HEADER_SCAN
from reports.tasksheets.reading import MAX_BYTES
from tests.tasksheets import (
    DIRECTORY,
    HEADER,
    csv_bytes,
    docx_bytes,
    patch_xlsx_sheet,
    task,
    with_cached_value,
    xlsx_bytes,
)

pytestmark = pytest.mark.usefixtures("english")

D = datetime.date


def read(data, year=2021):
    return read_task_sheet(data, year=year, directory=DIRECTORY)


def names(sheet, keys):
    return [sheet.unit_names[key] for key in keys]


# -- formats --------------------------------------------------------------------------------------

ROWS = [
    HEADER,
    task(
        1,
        "梳理公布政务服务事项清单，实行动态调整。",
        "县司法局",
        "县财政局、县公安局",
        "张三（副局长）13800000000",
    ),
    task(2, "开展行政执法案卷评查。", "县市场监督管理局", "", "李四", "三季度末"),
]


@pytest.mark.parametrize(
    "make",
    [
        lambda: xlsx_bytes(ROWS),
        lambda: docx_bytes(ROWS),
        lambda: csv_bytes(ROWS),
        lambda: b"\xef\xbb\xbf" + csv_bytes(ROWS),
        lambda: csv_bytes(ROWS, encoding="gb18030"),
    ],
    ids=["xlsx", "docx", "csv-utf8", "csv-utf8-bom", "csv-gb18030"],
)
def test_each_format_reads_the_same_tasks(make):
    sheet = read(make())
    assert [row.title for row in sheet.rows] == ["梳理公布政务服务事项清单", "开展行政执法案卷评查"]
    first, second = sheet.rows
    assert first.text == "梳理公布政务服务事项清单，实行动态调整。"
    assert names(sheet, [first.lead_key]) == ["县司法局"]
    assert names(sheet, first.cooperating_keys) == ["县财政局", "县公安局"]
    assert (first.responsible_name, first.responsible_post, first.responsible_phone) == (
        "张三",
        "副局长",
        "13800000000",
    )
    assert first.due_on == D(2021, 6, 30) and second.due_on == D(2021, 9, 30)
    assert names(sheet, [second.lead_key]) == ["县市场监督管理局"]
    assert sheet.units_unknown == [] and sheet.deadlines_unread == 0


def test_a_csv_separated_by_tabs_is_read():
    data = "\n".join("\t".join(str(v) for v in row) for row in ROWS).encode("utf-8")
    assert len(read(data).rows) == 2


def test_the_header_is_found_under_a_title_and_the_columns_in_any_order():
    order = [5, 2, 0, 6, 3, 1, 4]  # 完成时限, 牵头单位, 序号, 备注, 配合单位, 工作任务, 责任人
    shuffled = [[row[i] for i in order] for row in ROWS]
    rows = [["2021年法治政府建设任务分解表"], ["（示例）"], [], *shuffled]
    sheet = read(xlsx_bytes(rows, merges=["A1:G1"]))
    assert sheet.header_row == 4
    assert [row.row for row in sheet.rows] == [5, 6]
    assert sheet.rows[0].title == "梳理公布政务服务事项清单"
    assert names(sheet, [sheet.rows[1].lead_key]) == ["县市场监督管理局"]
    assert sheet.rows[1].due_on == D(2021, 9, 30)


def test_header_cells_with_spaces_line_breaks_and_remarks_are_recognised():
    header = ["序 号", "重点\n任务", "责任\n单位", "协办单位", "责任人", "完成时限\n（年月日）", "备注"]
    sheet = read(xlsx_bytes([header, task(1, "推进政务公开。", "县财政局", "县公安局")]))
    assert set(sheet.columns) == {"number", "task", "lead", "cooperating", "responsible", "deadline", "note"}
    assert names(sheet, [sheet.rows[0].lead_key]) == ["县财政局"]


@pytest.mark.parametrize("task_name", ["工作任务", "重点任务", "任务内容", "工作措施", "工作内容"])
@pytest.mark.parametrize("deadline_name", ["完成时限", "时间节点", "完成时间"])
def test_each_usual_column_name_is_read(task_name, deadline_name):
    header = ["序号", task_name, "主办单位", "配合单位", "责任人", deadline_name]
    sheet = read(csv_bytes([header, [1, "推进政务公开。", "县司法局", "", "", "6月底前"]]))
    assert sheet.rows[0].title == "推进政务公开" and sheet.rows[0].due_on == D(2021, 6, 30)


def test_a_header_of_two_rows_is_read_as_one():
    rows = [
        ["序号", "工作任务", "责任单位", None, "完成时限"],
        [None, None, "牵头单位", "配合单位", None],
        [1, "推进政务公开。", "县司法局", "县财政局", "年底前"],
    ]
    sheet = read(xlsx_bytes(rows, merges=["A1:A2", "B1:B2", "C1:D1", "E1:E2"]))
    assert sheet.header_row == 2
    row = sheet.rows[0]
    assert names(sheet, [row.lead_key]) == ["县司法局"] and names(sheet, row.cooperating_keys) == ["县财政局"]


# -- merged cells and sections ------------------------------------------------------------------


def test_a_section_row_merged_across_the_table_heads_the_rows_under_it_and_gives_their_area():
    rows = [
        HEADER,
        ["一、健全政府机构职能体系"],
        task(1, "深化放管服改革。"),
        ["二、健全行政执法工作体系"],
        task(2, "开展执法案卷评查。"),
        task(3, "组织执法培训。"),
    ]
    sheet = read(xlsx_bytes(rows, merges=["A2:G2", "A4:G4"]))
    assert [row.section for row in sheet.rows] == [
        "一、健全政府机构职能体系",
        "二、健全行政执法工作体系",
        "二、健全行政执法工作体系",
    ]
    assert [row.area for row in sheet.rows] == ["2021-functions", "2021-enforcement", "2021-enforcement"]
    assert sheet.sections == ["一、健全政府机构职能体系", "二、健全行政执法工作体系"]
    assert len(sheet.rows) == 3


def test_an_unmerged_section_row_and_a_chinese_numbered_row_are_headings_too():
    rows = [
        HEADER,
        ["一、依法全面履行政府职能", None, None, None, None, None, None],
        task(1, "深化放管服改革。"),
        ["二", "严格规范公正文明执法", None, None, None, None, None],
        task(2, "开展执法案卷评查。"),
    ]
    sheet = read(xlsx_bytes(rows), year=2020)
    assert [row.section for row in sheet.rows] == ["一、依法全面履行政府职能", "二、严格规范公正文明执法"]
    assert [row.area for row in sheet.rows] == ["2015-functions", "2015-enforcement"]


def test_a_unit_cell_merged_over_rows_applies_to_each():
    rows = [
        HEADER,
        task(1, "任务甲。", "县财政局"),
        task(2, "任务乙。", None),
        task(3, "任务丙。", "县公安局"),
    ]
    sheet = read(xlsx_bytes(rows, merges=["C2:C3"]))
    assert names(sheet, [row.lead_key for row in sheet.rows]) == ["县财政局", "县财政局", "县公安局"]


def test_merged_cells_in_a_word_table_are_understood():
    rows = [
        HEADER,
        ["一、健全政府机构职能体系"] + [None] * 6,
        task(1, "任务甲。", "县财政局"),
        task(2, "任务乙。", None),
    ]
    sheet = read(docx_bytes(rows, merges=[((1, 0), (1, 6)), ((2, 2), (3, 2))]))
    assert [row.section for row in sheet.rows] == ["一、健全政府机构职能体系"] * 2
    assert names(sheet, [row.lead_key for row in sheet.rows]) == ["县财政局", "县财政局"]


def test_a_task_cell_merged_over_two_rows_is_one_task_whose_second_units_cooperate():
    rows = [HEADER, task(1, "联合开展专项执法。", "县公安局"), task(None, None, "县交通运输局")]
    sheet = read(xlsx_bytes(rows, merges=["A2:A3", "B2:B3"]))
    assert len(sheet.rows) == 1
    row = sheet.rows[0]
    assert names(sheet, [row.lead_key]) == ["县公安局"]
    assert names(sheet, row.cooperating_keys) == ["县交通运输局"]
    assert any("continues this task" in problem for problem in row.problems)


def test_blank_subtotal_and_textless_rows_are_not_tasks_and_the_preview_says_why():
    rows = [
        HEADER,
        task(1, "任务甲。"),
        [],
        [None, "合计", None, None, None, None, None],
        [2, None, "县司法局"],
    ]
    sheet = read(xlsx_bytes(rows))
    assert [row.title for row in sheet.rows] == ["任务甲"]
    assert [(s.row, s.reason) for s in sheet.skipped] == [
        (4, "A subtotal row; it is not imported."),
        (5, "No task text in this row; it is not imported."),
    ]


def test_a_title_is_the_first_clause_without_its_number_and_at_most_80_characters():
    assert title_of("1.深化“放管服”改革。全面推行告知承诺制") == "深化“放管服”改革"
    assert title_of("（2）推进政务公开：依法公开政府信息") == "推进政务公开"
    assert title_of("1.5万人次参加培训") == "1.5万人次参加培训"
    long = "全面" * 60
    assert len(title_of(long)) == 80 and title_of(long).endswith("…")


# -- units ----------------------------------------------------------------------------------------

from reports.importing.units import UnitMatcher  # noqa: E402

MATCHER = UnitMatcher(DIRECTORY)


def mentions(text):
    return [(m.written, m.key) for m in read_units(text, MATCHER)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("县司法局、县财政局", [("县司法局", 1), ("县财政局", 2)]),
        ("县司法局，县财政局;县公安局", [("县司法局", 1), ("县财政局", 2), ("县公安局", 3)]),
        (
            "县司法局/县财政局 县公安局\n县教育局",
            [("县司法局", 1), ("县财政局", 2), ("县公安局", 3), ("县教育局", 8)],
        ),
        ("县司法局及县财政局", [("县司法局", 1), ("县财政局", 2)]),
        ("县司法局和县公安局", [("县司法局", 1), ("县公安局", 3)]),
        ("县发展和改革委员会", [("县发展和改革委员会", 4)]),
        ("县住房和城乡建设局、县卫健委", [("县住房和城乡建设局", 5), ("县卫健委", 9)]),
        ("司法局", [("司法局", 1)]),
        ("县司法局（牵头）", [("县司法局", 1)]),
        ("县委政法委、县司法局", [("县委政法委", None), ("县司法局", 1)]),
        ("县委政法委和县公安局", [("县委政法委", None), ("县公安局", 3)]),
        ("县司法局、司法局", [("县司法局", 1)]),
        # Names the directory does not know: 和 splits two units, not one unit's own name.
        ("县文化广电和旅游局", [("县文化广电和旅游局", None)]),
        ("县文化局和县旅游局", [("县文化局", None), ("县旅游局", None)]),
    ],
)
def test_unit_cells_are_split_and_matched(text, expected):
    assert mentions(text) == expected


def test_a_cell_naming_ten_units_gives_each_matched_or_reported():
    cell = "、".join(
        [
            "县司法局",
            "县财政局",
            "县公安局",
            "县发改委",
            "县住建局",
            "县市场监管局",
            "县政府办",
            "县教育局",
            "县卫健委",
            "县农机局",
        ]
    )
    rows = [HEADER, task(1, "联合开展检查。", "县交通运输局", cell)]
    sheet = read(xlsx_bytes(rows))
    row = sheet.rows[0]
    assert len(row.cooperating_keys) == 9
    assert row.units_unknown == ["县农机局"] and sheet.units_unknown == ["县农机局"]
    assert any("县农机局" in problem for problem in row.problems)


def test_the_first_unit_of_a_lead_cell_leads_and_the_others_cooperate_and_the_row_says_so():
    sheet = read(xlsx_bytes([HEADER, task(1, "任务。", "县司法局、县城市管理局", "县财政局")]))
    row = sheet.rows[0]
    assert names(sheet, [row.lead_key]) == ["县司法局"]
    assert names(sheet, row.cooperating_keys) == ["县城市管理局", "县财政局"]
    assert any("names 2 units" in problem for problem in row.problems)


def test_an_unknown_lead_unit_is_shown_never_dropped_and_no_other_unit_takes_its_place():
    sheet = read(xlsx_bytes([HEADER, task(1, "任务。", "县委政法委、县司法局")]))
    row = sheet.rows[0]
    assert row.lead_key is None and row.lead_written == "县委政法委、县司法局"
    assert names(sheet, row.cooperating_keys) == ["县司法局"]
    assert row.units_unknown == ["县委政法委"]
    assert any("县委政法委" in problem and "not in the unit list" in problem for problem in row.problems)


def test_a_collective_name_is_reported_as_naming_many_units():
    sheet = read(xlsx_bytes([HEADER, task(1, "任务。", "县司法局", "各乡镇人民政府")]))
    assert sheet.units_unknown == ["各乡镇人民政府"]
    assert any("names many units at once" in problem for problem in sheet.rows[0].problems)


# -- the responsible person --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("张三（副局长）13800000000", ("张三", "副局长", "13800000000")),
        ("张三(副局长) 13800000000", ("张三", "副局长", "13800000000")),
        ("副局长 张三 0373-5551234", ("张三", "副局长", "0373-5551234")),
        ("张三，副局长，电话：13912345678", ("张三", "副局长", "13912345678")),
        ("张三副局长", ("张三", "副局长", "")),
        ("副局长张三", ("张三", "副局长", "")),
        ("王小明主任", ("王小明", "主任", "")),
        ("分管副局长", ("", "分管副局长", "")),
        ("局长：张三", ("张三", "局长", "")),
        ("张三、李四", ("张三、李四", "", "")),
        ("李四", ("李四", "", "")),
        ("", ("", "", "")),
    ],
)
def test_the_responsible_cell_gives_name_post_and_phone(text, expected):
    person = read_person(text)
    assert (person.name, person.post, person.phone) == expected


# -- deadlines ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, due_on",
    [
        ("2021年6月30日", D(2021, 6, 30)),
        ("2021-06-30", D(2021, 6, 30)),
        ("2021/6/30", D(2021, 6, 30)),
        ("2021.6.30", D(2021, 6, 30)),
        ("2021-06-30 00:00:00", D(2021, 6, 30)),
        ("２０２１年６月３０日", D(2021, 6, 30)),
        ("2021.6", D(2021, 6, 30)),
        ("2021-02", D(2021, 2, 28)),
        ("2021年6月", D(2021, 6, 30)),
        ("2021年6月底前", D(2021, 6, 30)),
        ("6月底前", D(2021, 6, 30)),
        ("6月底", D(2021, 6, 30)),
        ("六月底前", D(2021, 6, 30)),
        ("十二月", D(2021, 12, 31)),
        ("6月30日前", D(2021, 6, 30)),
        ("6月中旬", D(2021, 6, 20)),
        ("6月上旬", D(2021, 6, 10)),
        ("上半年", D(2021, 6, 30)),
        ("下半年", D(2021, 12, 31)),
        ("年底前", D(2021, 12, 31)),
        ("年内", D(2021, 12, 31)),
        ("2021年底前", D(2021, 12, 31)),
        ("一季度", D(2021, 3, 31)),
        ("二季度", D(2021, 6, 30)),
        ("第三季度", D(2021, 9, 30)),
        ("三季度末", D(2021, 9, 30)),
        ("四季度", D(2021, 12, 31)),
        ("2021年第一季度", D(2021, 3, 31)),
        ("6月底前出台方案，12月底前全面完成", D(2021, 12, 31)),
    ],
)
def test_deadlines_as_people_write_them(written, due_on):
    deadline = read_deadline(written, 2021)
    assert (deadline.due_on, deadline.ongoing, deadline.problem) == (due_on, False, "")


@pytest.mark.parametrize("written", ["长期坚持", "持续推进", "常态化", "长期", "常态化开展"])
def test_ongoing_work_has_no_fixed_date(written):
    deadline = read_deadline(written, 2021)
    assert (deadline.due_on, deadline.ongoing, deadline.problem) == (None, True, "")


@pytest.mark.parametrize(
    "value, due_on",
    [
        (datetime.datetime(2021, 6, 30), D(2021, 6, 30)),
        (D(2021, 6, 30), D(2021, 6, 30)),
        (2021.6, D(2021, 6, 30)),
        (2021.12, D(2021, 12, 31)),
        (2021, D(2021, 12, 31)),
        (44377, D(2021, 6, 30)),  # an Excel date without a date format
    ],
)
def test_deadline_cells_holding_dates_and_numbers(value, due_on):
    assert read_deadline(value, 2021).due_on == due_on


def test_2021_dot_1_typed_as_a_number_is_january_with_a_note_that_october_may_be_meant():
    deadline = read_deadline(2021.1, 2021)
    assert deadline.due_on == D(2021, 1, 31) and "October" in deadline.note


@pytest.mark.parametrize(
    "written, why",
    [
        ("2021年13月", "there is no month 13"),
        ("6月32日", "6/32 does not exist in 2021"),
        ("2月30日", "2/30 does not exist in 2021"),
        ("按上级要求", ""),
        ("待定", ""),
    ],
)
def test_unreadable_deadlines_say_why(written, why):
    deadline = read_deadline(written, 2021)
    assert deadline.due_on is None and not deadline.ongoing
    assert f"“{written}” cannot be read" in deadline.problem and why in deadline.problem


def test_a_sheet_counts_its_unread_deadlines_and_still_reads_those_rows():
    rows = [
        HEADER,
        task(1, "任务甲。", deadline="2021年13月"),
        task(2, "任务乙。", deadline="6月32日"),
        task(3, "任务丙。"),
    ]
    sheet = read(xlsx_bytes(rows))
    assert sheet.deadlines_unread == 2
    assert [row.due_on for row in sheet.rows] == [None, None, D(2021, 6, 30)]
    assert [row.deadline_unread for row in sheet.rows] == [True, True, False]
    assert "there is no month 13" in sheet.rows[0].problems[0]


def test_a_deadline_outside_the_sheets_year_is_read_with_a_note():
    deadline = read_deadline("2022年6月30日", 2021)
    assert deadline.due_on == D(2022, 6, 30) and "2022" in deadline.note


def test_an_excel_date_cell_is_read_as_a_date():
    rows = [HEADER, task(1, "任务。", deadline=datetime.datetime(2021, 11, 30))]
    assert read(xlsx_bytes(rows, date_cells=["F2"])).rows[0].due_on == D(2021, 11, 30)


# -- formulas ---------------------------------------------------------------------------------------


def test_formulas_are_read_as_their_saved_values_and_never_evaluated():
    rows = [HEADER, task("=ROW()-1", "任务。", deadline="=DATE(2021,6,30)")]
    data = patch_xlsx_sheet(
        xlsx_bytes(rows), lambda xml: with_cached_value(with_cached_value(xml, "A2", "1"), "F2", "44377")
    )
    row = read(data).rows[0]
    assert row.number == "1"
    assert row.due_on == D(2021, 6, 30)  # the saved serial number; the formula itself is never run
    assert not row.problems


def test_a_formula_with_no_saved_value_is_read_as_empty_with_a_note():
    rows = [HEADER, task(1, "任务。", deadline="=DATE(2021,6,30)")]
    row = read(xlsx_bytes(rows)).rows[0]  # openpyxl saves formulas without values
    assert row.due_on is None
    assert any("column F" in problem and "no saved value" in problem for problem in row.problems)


# -- bad input --------------------------------------------------------------------------------------


def refused(data) -> str:
    with pytest.raises(TaskSheetError) as error:
        read(data)
    return str(error.value)


def test_no_recognisable_header_names_the_columns_expected():
    message = refused(xlsx_bytes([["说明"], ["甲", "乙", "丙"], ["1", "2", "3"]]))
    assert f"first {HEADER_SCAN} rows" in message
    for name in ("工作任务", "牵头单位", "完成时限"):
        assert name in message


def test_a_header_below_the_rows_searched_is_not_found():
    rows = [[f"说明{n}"] for n in range(HEADER_SCAN)] + [HEADER, task(1, "任务。")]
    assert "No header row" in refused(xlsx_bytes(rows))


def test_a_header_with_no_task_under_it_is_refused():
    assert "no task under it" in refused(xlsx_bytes([HEADER, [], [None, "合计"]]))


def test_a_password_protected_file_is_refused_clearly():
    # What Excel writes for a password-protected workbook: an OLE compound file (CDFV2
    # Encrypted) holding EncryptionInfo and EncryptedPackage streams.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
    ole += (
        "EncryptionInfo".encode("utf-16-le") + bytes(50) + "EncryptedPackage".encode("utf-16-le") + bytes(500)
    )
    assert "protected by a password" in refused(ole)


def test_an_old_xls_file_is_asked_to_be_saved_as_xlsx():
    assert "save it as .xlsx" in refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000))


@pytest.mark.parametrize(
    "data",
    [
        xlsx_bytes(ROWS)[:-200],  # cut off: no zip directory
        xlsx_bytes(ROWS)[:3000] + bytes(200) + xlsx_bytes(ROWS)[3200:],  # broken inside
    ],
    ids=["truncated", "corrupted"],
)
def test_a_damaged_xlsx_is_refused_clearly(data):
    assert "damaged" in refused(data)


def test_a_damaged_docx_is_refused_clearly():
    assert "damaged" in refused(docx_bytes(ROWS)[:-300])


def test_an_xlsx_whose_sheet_xml_is_broken_is_refused_clearly():
    data = patch_xlsx_sheet(xlsx_bytes(ROWS), lambda xml: xml.replace("</sheetData>", "<row><c>"))
    assert "damaged" in refused(data)


def test_an_archive_that_inflates_to_far_more_than_a_task_list_is_refused_before_parsing():
    from tests.zips import understate_sizes, zip_bytes

    bomb = understate_sizes(
        zip_bytes({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": 120 * 2**20})
    )
    assert "unpacks to more than 100 MB" in refused(bomb)


def test_a_password_protected_zip_member_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
    data = bytearray(buffer.getvalue())
    data[6] |= 1  # the "encrypted" flag of the first local header
    data[data.find(b"PK\x01\x02") + 8] |= 1  # and of its directory entry
    assert "protected by a password" in refused(bytes(data))


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"%PDF-1.4 ...", "PDF file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(50), "PNG file"),
        (bytes(100) + b"abc", "binary file"),
    ],
    ids=["empty", "pdf", "png", "binary"],
)
def test_files_that_are_no_task_list_are_refused(data, message):
    assert message in refused(data)


def test_a_zip_that_is_no_office_file_is_refused():
    from tests.zips import zip_bytes

    assert "neither an Excel" in refused(zip_bytes({"a.txt": b"hello"}))


def test_a_word_document_without_a_table_is_refused():
    import docx

    document = docx.Document()
    document.add_paragraph("没有表格")
    buffer = io.BytesIO()
    document.save(buffer)
    assert "holds no table" in refused(buffer.getvalue())


def test_a_file_over_the_size_limit_is_refused_before_reading():
    assert "too large" in refused(b"x" * (MAX_BYTES + 1))


def test_a_sheet_of_50000_rows_gets_a_clear_message_not_a_long_read():
    rows = [HEADER] + [task(n, f"任务{n}。") for n in range(1, 50_001)]
    message = refused(csv_bytes(rows))
    assert f"more than {MAX_ROWS:,} rows" in message and f"row {MAX_ROWS + 2}" in message


def test_an_xlsx_over_the_row_limit_is_refused_and_one_at_the_limit_is_read():
    rows = [HEADER] + [task(n, f"任务{n}。") for n in range(1, MAX_ROWS + 1)]
    assert len(read(xlsx_bytes(rows)).rows) == MAX_ROWS
    assert "more than 5,000 rows" in refused(xlsx_bytes([*rows, task(0, "再多一行。")]))


def test_a_row_that_cannot_be_read_does_not_stop_the_others():
    rows = [
        HEADER,
        task(1, "任务甲。", "县不存在局", "", "？？", "按上级要求"),
        task(2, "任务乙。", None),
        task(3, "任务丙。"),
    ]
    sheet = read(xlsx_bytes(rows))
    assert [row.title for row in sheet.rows] == ["任务甲", "任务乙", "任务丙"]
    first, second, third = sheet.rows
    assert len(first.problems) >= 2 and first.units_unknown == ["县不存在局"]
    assert "No lead unit is given; choose one." in second.problems
    assert third.problems == []


def test_sheets_without_a_lead_or_deadline_column_say_so():
    sheet = read(csv_bytes([["序号", "工作任务", "完成时限"], [1, "任务。", "年底前"]]))
    assert any("no lead unit column" in warning for warning in sheet.warnings)
    sheet = read(csv_bytes([["序号", "工作任务", "牵头单位"], [1, "任务。", "县司法局"]]))
    assert any("no deadline column" in warning for warning in sheet.warnings)


def test_the_first_sheet_with_a_header_is_read():
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "说明"
    book.active.append(["本表说明"])
    book.create_sheet("任务").append(HEADER)
    book["任务"].append(task(1, "任务。"))
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = read(buffer.getvalue())
    assert sheet.table == "任务" and len(sheet.rows) == 1


def test_the_sample_sheet_reads_as_documented():
    from pathlib import Path

    from reports.demo import UNITS
    from reports.tasksheets import UnitName

    data = (
        Path(__file__).resolve().parents[2] / "reports" / "samples" / "tasks-2021-sample.xlsx"
    ).read_bytes()
    directory = [UnitName(key=name, names=[name, short, *aliases]) for name, short, aliases, _k, _p in UNITS]
    sheet = read_task_sheet(data, year=2021, directory=directory)
    assert len(sheet.rows) == 10 and len(sheet.sections) == 2
    assert sheet.header_row == 3
    assert sum(row.ongoing for row in sheet.rows) == 1
    assert sheet.units_unknown == ["各乡镇人民政府"]


def test_a_word_table_of_tens_of_thousands_of_rows_is_refused_before_it_is_parsed(monkeypatch):
    import docx

    small = docx_bytes(ROWS)
    source = zipfile.ZipFile(io.BytesIO(small))
    xml = source.read("word/document.xml").decode("utf-8")
    start = xml.rindex("<w:tr>") if "<w:tr>" in xml else xml.rindex("<w:tr ")
    end = xml.index("</w:tr>", start) + len("</w:tr>")
    big_xml = xml[:end] + xml[start:end] * 12_000 + xml[end:]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = big_xml.encode("utf-8") if info.filename == "word/document.xml" else source.read(info)
            target.writestr(info.filename, content)
    monkeypatch.setattr(docx, "Document", lambda *a, **k: pytest.fail("parsed"))
    assert "more than 5,000 rows" in refused(buffer.getvalue())


def test_a_sheet_with_hidden_rows_of_formatting_far_below_ends_at_its_last_table_row():
    rows = [HEADER, task(1, "任务甲。"), *([[None]] * 1500), task(2, "远处的一行。")]
    sheet = read(xlsx_bytes(rows))
    assert [row.title for row in sheet.rows] == ["任务甲"]


def test_a_1904_workbook_reads_its_dates_right():
    rows = [HEADER, task(1, "任务。", deadline=datetime.datetime(2021, 6, 30))]
    data = xlsx_bytes(rows, date_cells=["F2"])
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                # The same day counted from 1904: 1,462 days fewer.
                content = re.sub(rb"<v>44377(\.0)?</v>", b"<v>42915</v>", content)
            if info.filename == "xl/workbook.xml":
                content = content.replace(b"<workbookPr", b'<workbookPr date1904="1"', 1)
            target.writestr(info, content)
    assert read(buffer.getvalue()).rows[0].due_on == D(2021, 6, 30)
