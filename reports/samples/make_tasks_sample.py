"""Write tasks-2021-sample.xlsx: a small 任务分解表 for the demo and the tests.

Invented content (示例数据), not any county's: units from the demo's unit list
(reports/demo.py). It shows what the importer reads: a title row and a note above the header,
two section rows merged across the table, a lead unit merged over two rows, a lead unit cell
naming two units, a cooperating cell naming three, a collective name (各乡镇人民政府) that is
no unit of the list, a 责任人 with post and phone, one who is a demo user (王经办, 县司法局),
deadlines in several written forms, one real date cell and one ongoing task.

Run: ``.venv/bin/python reports/samples/make_tasks_sample.py`` (writes next to this file).
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "tasks-2021-sample.xlsx"

TITLE = "2021年法治政府建设任务分解表（示例数据）"
NOTE = "示例数据：以下任务、单位分工、责任人和电话均为演示虚构，不代表任何地方的实际安排。"
HEADER = ["序号", "工作任务", "牵头单位", "配合单位", "责任人", "完成时限", "备注"]
MERGED_LEAD = "县大数据管理局"

# A section is a string; a task is (task, lead, cooperating, responsible, deadline, note).
# MERGED_LEAD on two rows in a row becomes one cell merged over both.
ROWS: list[str | tuple] = [
    "一、健全政府机构职能体系",
    (
        "梳理公布县级政务服务事项清单，实行动态调整。",
        MERGED_LEAD,
        "县人民政府办公室",
        "李明（副局长）13800000001",
        "2021年6月30日",
        "",
    ),
    (
        "推进政务服务“一网通办”，网上可办率达到90%以上。",
        MERGED_LEAD,
        "县人民政府办公室",
        "李明（副局长）13800000001",
        "2021年底前",
        "",
    ),
    (
        "全面推行证明事项告知承诺制，公布告知承诺事项目录。",
        "县司法局",
        "县市场监督管理局、县人力资源和社会保障局、县公安局",
        "王经办",
        "三季度末",
        "",
    ),
    (
        "优化营商环境，清理涉企行政许可事项。",
        "县市场监督管理局",
        "县发展和改革委员会",
        "赵敏 科长 0373-5550102",
        "上半年",
        "",
    ),
    (
        "落实权责清单制度，动态调整县级部门权责清单。",
        "县委机构编制委员会办公室",
        "县司法局",
        "孙立（主任）",
        "长期坚持",
        "每年年底前报送调整情况",
    ),
    "二、健全行政执法工作体系",
    (
        "全面推行行政执法“三项制度”，完善执法信息公示平台。",
        "县司法局、县城市管理局",
        "",
        "周强（副局长）13800000002",
        "2021.9",
        "",
    ),
    (
        "开展行政执法案卷评查，评查案卷不少于100卷。",
        "县司法局",
        "县市场监督管理局",
        "王经办",
        "11月底前",
        "",
    ),
    (
        "组织行政执法人员法律知识培训和考试，参训率达到100%。",
        "县司法局",
        "县人力资源和社会保障局",
        "周强（副局长）13800000002",
        "四季度",
        "",
    ),
    (
        "推进乡镇综合行政执法改革，在七里营镇、小冀镇开展试点。",
        "七里营镇人民政府",
        "小冀镇人民政府、县司法局",
        "吴刚（镇长）",
        datetime.date(2021, 12, 31),
        "",
    ),
    (
        "规范涉企行政检查，全面推行“双随机、一公开”监管。",
        "县市场监督管理局",
        "各乡镇人民政府",
        "赵敏 科长 0373-5550102",
        "2021年11月",
        "",
    ),
]


def build(path: Path = OUTPUT) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "任务分解表"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    width = len(HEADER)

    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([NOTE])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet["A2"].font = Font(italic=True, color="C00000")
    sheet.append(HEADER)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center")

    number = 0
    merged_from = None
    for entry in ROWS:
        row = sheet.max_row + 1
        if isinstance(entry, str):
            sheet.append([entry])
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
            sheet.cell(row, 1).font = Font(bold=True)
            continue
        number += 1
        task, lead, cooperating, responsible, deadline, note = entry
        if lead == MERGED_LEAD and merged_from is not None:
            sheet.append([number, task, None, cooperating, responsible, deadline, note])
            sheet.merge_cells(start_row=merged_from, start_column=3, end_row=row, end_column=3)
        else:
            merged_from = row if lead == MERGED_LEAD else None
            sheet.append([number, task, lead, cooperating, responsible, deadline, note])
        for cell in sheet[row]:
            cell.border = border
            cell.alignment = wrap
        if isinstance(deadline, datetime.date):
            sheet.cell(row, 6).number_format = "yyyy年m月d日"
    for letter, size in zip("ABCDEFG", (6, 48, 20, 28, 24, 14, 20), strict=True):
        sheet.column_dimensions[letter].width = size
    sheet.freeze_panes = "A4"
    book.save(path)
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT))
